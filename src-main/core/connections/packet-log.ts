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

/** Topic names kept for the ring share one string per name, so each packet's own copy dies young. */
const INTERNED_TOPICS_MAX = 100_000;

// A PUBLISH without properties, or with only a Topic Alias (nearly every packet under a flood), is kept as columns;
// anything else as its entry.
const KIND_PUBLISH = 1;
const FLAG_IN = 1;
const FLAG_RETAIN = 2;
const FLAG_DUP = 4;
const FLAG_PACKET_ID = 8;
const QOS_SHIFT = 4;
const FLAG_ALIAS = 64;

/**
 * A bounded record of one connection's control packets: the newest `capacity` are kept.
 * Stored as columns (typed arrays, and one shared string per topic) rather than an object per packet: under a flood
 * of tens of thousands a second, objects that live a few seconds are promoted and collected in long full pauses.
 * Entries are built only for what a page or an export asks for.
 */
export class PacketLog {
  private readonly times: Float64Array;
  private readonly kinds: Uint8Array;
  private readonly flags: Uint8Array;
  private readonly packetIds: Uint16Array;
  private readonly payloadSizes: Float64Array;
  private readonly aliases: Uint16Array;
  private readonly topics: (string | undefined)[];
  /** Entries of packets that are not plain PUBLISHes (rare: acks, pings, subscribes, publishes with properties). */
  private readonly others: (PacketLogEntry | undefined)[];
  private readonly interned = new Map<string, string>();
  private start = 0;
  private size = 0;
  private nextSeq = 1;
  private droppedCount = 0;

  constructor(readonly capacity: number = DEFAULT_PACKET_LOG_CAPACITY) {
    this.times = new Float64Array(capacity);
    this.kinds = new Uint8Array(capacity);
    this.flags = new Uint8Array(capacity);
    this.packetIds = new Uint16Array(capacity);
    this.payloadSizes = new Float64Array(capacity);
    this.aliases = new Uint16Array(capacity);
    this.topics = new Array<string | undefined>(capacity);
    this.others = new Array<PacketLogEntry | undefined>(capacity);
  }

  /** Records a packet; returns its sequence number. */
  record(direction: PacketDirection, packet: Packet, time: number = Date.now()): number {
    const seq = this.nextSeq++;
    let slot: number;
    if (this.size < this.capacity) {
      slot = (this.start + this.size) % this.capacity;
      this.size++;
    } else {
      slot = this.start;
      this.start = (this.start + 1) % this.capacity;
      this.droppedCount++;
    }
    this.times[slot] = time;
    const alias = packet.cmd === 'publish' ? plainAlias(packet.properties) : undefined;
    if (packet.cmd === 'publish' && alias !== undefined) {
      this.kinds[slot] = KIND_PUBLISH;
      const hasId = typeof packet.messageId === 'number';
      this.flags[slot] =
        (direction === 'in' ? FLAG_IN : 0) |
        (packet.retain ? FLAG_RETAIN : 0) |
        (packet.dup ? FLAG_DUP : 0) |
        (hasId ? FLAG_PACKET_ID : 0) |
        (packet.qos << QOS_SHIFT) |
        (alias > 0 ? FLAG_ALIAS : 0);
      this.packetIds[slot] = hasId ? (packet.messageId as number) : 0;
      this.aliases[slot] = alias;
      this.payloadSizes[slot] = payloadSize(packet.payload);
      this.topics[slot] = this.intern(packet.topic);
      this.others[slot] = undefined;
    } else {
      this.kinds[slot] = 0;
      this.topics[slot] = undefined;
      this.others[slot] = describePacket(seq, direction, packet, time);
    }
    return seq;
  }

  get dropped(): number {
    return this.droppedCount;
  }

  /** Oldest first. */
  entries(filter: PacketLogFilter = {}): PacketLogEntry[] {
    const out: PacketLogEntry[] = [];
    this.scan(filter, 0, Number.POSITIVE_INFINITY, (slot, i) => out.push(this.entryAt(slot, i)));
    return out;
  }

