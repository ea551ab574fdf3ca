import type { ExplorerMessage } from './explorer-message';
import { PayloadArena, type PayloadHandle } from './payload-arena';

/** One remembered message of a topic. */
export interface HistoryEntry {
  readonly receivedAt: number;
  /** Milliseconds since the topic's previous message, null for the first one seen. */
  readonly deltaMs: number | null;
  /** The caller's own copy of the payload bytes. */
  readonly payload: Uint8Array;
  readonly qos: 0 | 1 | 2;
  readonly retain: boolean;
  readonly dup: boolean;
}

export interface HistoryOptions {
  /** Bytes all topics' history may hold together (payload slots plus bookkeeping). */
  readonly budgetBytes?: number;
  /** Most entries one topic keeps; its oldest is dropped beyond this. */
  readonly maxPerTopic?: number;
}

export interface HistoryStats {
  readonly usedBytes: number;
  readonly budgetBytes: number;
  readonly entries: number;
  readonly topics: number;
  /** Entries removed because the overall budget was exceeded (oldest first, across topics). */
  readonly evictedByBudget: number;
  /** Entries that rolled off a topic's own ring. */
  readonly droppedByTopicCap: number;
}

export const DEFAULT_HISTORY_BUDGET_BYTES = 256 * 1024 * 1024;
export const DEFAULT_MAX_PER_TOPIC = 1_000;

// Bookkeeping per entry besides the payload slot: handle, length, time, delta, flags, queue slot.
const ENTRY_OVERHEAD_BYTES = 48;

const RETAIN = 1;
const DUP = 2;
const QOS_SHIFT = 2;

class TopicRing {
  handles: Float64Array;
  lengths: Int32Array;
  times: Float64Array;
  deltas: Float64Array;
  meta: Uint8Array;
  head = 0;
  size = 0;
  lastTime = Number.NaN;
  /** Entries already gone from this ring whose slots still sit in the global queue. */
  skip = 0;

  constructor(capacity: number) {
    this.handles = new Float64Array(capacity);
    this.lengths = new Int32Array(capacity);
    this.times = new Float64Array(capacity);
    this.deltas = new Float64Array(capacity);
    this.meta = new Uint8Array(capacity);
  }

  get capacity(): number {
    return this.handles.length;
  }

  grow(capacity: number): void {
    const order = (a: Float64Array | Int32Array | Uint8Array, next: Float64Array | Int32Array | Uint8Array): void => {
      for (let i = 0; i < this.size; i++) next[i] = a[(this.head + i) % a.length]!;
    };
    const handles = new Float64Array(capacity);
    const lengths = new Int32Array(capacity);
    const times = new Float64Array(capacity);
    const deltas = new Float64Array(capacity);
    const meta = new Uint8Array(capacity);
    order(this.handles, handles);
    order(this.lengths, lengths);
    order(this.times, times);
    order(this.deltas, deltas);
    order(this.meta, meta);
    this.handles = handles;
    this.lengths = lengths;
    this.times = times;
    this.deltas = deltas;
    this.meta = meta;
    this.head = 0;
  }
}

/**
 * Recent messages per topic under one memory budget.
 *
 * Each topic has its own ring (so a chatty topic cannot push a quiet one's few
 * messages out merely by being chatty); when all rings together exceed the budget the
 * globally oldest entries go first. A queue of topic keys in arrival order finds the
 * globally oldest entry in O(1) without per-entry objects.
 */
export class MessageHistory {
  private arena = new PayloadArena();
  private rings: (TopicRing | undefined)[] = [];
  private queue = new Int32Array(1024);
  private qHead = 0;
  private qLen = 0;
  private used = 0;
  private live = 0;
  private topics = 0;
  private evictedByBudget = 0;
  private droppedByTopicCap = 0;
  private budget: number;
  private readonly maxPerTopic: number;

  constructor(options: HistoryOptions = {}) {
    this.budget = options.budgetBytes ?? DEFAULT_HISTORY_BUDGET_BYTES;
    this.maxPerTopic = Math.max(1, options.maxPerTopic ?? DEFAULT_MAX_PER_TOPIC);
  }

  /** Remembers a message under `key` (the topic's NodeId in its TopicIndex). */
  record(key: number, msg: ExplorerMessage): void {
    let ring = this.rings[key];
    if (ring === undefined) {
      ring = new TopicRing(Math.min(4, this.maxPerTopic));
      this.rings[key] = ring;
      this.topics++;
    }
    if (ring.size === this.maxPerTopic) {
      this.dropOldest(ring);
      ring.skip++;
      this.droppedByTopicCap++;
    } else if (ring.size === ring.capacity) {
      ring.grow(Math.min(this.maxPerTopic, ring.capacity * 2));
    }
    const payload = msg.payload;
    const handle = this.arena.store(payload);
    const slot = (ring.head + ring.size) % ring.capacity;
    ring.handles[slot] = handle;
    ring.lengths[slot] = payload.length;
    ring.times[slot] = msg.receivedAt;
    ring.deltas[slot] = msg.receivedAt - ring.lastTime;
    ring.meta[slot] = (msg.retain ? RETAIN : 0) | (msg.dup === true ? DUP : 0) | (msg.qos << QOS_SHIFT);
    ring.lastTime = msg.receivedAt;
    ring.size++;
    this.used += this.cost(handle, payload.length);
    this.live++;
    this.enqueue(key);
    this.enforceBudget();
    if (this.qLen > 2 * this.live + 1024) this.compactQueue();
  }

