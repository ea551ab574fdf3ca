import protobuf from 'protobufjs';
import { SPARKPLUG_B_PROTO } from '../decoders/sparkplug-b-proto';
import type { DeviceIdentity, DeviceMessage } from './simulation-types';

/** A built-in scenario, made fresh for each simulation (it keeps each device's readings). */
export interface ScenarioRun {
  /** The device's will, set on its connection. */
  will(device: DeviceIdentity): DeviceMessage | undefined;
  /** Published once when the device connects (birth certificates, retained states). */
  birth(device: DeviceIdentity, now: number): readonly DeviceMessage[];
  /** Published on every tick. */
  tick(device: DeviceIdentity, tick: number, now: number): readonly DeviceMessage[];
}

export interface ScenarioInfo {
  readonly name: string;
  readonly description: string;
}

const encoder = new TextEncoder();
const json = (value: unknown): Uint8Array => encoder.encode(JSON.stringify(value));
const round = (value: number, digits: number): number => Number(value.toFixed(digits));

/** A value that wanders within [min, max]: readings that look like a sensor's, not noise. */
function wander(previous: number, step: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, previous + (Math.random() * 2 - 1) * step));
}

function perDevice<T>(make: (device: DeviceIdentity) => T): (device: DeviceIdentity) => T {
  const all = new Map<number, T>();
  return (device) => {
    let value = all.get(device.index);
    if (value === undefined) all.set(device.index, (value = make(device)));
    return value;
  };
}

function temperatureSensor(): ScenarioRun {
  const reading = perDevice(() => ({ t: 18 + Math.random() * 6, h: 40 + Math.random() * 20 }));
  return {
    will: (d) => ({ topic: `sim/sensors/${d.name}/status`, payload: encoder.encode('offline'), qos: 1, retain: true }),
    birth: (d) => [{ topic: `sim/sensors/${d.name}/status`, payload: encoder.encode('online'), qos: 1, retain: true }],
    tick: (d, tick, now) => {
      const r = reading(d);
      r.t = wander(r.t, 0.2, -10, 45);
      r.h = wander(r.h, 0.5, 5, 95);
      return [{ topic: `sim/sensors/${d.name}/reading`, payload: json({ temperature: round(r.t, 2), humidity: round(r.h, 1), unit: 'C', seq: tick, ts: now }) }];
    },
  };
}

function smartHome(): ScenarioRun {
  const home = perDevice(() => ({ on: Math.random() < 0.5, watts: 0, kwh: Math.random() * 1000 }));
  return {
    will: (d) => ({ topic: `sim/home/${d.name}/availability`, payload: encoder.encode('offline'), qos: 1, retain: true }),
    birth: (d) => [
      { topic: `sim/home/${d.name}/availability`, payload: encoder.encode('online'), qos: 1, retain: true },
      { topic: `sim/home/${d.name}/switch/state`, payload: encoder.encode(home(d).on ? 'ON' : 'OFF'), qos: 1, retain: true },
    ],
    tick: (d, tick, now) => {
      const h = home(d);
      const out: DeviceMessage[] = [];
      // Someone flips the switch now and then; the meter follows its load.
      if (Math.random() < 0.05) {
        h.on = !h.on;
        out.push({ topic: `sim/home/${d.name}/switch/state`, payload: encoder.encode(h.on ? 'ON' : 'OFF'), qos: 1, retain: true });
      }
      h.watts = h.on ? wander(h.watts || 60, 5, 20, 2500) : wander(2, 0.5, 0.5, 4);
      h.kwh += h.watts / 3_600_000;
      out.push({ topic: `sim/home/${d.name}/meter`, payload: json({ power: round(h.watts, 1), energy: round(h.kwh, 4), voltage: round(wander(230, 3, 220, 240), 1), seq: tick, ts: now }) });
      return out;
    },
  };
}

function gpsTracker(): ScenarioRun {
  const track = perDevice(() => ({ lat: 52.52 + (Math.random() - 0.5) * 0.2, lon: 13.405 + (Math.random() - 0.5) * 0.2, heading: Math.random() * 360, speed: 30 }));
  return {
    will: (d) => ({ topic: `sim/fleet/${d.name}/status`, payload: encoder.encode('lost'), qos: 1, retain: true }),
    birth: (d) => [{ topic: `sim/fleet/${d.name}/status`, payload: encoder.encode('tracking'), qos: 1, retain: true }],
    tick: (d, tick, now) => {
      const t = track(d);
      t.heading = (t.heading + (Math.random() * 2 - 1) * 15 + 360) % 360;
      t.speed = wander(t.speed, 5, 0, 120);
      // Metres moved in a second at speed km/h, turned into degrees (good enough away from the poles).
      const metres = (t.speed / 3.6) * 1;
      const rad = (t.heading * Math.PI) / 180;
      t.lat += (metres * Math.cos(rad)) / 111_320;
      t.lon += (metres * Math.sin(rad)) / (111_320 * Math.cos((t.lat * Math.PI) / 180));
      return [{ topic: `sim/fleet/${d.name}/location`, payload: json({ lat: round(t.lat, 6), lon: round(t.lon, 6), speed: round(t.speed, 1), heading: round(t.heading, 0), seq: tick, ts: now }) }];
    },
  };
}

