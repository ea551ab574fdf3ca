import { connect } from 'node:net';
import mqttPacket from 'mqtt-packet';
import type { Packet } from 'mqtt-packet';
import { seededRandom } from './seeded-random';

type Rand = () => number;
const int = (r: Rand, n: number): number => Math.floor(r() * n);
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[int(r, xs.length)]!;

/** Topics and filters from a small pool, so retained messages and sessions stay bounded however long the run. */
const LEVELS = ['f', 'a', 'b', 'c', 'sensor', 'x', '', 'ü', '$SYS', 'long'.repeat(20)];
function topic(r: Rand): string {
  const n = 1 + int(r, 4);
  const parts = ['f'];
  for (let i = 1; i < n; i++) parts.push(pick(r, LEVELS));
  return parts.join('/');
}
function filter(r: Rand): string {
  const t = topic(r).split('/');
  if (r() < 0.3) t[int(r, t.length)] = '+';
  if (r() < 0.2) t.push('#');
  const f = t.join('/');
  return r() < 0.1 ? `$share/g${int(r, 3)}/${f}` : r() < 0.03 ? '#' : f;
}
function payload(r: Rand): Buffer {
  const n = r() < 0.9 ? int(r, 64) : int(r, 4096);
  // Large payloads are one byte repeated with a few random ones: random enough for a broker, cheap to make.
  const b = Buffer.alloc(n, int(r, 256));
  for (let i = 0; i < Math.min(n, 64); i++) b[int(r, n)] = int(r, 256);
  return b;
}
function properties(r: Rand, v5: boolean): Record<string, unknown> | undefined {
  if (!v5 || r() < 0.6) return undefined;
  const p: Record<string, unknown> = {};
  if (r() < 0.4) p.userProperties = { [`k${int(r, 5)}`]: `v${int(r, 100)}` };
  if (r() < 0.2) p.messageExpiryInterval = int(r, 5);
  // Mostly valid aliases (1..10); an invalid one ends the connection, which the damaged frames already cover.
  if (r() < 0.2) p.topicAlias = r() < 0.95 ? 1 + int(r, 10) : int(r, 12);
  if (r() < 0.2) p.contentType = 'text/plain';
  if (r() < 0.02) p.payloadFormatIndicator = r() < 0.5;
  if (r() < 0.1) p.responseTopic = topic(r);
  return p;
}

/** A random CONNECT that a broker should mostly accept. */
export function randomConnect(r: Rand): { packet: Record<string, unknown>; version: 3 | 4 | 5 } {
  const version = pick(r, [3, 4, 5, 5] as const);
  const v5 = version === 5;
  const packet: Record<string, unknown> = {
    cmd: 'connect',
    protocolId: version === 3 ? 'MQIsdp' : 'MQTT',
    protocolVersion: version,
    clean: r() < 0.7,
    keepalive: int(r, 120),
    // A pool of ids: take-overs and resumed sessions happen, and sessions stay bounded.
    clientId: r() < 0.1 && version !== 3 ? '' : `fz-${int(r, 200)}`,
  };
  if (v5 && r() < 0.5) packet.properties = { sessionExpiryInterval: int(r, 30), receiveMaximum: 1 + int(r, 50), ...(r() < 0.2 ? { topicAliasMaximum: int(r, 10) } : {}) };
  if (r() < 0.3) packet.will = { topic: topic(r), payload: payload(r), qos: int(r, 3), retain: r() < 0.3, ...(v5 && r() < 0.3 ? { properties: { willDelayInterval: int(r, 3) } } : {}) };
  if (r() < 0.1) packet.username = `u${int(r, 3)}`;
  return { packet, version };
}

/** A random packet a connected client might send, valid in form if not always in meaning. */
export function randomPacket(r: Rand, v5: boolean): Record<string, unknown> {
  const id = 1 + int(r, 200);
  // One packet in three hundred is one a client must never send (case 8).
  switch (r() < 0.997 ? int(r, 8) : 8) {
    case 0:
    case 1:
    case 2: {
      const qos = int(r, 3);
      return { cmd: 'publish', topic: topic(r), payload: payload(r), qos, retain: r() < 0.15, dup: r() < 0.05, ...(qos > 0 ? { messageId: id } : {}), properties: properties(r, v5) };
    }
    case 3:
      return { cmd: 'subscribe', messageId: id, subscriptions: Array.from({ length: 1 + int(r, 3) }, () => ({ topic: filter(r), qos: int(r, 3), nl: v5 && r() < 0.2, rap: v5 && r() < 0.2, rh: v5 ? int(r, 3) : 0 })), ...(v5 && r() < 0.2 ? { properties: { subscriptionIdentifier: 1 + int(r, 100) } } : {}) };
    case 4:
      return { cmd: 'unsubscribe', messageId: id, unsubscriptions: [filter(r)] };
    case 5:
      return { cmd: pick(r, ['puback', 'pubrec', 'pubrel', 'pubcomp']), messageId: id, ...(v5 && r() < 0.3 ? { reasonCode: pick(r, [0, 0x10, 0x80, 0x92]) } : {}) };
    case 6:
      return { cmd: 'pingreq' };
    case 7:
      return r() < 0.01 ? { cmd: 'disconnect', ...(v5 ? { reasonCode: pick(r, [0, 4]) } : {}) } : { cmd: 'pingreq' };
    case 8:
      return { cmd: pick(r, ['connect', 'connack', 'suback', 'unsuback', 'pingresp', 'auth']), ...randomConnect(r).packet, returnCode: 0, reasonCode: 0, sessionPresent: false, granted: [0], messageId: id };
    default:
      return { cmd: 'publish', topic: topic(r), payload: payload(r), qos: 1, retain: false, messageId: id };
  }
}