  /** A topic's entries, oldest first; `limit` keeps only the newest ones. */
  entries(key: number, limit?: number): HistoryEntry[] {
    const ring = this.rings[key];
    if (ring === undefined) return [];
    const from = limit === undefined ? 0 : Math.max(0, ring.size - limit);
    const out: HistoryEntry[] = [];
    for (let i = from; i < ring.size; i++) {
      const slot = (ring.head + i) % ring.capacity;
      const meta = ring.meta[slot]!;
      const delta = ring.deltas[slot]!;
      out.push({
        receivedAt: ring.times[slot]!,
        deltaMs: Number.isNaN(delta) ? null : delta,
        payload: this.arena.copy(ring.handles[slot]!, ring.lengths[slot]!),
        qos: ((meta >> QOS_SHIFT) & 3) as 0 | 1 | 2,
        retain: (meta & RETAIN) !== 0,
        dup: (meta & DUP) !== 0,
      });
    }
    return out;
  }

  /**
   * Calls `visit` for each entry oldest first with a payload view valid only during the call.
   * For series extraction and search, which look at many payloads and keep none.
   */
  forEach(key: number, visit: (payload: Uint8Array, receivedAt: number) => void): void {
    const ring = this.rings[key];
    if (ring === undefined) return;
    for (let i = 0; i < ring.size; i++) {
      const slot = (ring.head + i) % ring.capacity;
      visit(this.arena.view(ring.handles[slot]!, ring.lengths[slot]!), ring.times[slot]!);
    }
  }

  /** How many entries a topic holds now. */
  size(key: number): number {
    return this.rings[key]?.size ?? 0;
  }

  stats(): HistoryStats {
    return {
      usedBytes: this.used,
      budgetBytes: this.budget,
      entries: this.live,
      topics: this.topics,
      evictedByBudget: this.evictedByBudget,
      droppedByTopicCap: this.droppedByTopicCap,
    };
  }

  /** Changes the budget; shrinking evicts oldest entries at once. */
  setBudget(bytes: number): void {
    this.budget = Math.max(0, bytes);
    this.enforceBudget();
  }

  /** Forgets one topic's history. */
  clearTopic(key: number): void {
    const ring = this.rings[key];
    if (ring === undefined) return;
    while (ring.size > 0) {
      this.dropOldest(ring);
      ring.skip++;
    }
  }

  /** Forgets everything, counters included. */
  clear(): void {
    this.arena = new PayloadArena();
    this.rings = [];
    this.queue = new Int32Array(1024);
    this.qHead = 0;
    this.qLen = 0;
    this.used = 0;
    this.live = 0;
    this.topics = 0;
    this.evictedByBudget = 0;
    this.droppedByTopicCap = 0;
  }

  private cost(handle: PayloadHandle, length: number): number {
    return this.arena.footprint(handle, length) + ENTRY_OVERHEAD_BYTES;
  }

  private dropOldest(ring: TopicRing): void {
    const slot = ring.head;
    const handle = ring.handles[slot]!;
    this.used -= this.cost(handle, ring.lengths[slot]!);
    this.arena.free(handle);
    ring.head = (ring.head + 1) % ring.capacity;
    ring.size--;
    this.live--;
  }

  private enforceBudget(): void {
    while (this.used > this.budget && this.qLen > 0) {
      const key = this.queue[this.qHead]!;
      this.qHead = (this.qHead + 1) % this.queue.length;
      this.qLen--;
      const ring = this.rings[key]!;
      if (ring.skip > 0) {
        ring.skip--;
        continue;
      }
      this.dropOldest(ring);
      this.evictedByBudget++;
    }
  }

  private enqueue(key: number): void {
    if (this.qLen === this.queue.length) {
      const next = new Int32Array(this.queue.length * 2);
      for (let i = 0; i < this.qLen; i++) next[i] = this.queue[(this.qHead + i) % this.queue.length]!;
      this.queue = next;
      this.qHead = 0;
    }
    this.queue[(this.qHead + this.qLen) % this.queue.length] = key;
    this.qLen++;
  }

  /** Drops queue slots of entries that already rolled off their ring. */
  private compactQueue(): void {
    const next = new Int32Array(Math.max(1024, this.live * 2));
    let n = 0;
    for (let i = 0; i < this.qLen; i++) {
      const key = this.queue[(this.qHead + i) % this.queue.length]!;
      const ring = this.rings[key]!;
      if (ring.skip > 0) {
        ring.skip--;
        continue;
      }
      next[n++] = key;
    }
    this.queue = next;
    this.qHead = 0;
    this.qLen = n;
  }
}