let payloadType: protobuf.Type | undefined;
function sparkplugPayload(): protobuf.Type {
  payloadType ??= protobuf.parse(SPARKPLUG_B_PROTO, { keepCase: true }).root.lookupType('org.eclipse.tahu.protobuf.Payload');
  return payloadType;
}

/** Sparkplug B data type ids (Tahu's DataType enum). */
const UINT64 = 8;
const DOUBLE = 10;
const BOOLEAN = 11;
const STRING = 12;

/** Encodes a Sparkplug B payload with the repository's own schema (the decoder's). */
export function encodeSparkplug(payload: { readonly timestamp: number; readonly seq?: number; readonly metrics: readonly Record<string, unknown>[] }): Uint8Array {
  const type = sparkplugPayload();
  return type.encode(type.fromObject(payload)).finish();
}

const SPARKPLUG_GROUP = 'topiary-sim';

/**
 * A Sparkplug B edge node per device, each with one device (`sensor`): NBIRTH when it connects, with
 * NDEATH as its will (same bdSeq, as the specification asks), then DBIRTH, then DDATA on every tick;
 * `seq` runs 0…255 over every message of the node after the NBIRTH.
 */
function sparkplugEdgeNode(): ScenarioRun {
  const node = perDevice(() => ({ seq: 0, bdSeq: 0, temperature: 20 + Math.random() * 5, running: true }));
  const topic = (kind: string, d: DeviceIdentity, device?: string): string => `spBv1.0/${SPARKPLUG_GROUP}/${kind}/${d.name}${device === undefined ? '' : `/${device}`}`;
  const nextSeq = (n: { seq: number }): number => {
    const seq = n.seq;
    n.seq = (n.seq + 1) % 256;
    return seq;
  };
  return {
    will: (d) => ({ topic: topic('NDEATH', d), payload: encodeSparkplug({ timestamp: Date.now(), metrics: [{ name: 'bdSeq', datatype: UINT64, long_value: node(d).bdSeq }] }), qos: 1 }),
    birth: (d, now) => {
      const n = node(d);
      n.seq = 0;
      const nbirth = encodeSparkplug({
        timestamp: now,
        seq: nextSeq(n),
        metrics: [
          { name: 'bdSeq', datatype: UINT64, long_value: n.bdSeq, timestamp: now },
          { name: 'Node Control/Rebirth', datatype: BOOLEAN, boolean_value: false, timestamp: now },
          { name: 'Properties/Hardware', datatype: STRING, string_value: 'Topiary simulated edge node', timestamp: now },
        ],
      });
      const dbirth = encodeSparkplug({
        timestamp: now,
        seq: nextSeq(n),
        metrics: [
          { name: 'Temperature', alias: 1, datatype: DOUBLE, double_value: round(n.temperature, 2), timestamp: now },
          { name: 'Running', alias: 2, datatype: BOOLEAN, boolean_value: n.running, timestamp: now },
        ],
      });
      return [
        { topic: topic('NBIRTH', d), payload: nbirth, qos: 0 },
        { topic: topic('DBIRTH', d, 'sensor'), payload: dbirth, qos: 0 },
      ];
    },
    tick: (d, _tick, now) => {
      const n = node(d);
      n.temperature = wander(n.temperature, 0.3, 0, 90);
      const ddata = encodeSparkplug({ timestamp: now, seq: nextSeq(n), metrics: [{ name: 'Temperature', alias: 1, datatype: DOUBLE, double_value: round(n.temperature, 2), timestamp: now }] });
      return [{ topic: topic('DDATA', d, 'sensor'), payload: ddata, qos: 0 }];
    },
  };
}

const SCENARIOS: Readonly<Record<string, { readonly description: string; readonly make: () => ScenarioRun }>> = {
  temperature: { description: 'temperature and humidity sensors (JSON on sim/sensors/NAME/reading; status retained, "offline" as will)', make: temperatureSensor },
  'smart-home': { description: 'smart-home switches and energy meters (sim/home/NAME/switch/state retained, sim/home/NAME/meter JSON)', make: smartHome },
  gps: { description: 'GPS trackers driving around (JSON on sim/fleet/NAME/location)', make: gpsTracker },
  sparkplug: { description: `Sparkplug B edge nodes (spBv1.0/${SPARKPLUG_GROUP}/…): NBIRTH, NDEATH as will, DBIRTH, DDATA`, make: sparkplugEdgeNode },
};

/** The built-in scenarios, for help texts and the UI. */
export function listScenarios(): readonly ScenarioInfo[] {
  return Object.entries(SCENARIOS).map(([name, s]) => ({ name, description: s.description }));
}

/** A fresh run of a built-in scenario, or undefined if there is none of that name. */
export function createScenario(name: string): ScenarioRun | undefined {
  return Object.hasOwn(SCENARIOS, name) ? SCENARIOS[name]!.make() : undefined;
}
