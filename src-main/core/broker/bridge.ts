import mqtt, { type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import { topicMatchesFilter } from '../../../shared/mqtt/topic-rules';
import { remapTopic, type BridgeTopic } from '../../../shared/mqtt/bridge-topics';

export interface BridgeConfig {
  readonly name: string;
  /** mqtt://, mqtts://, ws:// or wss:// of the remote broker. */
  readonly remoteUrl: string;
  readonly clientId?: string;
  readonly username?: string;
  readonly password?: string;
  /** The remote side's protocol; 5 lets the bridge use no-local so 'both' rules never echo. */
  readonly protocolVersion?: 4 | 5;
  readonly topics: readonly BridgeTopic[];
  readonly ca?: string;
  readonly rejectUnauthorized?: boolean;
}

export type BridgeState = 'connecting' | 'connected' | 'reconnecting' | 'stopped';

export interface BridgeStatus {
  readonly name: string;
  readonly remoteUrl: string;
  readonly state: BridgeState;
  readonly forwardedIn: number;
  readonly forwardedOut: number;
  readonly lastError: string | null;
}

const RECONNECT_MS = 2_000;

/**
 * Forwards topics between the embedded broker and a remote one, like mosquitto's bridges.
 * Both ends are ordinary MQTT clients: the local one is an MQTT 5 client of our own broker, so
 * no-local keeps a message it forwarded in from being forwarded back out.
 */
export class Bridge {
  private local: MqttClient | undefined;
  private remote: MqttClient | undefined;
  private state: BridgeState = 'stopped';
  private forwardedIn = 0;
  private forwardedOut = 0;
  private lastError: string | null = null;

  constructor(
    private readonly config: BridgeConfig,
    private readonly localUrl: string,
    private readonly onStatus: (status: BridgeStatus) => void,
  ) {}

  status(): BridgeStatus {
    return { name: this.config.name, remoteUrl: this.config.remoteUrl, state: this.state, forwardedIn: this.forwardedIn, forwardedOut: this.forwardedOut, lastError: this.lastError };
  }

  start(): void {
    const c = this.config;
    const outRules = c.topics.filter((t) => t.direction !== 'in');
    const inRules = c.topics.filter((t) => t.direction !== 'out');
    const noLocal = (c.protocolVersion ?? 5) === 5;
    const remoteOptions: IClientOptions = {
      clientId: c.clientId ?? `topiary-bridge-${c.name.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 40)}`,
      protocolVersion: c.protocolVersion ?? 5,
      reconnectPeriod: RECONNECT_MS,
      connectTimeout: 10_000,
      clean: true,
      ...(c.username !== undefined ? { username: c.username } : {}),
      ...(c.password !== undefined ? { password: c.password } : {}),
      ...(c.ca !== undefined ? { ca: c.ca } : {}),
      ...(c.rejectUnauthorized !== undefined ? { rejectUnauthorized: c.rejectUnauthorized } : {}),
    };
    this.setState('connecting');
    const local = mqtt.connect(this.localUrl, { clientId: `${remoteOptions.clientId}-local`, protocolVersion: 5, reconnectPeriod: RECONNECT_MS, clean: true });
    const remote = mqtt.connect(c.remoteUrl, remoteOptions);
    this.local = local;
    this.remote = remote;

    local.on('connect', () => {
      for (const rule of outRules) local.subscribe(rule.localPrefix + rule.pattern, { qos: rule.qos, nl: true, rap: true });
    });
    remote.on('connect', () => {
      this.lastError = null;
      this.setState('connected');
      for (const rule of inRules) remote.subscribe(rule.remotePrefix + rule.pattern, { qos: rule.qos, ...(noLocal ? { nl: true, rap: true } : {}) });
    });
    remote.on('reconnect', () => this.setState('reconnecting'));
    remote.on('offline', () => this.setState('reconnecting'));
    remote.on('error', (error) => {
      this.lastError = error.message;
      this.onStatus(this.status());
    });

    local.on('message', (topic, payload, packet) => {
      const target = this.forward(outRules, topic, 'local', packet);
      if (target && remote.connected) {
        remote.publish(target.topic, payload, { qos: target.qos, retain: packet.retain });
        this.forwardedOut++;
      }
    });
    remote.on('message', (topic, payload, packet) => {
      const target = this.forward(inRules, topic, 'remote', packet);
      if (target) {
        local.publish(target.topic, payload, { qos: target.qos, retain: packet.retain });
        this.forwardedIn++;
      }
    });
  }

  async stop(): Promise<void> {
    const ends = [this.local, this.remote];
    this.local = undefined;
    this.remote = undefined;
    await Promise.all(ends.map((client) => client?.endAsync(true)));
    this.setState('stopped');
  }

  /** The first rule whose filter matches decides the other side's topic and QoS. */
  private forward(rules: readonly BridgeTopic[], topic: string, from: 'local' | 'remote', packet: IPublishPacket): { topic: string; qos: 0 | 1 | 2 } | undefined {
    for (const rule of rules) {
      const [fromPrefix, toPrefix] = from === 'local' ? [rule.localPrefix, rule.remotePrefix] : [rule.remotePrefix, rule.localPrefix];
      if (!topicMatchesFilter(fromPrefix + rule.pattern, topic)) continue;
      const mapped = remapTopic(topic, fromPrefix, toPrefix);
      if (mapped !== undefined) return { topic: mapped, qos: Math.min(rule.qos, packet.qos) as 0 | 1 | 2 };
    }
    return undefined;
  }

  private setState(state: BridgeState): void {
    if (this.state === state) return;
    this.state = state;
    this.onStatus(this.status());
  }
}
