import type { Packet } from 'mqtt-packet';
import type { PacketDirection, PacketLogEntry, PacketLogPage } from '../../../shared/ipc/connections';

export const DEFAULT_PACKET_LOG_CAPACITY = 10_000;

export interface PacketLogFilter {
  readonly types?: readonly string[];
  readonly direction?: PacketDirection;
  readonly text?: string;
}

export interface PacketLogWindow extends PacketLogFilter {
  readonly offset: number;
  readonly limit: number;
}

/** A bounded record of one connection's control packets: the newest `capacity` are kept. */
export class PacketLog {
  private readonly ring: (PacketLogEntry | undefined)[];
  private start = 0;
  private size = 0;
  private nextSeq = 1;
  private droppedCount = 0;

  constructor(readonly capacity: number = DEFAULT_PACKET_LOG_CAPACITY) {
    this.ring = new Array<PacketLogEntry | undefined>(capacity);
  }

  record(direction: PacketDirection, packet: Packet, time: number = Date.now()): PacketLogEntry {
    const entry = describePacket(this.nextSeq++, direction, packet, time);
    if (this.size < this.capacity) {
      this.ring[(this.start + this.size) % this.capacity] = entry;
      this.size++;
    } else {
      this.ring[this.start] = entry;
      this.start = (this.start + 1) % this.capacity;
      this.droppedCount++;
    }
    return entry;
  }

  get dropped(): number {
    return this.droppedCount;
  }

  /** Oldest first. */
  entries(filter: PacketLogFilter = {}): PacketLogEntry[] {
    const types = filter.types && filter.types.length > 0 ? new Set(filter.types.map((t) => t.toLowerCase())) : undefined;
    const needle = filter.text?.trim().toLowerCase();
    const out: PacketLogEntry[] = [];
    for (let i = 0; i < this.size; i++) {
      const entry = this.ring[(this.start + i) % this.capacity];
      if (!entry) continue;
      if (types && !types.has(entry.type)) continue;
      if (filter.direction && entry.direction !== filter.direction) continue;
      if (needle && !searchableText(entry).includes(needle)) continue;
      out.push(entry);
    }
    return out;
  }

  page(window: PacketLogWindow): PacketLogPage {
    const matched = this.entries(window);
    return {
      total: this.size,
      matched: matched.length,
      dropped: this.droppedCount,
      entries: matched.slice(window.offset, window.offset + window.limit),
    };
  }

  /** JSON lines, oldest first. */
  exportJsonLines(filter: PacketLogFilter = {}): string {
    return this.entries(filter)
      .map((e) => JSON.stringify(e))
      .join('\n')
      .concat(this.size > 0 ? '\n' : '');
  }
}

function searchableText(entry: PacketLogEntry): string {
  return [entry.type, entry.topic ?? '', ...(entry.topics ?? []), entry.properties ? JSON.stringify(entry.properties) : '']
    .join(' ')
    .toLowerCase();
}

/** Binary property values become hex so the log stays plain data (and greppable). */
function plainProperties(properties: unknown): Record<string, unknown> | undefined {
  if (!properties || typeof properties !== 'object') return undefined;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(properties as Record<string, unknown>)) {
    if (value === undefined) continue;
    out[key] = value instanceof Uint8Array ? Buffer.from(value).toString('hex') : value;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function payloadSize(payload: unknown): number {
  if (typeof payload === 'string') return Buffer.byteLength(payload);
  if (payload instanceof Uint8Array) return payload.byteLength;
  return 0;
}

function describePacket(seq: number, direction: PacketDirection, packet: Packet, time: number): PacketLogEntry {
  // Every incoming PUBLISH passes here: object spreads cost about 10 µs a packet, as much as the
  // whole explorer ingest, so the common case (no properties) is one literal.
  if (packet.cmd === 'publish' && packet.properties === undefined) {
    const payload = payloadSize(packet.payload);
    return typeof packet.messageId === 'number'
      ? { seq, time, direction, type: 'publish', packetId: packet.messageId, topic: packet.topic, qos: packet.qos, retain: packet.retain, dup: packet.dup, payloadSize: payload }
      : { seq, time, direction, type: 'publish', topic: packet.topic, qos: packet.qos, retain: packet.retain, dup: packet.dup, payloadSize: payload };
  }
  const base = { seq, time, direction, type: packet.cmd };
  const p = packet as Packet & { messageId?: number; reasonCode?: number; properties?: unknown };
  const packetId = typeof p.messageId === 'number' ? { packetId: p.messageId } : {};
  const reasonCode = typeof p.reasonCode === 'number' ? { reasonCode: p.reasonCode } : {};
  const properties = plainProperties(p.properties);
  const props = properties ? { properties } : {};
  switch (packet.cmd) {
    case 'connect': {
      // What identifies the session; the password never enters the log.
      const facts: Record<string, unknown> = {
        clientId: packet.clientId,
        protocolVersion: packet.protocolVersion,
        clean: packet.clean,
        keepalive: packet.keepalive,
        ...(packet.username !== undefined ? { username: packet.username } : {}),
        ...(packet.password !== undefined ? { password: '(hidden)' } : {}),
        ...(packet.will ? { will: { topic: packet.will.topic, qos: packet.will.qos, retain: packet.will.retain, payloadSize: payloadSize(packet.will.payload) } } : {}),
        ...(properties ?? {}),
      };
      return { ...base, properties: facts };
    }
    case 'connack':
      return {
        ...base,
        reasonCode: packet.reasonCode ?? packet.returnCode ?? 0,
        properties: { sessionPresent: packet.sessionPresent, ...(properties ?? {}) },
      };
    case 'publish':
      return {
        ...base,
        ...packetId,
        topic: packet.topic,
        qos: packet.qos,
        retain: packet.retain,
        dup: packet.dup,
        payloadSize: payloadSize(packet.payload),
        ...props,
      };
    case 'subscribe':
      return {
        ...base,
        ...packetId,
        topics: packet.subscriptions.map((s) => s.topic),
        ...props,
      };
    case 'unsubscribe':
      return { ...base, ...packetId, topics: [...packet.unsubscriptions], ...props };
    case 'suback':
    case 'unsuback': {
      const granted = (packet as { granted?: unknown }).granted;
      const codes = Array.isArray(granted) ? granted.filter((g): g is number => typeof g === 'number') : undefined;
      return { ...base, ...packetId, ...(codes ? { reasonCodes: codes } : {}), ...reasonCode, ...props };
    }
    default:
      return { ...base, ...packetId, ...reasonCode, ...props };
  }
}