/** Damages an encoded frame the ways a bad network or a hostile peer would. */
export function mutate(r: Rand, frame: Buffer): Buffer {
  const b = Buffer.from(frame);
  switch (int(r, 7)) {
    case 0: // flip bits
      for (let i = 0, n = 1 + int(r, 4); i < n && b.length > 0; i++) b[int(r, b.length)]! ^= 1 << int(r, 8);
      return b;
    case 1: // truncate
      return b.subarray(0, int(r, b.length));
    case 2: // lie about the remaining length
      if (b.length > 1) b[1] = int(r, 256);
      return b;
    case 3: // another packet type or flags
      b[0] = int(r, 256);
      return b;
    case 4: // random bytes spliced in
      return Buffer.concat([b.subarray(0, int(r, b.length + 1)), randomBytes(r, 1 + int(r, 16)), b.subarray(int(r, b.length + 1))]);
    case 5: // a huge announced length
      return Buffer.concat([Buffer.from([b[0] ?? 0x30, 0xff, 0xff, 0xff, 0x7f]), b.subarray(2)]);
    default: // pure noise
      return randomBytes(r, 1 + int(r, 64));
  }
}

function randomBytes(r: Rand, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = int(r, 256);
  return b;
}

function encode(packet: Record<string, unknown>, version: 3 | 4 | 5): Buffer | undefined {
  try {
    return mqttPacket.generate(packet as unknown as Packet, { protocolVersion: version });
  } catch {
    return undefined; // the generator refused a field combination: skip it
  }
}

/** One fuzz connection's bytes: usually a CONNECT, then a run of packets, a few of them damaged. */
export function fuzzSession(r: Rand, frames: number, mutationRate: number): { bytes: Buffer; frames: number } {
  const parts: Buffer[] = [];
  let count = 0;
  const { packet, version } = randomConnect(r);
  if (r() < 0.95) {
    const c = encode(packet, version);
    if (c) {
      parts.push(r() < mutationRate ? mutate(r, c) : c);
      count++;
    }
  }
  while (count < frames) {
    const f = encode(randomPacket(r, version === 5), version);
    if (!f) continue;
    parts.push(r() < mutationRate ? mutate(r, f) : f);
    count++;
  }
  return { bytes: Buffer.concat(parts), frames: count };
}

export interface FuzzOptions {
  readonly port: number;
  /** Frames to send in all. */
  readonly frames: number;
  readonly seed: number;
  /** Connections open at once. */
  readonly concurrency?: number;
  /** Frames per connection (before any damage ends it). */
  readonly framesPerConnection?: number;
  readonly mutationRate?: number;
  /** Called between connections, to sample memory or check the healthy client. */
  readonly onProgress?: (sent: number) => void;
}

/** Sends `frames` random and damaged frames over many short TCP connections; resolves with what was sent. */
export async function runFuzz(o: FuzzOptions): Promise<{ frames: number; connections: number }> {
  const r = seededRandom(o.seed);
  const concurrency = o.concurrency ?? 24;
  const per = o.framesPerConnection ?? 100;
  let sent = 0;
  let connections = 0;
  const one = async (): Promise<void> => {
    while (sent < o.frames) {
      const s = fuzzSession(r, Math.min(per, o.frames - sent), o.mutationRate ?? 0.01);
      sent += s.frames;
      connections++;
      await new Promise<void>((resolve) => {
        const socket = connect(o.port, '127.0.0.1');
        const done = (): void => {
          clearTimeout(timer);
          socket.destroy();
          resolve();
        };
        // A connection that is neither closed nor answered is dropped by us after a while: the broker owes it nothing.
        const timer = setTimeout(done, 2000);
        socket.on('error', done);
        socket.on('close', done);
        socket.on('data', () => undefined);
        socket.once('connect', () => socket.end(s.bytes));
      });
      o.onProgress?.(sent);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, one));
  return { frames: sent, connections };
}
