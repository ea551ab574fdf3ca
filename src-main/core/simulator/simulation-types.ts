/** What a simulation is made of: devices, what each publishes, and how often. */

/** One message a device publishes. */
export interface DeviceMessage {
  readonly topic: string;
  readonly payload: Uint8Array;
  readonly qos?: 0 | 1 | 2;
  readonly retain?: boolean;
}

/** A device's identity on the broker: its client id and its will (sent by the broker if it vanishes). */
export interface DeviceIdentity {
  /** 0-based position in the simulation. */
  readonly index: number;
  /** Shown in topics: `prefix-N`, N from 1. */
  readonly name: string;
  readonly clientId: string;
  readonly will?: DeviceMessage;
}

/** The link of one device to the broker (one MQTT connection per device). */
export interface DeviceLink {
  publish(message: DeviceMessage): Promise<void>;
  /** Ends cleanly (no will). */
  end(): Promise<void>;
  /** Drops the connection abruptly, as a device losing power: the broker sends its will. */
  drop(): void;
}

/** Opens one device's connection, with its client id and will. */
export type DeviceConnector = (identity: DeviceIdentity) => Promise<DeviceLink>;

/** What to publish: a built-in scenario, a script run in the sandbox, or a template. */
export type SimulationSource =
  | { readonly kind: 'scenario'; readonly name: string }
  /**
   * A script (the sandbox's API) called once per device and tick with `msg.json()` =
   * `{ device, index, tick, clientId, time }`; it returns the payload (string, bytes or JSON) or
   * `{ topic, payload }`, or an array of those; `undefined` publishes nothing. `state` is shared by the
   * simulation's devices: key it by `device`.
   */
  | { readonly kind: 'script'; readonly source: string; readonly topic: string }
  /** The composer's placeholders; `{device}` in the topic and payload is the device's name. */
  | { readonly kind: 'template'; readonly payload: string; readonly topic: string };

export interface SimulationSpec {
  readonly source: SimulationSource;
  readonly devices: number;
  /** Ticks per second of each device (each tick publishes what the source computes); default 1. */
  readonly perSecond?: number;
  /** Device names are `prefix-1` … (and client ids `topiary-sim-prefix-1` …); default "device". */
  readonly prefix?: string;
  readonly qos?: 0 | 1 | 2;
  /**
   * Each device's will for a template or script source (`{device}` in its topic and payload is the device's name);
   * a scenario brings its own.
   */
  readonly will?: { readonly topic: string; readonly payload: string; readonly qos?: 0 | 1 | 2; readonly retain?: boolean };
}