  page(window: PacketLogWindow): PacketLogPage {
    const entries: PacketLogEntry[] = [];
    const matched = this.scan(window, window.offset, window.limit, (slot, i) => entries.push(this.entryAt(slot, i)));
    return { total: this.size, matched, dropped: this.droppedCount, entries };
  }

  /** JSON lines, oldest first. */
  exportJsonLines(filter: PacketLogFilter = {}): string {
    return this.entries(filter)
      .map((e) => JSON.stringify(e))
      .join('\n')
      .concat(this.size > 0 ? '\n' : '');
  }

  /** Counts the entries matching `filter` and hands the `limit` from the `offset`-th match on to `take`. */
  private scan(filter: PacketLogFilter, offset: number, limit: number, take: (slot: number, i: number) => void): number {
    const types = filter.types && filter.types.length > 0 ? new Set(filter.types.map((t) => t.toLowerCase())) : undefined;
    const needle = filter.text?.trim().toLowerCase();
    const wantIn = filter.direction === undefined ? undefined : filter.direction === 'in';
    let matched = 0;
    for (let i = 0; i < this.size; i++) {
      const slot = (this.start + i) % this.capacity;
      const other = this.others[slot];
      if (other) {
        if (types && !types.has(other.type)) continue;
        if (filter.direction && other.direction !== filter.direction) continue;
        if (needle && !searchableText(other).includes(needle)) continue;
      } else {
        if (types && !types.has('publish')) continue;
        if (wantIn !== undefined && ((this.flags[slot]! & FLAG_IN) !== 0) !== wantIn) continue;
        if (needle && !`publish ${this.topics[slot] ?? ''} ${(this.flags[slot]! & FLAG_ALIAS) !== 0 ? `{"topicalias":${this.aliases[slot]!}}` : ''}`.toLowerCase().includes(needle)) continue;
      }
      if (matched >= offset && matched - offset < limit) take(slot, i);
      matched++;
    }
    return matched;
  }

  /** The entry in `slot`, the `i`-th kept; built the way describePacket builds a plain PUBLISH's, in the same field order. */
  private entryAt(slot: number, i: number): PacketLogEntry {
    const other = this.others[slot];
    if (other) return other;
    const seq = this.nextSeq - this.size + i;
    const f = this.flags[slot]!;
    const base = {
      seq,
      time: this.times[slot]!,
      direction: (f & FLAG_IN) !== 0 ? ('in' as const) : ('out' as const),
      type: 'publish',
    };
    const rest = {
      topic: this.topics[slot]!,
      qos: (f >> QOS_SHIFT) & 3,
      retain: (f & FLAG_RETAIN) !== 0,
      dup: (f & FLAG_DUP) !== 0,
      payloadSize: this.payloadSizes[slot]!,
    };
    const entry = (f & FLAG_PACKET_ID) !== 0 ? { ...base, packetId: this.packetIds[slot]!, ...rest } : { ...base, ...rest };
    return (f & FLAG_ALIAS) !== 0 ? { ...entry, properties: { topicAlias: this.aliases[slot]! } } : entry;
  }

  private intern(topic: string): string {
    const known = this.interned.get(topic);
    if (known !== undefined) return known;
    // A flood of ever-new names would grow this without end; starting over only costs sharing for a while.
    if (this.interned.size >= INTERNED_TOPICS_MAX) this.interned.clear();
    this.interned.set(topic, topic);
    return topic;
  }
}

/**
 * A PUBLISH's Topic Alias when that is its only property (0 for no properties at all), or undefined when it has
 * others: a broker that gives aliases sends them on most packets, and those must not cost an entry object each.
 */
function plainAlias(properties: unknown): number | undefined {
  if (properties === undefined) return 0;
  if (properties === null || typeof properties !== 'object') return undefined;
  let alias = 0;
  for (const key in properties) {
    const value = (properties as Record<string, unknown>)[key];
    if (value === undefined) continue;
    if (key !== 'topicAlias' || typeof value !== 'number' || !(value >= 1 && value <= 65_535 && Number.isInteger(value))) return undefined;
    alias = value;
  }
  return alias;
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
