import { aliasOnly, type ExplorerMessage, type ExplorerPublishProperties } from './explorer-message';
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
  /** The message's MQTT 5 properties, when it carried any. */
  readonly properties?: ExplorerPublishProperties;
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
const HAS_PROPERTIES = 16;
const NONE = -1;

/**
 * Recent messages per topic under one memory budget.
 *
 * Each topic keeps its own bounded FIFO (so a chatty topic cannot push a quiet one's few
 * messages out merely by being chatty); when all of them together exceed the budget the
 * globally oldest entries go first. Entries live in one pool of parallel typed arrays,
 * chained per topic, and per-topic state is a few typed-array slots: a million topics cost
 * tens of megabytes, not a million small objects. A queue of topic keys in arrival order
 * finds the globally oldest entry in O(1).
 */
export class MessageHistory {
  private arena = new PayloadArena();
  // Per topic, indexed by key.
  private tHead = new Int32Array(0);
  private tTail = new Int32Array(0);
  private tSize = new Int32Array(0);
  /** Entries already gone from a topic whose slots still sit in the global queue. */
  private tSkip = new Int32Array(0);
  private tLast = new Float64Array(0);
  // Per entry, indexed by pool slot.
  private eHandle = new Float64Array(0);
  private eLength = new Int32Array(0);
  private eTime = new Float64Array(0);
  private eDelta = new Float64Array(0);
  private eMeta = new Uint8Array(0);
  /** A topic alias that was the entry's only property (0: none, or kept in eProps with the others). */
  private eAlias = new Uint16Array(0);
  private eNext = new Int32Array(0);
  /** Properties by entry slot: most messages carry none, so a sparse map beats a column. */
  private eProps = new Map<number, ExplorerPublishProperties>();
  private poolUsed = 0;
  private freeHead = NONE;

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
    if (key >= this.tHead.length) this.growTopics(key + 1);
    if (Number.isNaN(this.tLast[key]!)) this.topics++;
    if (this.tSize[key] === this.maxPerTopic) {
      this.dropOldest(key);
      this.tSkip[key]! += 1;
      this.droppedByTopicCap++;
    }
    const payload = msg.payload;
    const handle = this.arena.store(payload);
    const e = this.allocEntry();
    this.eHandle[e] = handle;
    this.eLength[e] = payload.length;
    this.eTime[e] = msg.receivedAt;
    this.eDelta[e] = msg.receivedAt - this.tLast[key]!;
    const alias = msg.properties !== undefined ? aliasOnly(msg.properties) : 0;
    const props = alias === 0 && msg.properties !== undefined && hasAnyProperty(msg.properties) ? copyProperties(msg.properties) : undefined;
    this.eAlias[e] = alias;
    this.eMeta[e] = (msg.retain ? RETAIN : 0) | (msg.dup === true ? DUP : 0) | (msg.qos << QOS_SHIFT) | (props ? HAS_PROPERTIES : 0);
    this.eNext[e] = NONE;
    if (props) this.eProps.set(e, props);
    const tail = this.tTail[key]!;
    if (tail === NONE) this.tHead[key] = e;
    else this.eNext[tail] = e;
    this.tTail[key] = e;
    this.tSize[key]! += 1;
    this.tLast[key] = msg.receivedAt;
    this.used += this.cost(handle, payload.length) + (props ? propertiesCost(props) : 0);
    this.live++;
    this.enqueue(key);
    this.enforceBudget();
    if (this.qLen > 2 * this.live + 1024) this.compactQueue();
  }

  /** A topic's entries, oldest first; `limit` keeps only the newest ones. */
  entries(key: number, limit?: number): HistoryEntry[] {
    const size = this.size(key);
    if (size === 0) return [];
    let skip = limit === undefined ? 0 : Math.max(0, size - limit);
    const out: HistoryEntry[] = [];
    for (let e = this.tHead[key]!; e !== NONE; e = this.eNext[e]!) {
      if (skip > 0) {
        skip--;
        continue;
      }
      const meta = this.eMeta[e]!;
      const delta = this.eDelta[e]!;
      const alias = this.eAlias[e]!;
      const props = (meta & HAS_PROPERTIES) !== 0 ? this.eProps.get(e) : alias !== 0 ? { topicAlias: alias } : undefined;
      const entry: HistoryEntry = {
        receivedAt: this.eTime[e]!,
        deltaMs: Number.isNaN(delta) ? null : delta,
        payload: this.arena.copy(this.eHandle[e]!, this.eLength[e]!),
        qos: ((meta >> QOS_SHIFT) & 3) as 0 | 1 | 2,
        retain: (meta & RETAIN) !== 0,
        dup: (meta & DUP) !== 0,
      };
      out.push(props ? { ...entry, properties: props } : entry);
    }
    return out;
  }

  /**
   * Calls `visit` for each entry oldest first with a payload view valid only during the call.
   * For series extraction and search, which look at many payloads and keep none.
   */
  forEach(key: number, visit: (payload: Uint8Array, receivedAt: number) => void): void {
    if (this.size(key) === 0) return;
    for (let e = this.tHead[key]!; e !== NONE; e = this.eNext[e]!) {
      visit(this.arena.view(this.eHandle[e]!, this.eLength[e]!), this.eTime[e]!);
    }
  }

  /** How many entries a topic holds now. */
  size(key: number): number {
    return key < this.tSize.length ? this.tSize[key]! : 0;
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
    while (this.size(key) > 0) {
      this.dropOldest(key);
      this.tSkip[key]! += 1;
    }
  }

  /** Forgets everything, counters included. */
  clear(): void {
    this.arena = new PayloadArena();
    for (const name of ['tHead', 'tTail', 'tSize', 'tSkip'] as const) this[name] = new Int32Array(0);
    this.tLast = new Float64Array(0);
    this.eHandle = new Float64Array(0);
    this.eLength = new Int32Array(0);
    this.eTime = new Float64Array(0);
    this.eDelta = new Float64Array(0);
    this.eMeta = new Uint8Array(0);
    this.eAlias = new Uint16Array(0);
    this.eNext = new Int32Array(0);
    this.eProps.clear();
    this.poolUsed = 0;
    this.freeHead = NONE;
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

  private dropOldest(key: number): void {
    const e = this.tHead[key]!;
    const handle = this.eHandle[e]!;
    this.used -= this.cost(handle, this.eLength[e]!);
    if ((this.eMeta[e]! & HAS_PROPERTIES) !== 0) {
      const props = this.eProps.get(e);
      if (props) this.used -= propertiesCost(props);
      this.eProps.delete(e);
    }
    this.eMeta[e] = 0;
    this.arena.free(handle);
    const next = this.eNext[e]!;
    this.tHead[key] = next;
    if (next === NONE) this.tTail[key] = NONE;
    this.tSize[key]! -= 1;
    this.live--;
    this.eNext[e] = this.freeHead;
    this.freeHead = e;
  }

  private allocEntry(): number {
    if (this.freeHead !== NONE) {
      const e = this.freeHead;
      this.freeHead = this.eNext[e]!;
      return e;
    }
    if (this.poolUsed === this.eNext.length) this.growPool(Math.max(1024, this.eNext.length * 2));
    return this.poolUsed++;
  }

  private growPool(capacity: number): void {
    const grow = <T extends Float64Array | Int32Array | Uint16Array | Uint8Array>(old: T, next: T): T => {
      next.set(old as never);
      return next;
    };
    this.eHandle = grow(this.eHandle, new Float64Array(capacity));
    this.eLength = grow(this.eLength, new Int32Array(capacity));
    this.eTime = grow(this.eTime, new Float64Array(capacity));
    this.eDelta = grow(this.eDelta, new Float64Array(capacity));
    this.eMeta = grow(this.eMeta, new Uint8Array(capacity));
    this.eAlias = grow(this.eAlias, new Uint16Array(capacity));
    this.eNext = grow(this.eNext, new Int32Array(capacity));
  }

  private growTopics(min: number): void {
    const old = this.tHead.length;
    const capacity = Math.max(min, old * 2, 1024);
    const grow = <T extends Float64Array | Int32Array>(prev: T, next: T, fill: number): T => {
      next.set(prev as never);
      next.fill(fill, old);
      return next;
    };
    this.tHead = grow(this.tHead, new Int32Array(capacity), NONE);
    this.tTail = grow(this.tTail, new Int32Array(capacity), NONE);
    this.tSize = grow(this.tSize, new Int32Array(capacity), 0);
    this.tSkip = grow(this.tSkip, new Int32Array(capacity), 0);
    this.tLast = grow(this.tLast, new Float64Array(capacity), Number.NaN);
  }

  private enforceBudget(): void {
    while (this.used > this.budget && this.qLen > 0) {
      const key = this.queue[this.qHead]!;
      this.qHead = (this.qHead + 1) % this.queue.length;
      this.qLen--;
      if (this.tSkip[key]! > 0) {
        this.tSkip[key]! -= 1;
        continue;
      }
      this.dropOldest(key);
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

  /** Drops queue slots of entries that already rolled off their topic. */
  private compactQueue(): void {
    const next = new Int32Array(Math.max(1024, this.live * 2));
    let n = 0;
    for (let i = 0; i < this.qLen; i++) {
      const key = this.queue[(this.qHead + i) % this.queue.length]!;
      if (this.tSkip[key]! > 0) {
        this.tSkip[key]! -= 1;
        continue;
      }
      next[n++] = key;
    }
    this.queue = next;
    this.qHead = 0;
    this.qLen = n;
  }
}

function hasAnyProperty(p: ExplorerPublishProperties): boolean {
  for (const value of Object.values(p)) if (value !== undefined) return true;
  return false;
}

function copyProperties(p: ExplorerPublishProperties): ExplorerPublishProperties {
  // Correlation data may be a view into a socket chunk; copy so the history does not pin it.
  return p.correlationData === undefined ? p : { ...p, correlationData: p.correlationData.slice() };
}

/** What an entry's properties roughly cost in memory, counted against the budget like payloads. */
function propertiesCost(p: ExplorerPublishProperties): number {
  let bytes = 64;
  if (p.contentType !== undefined) bytes += 2 * p.contentType.length + 16;
  if (p.responseTopic !== undefined) bytes += 2 * p.responseTopic.length + 16;
  if (p.correlationData !== undefined) bytes += p.correlationData.length + 64;
  if (p.userProperties !== undefined) for (const [k, v] of p.userProperties) bytes += 2 * (k.length + v.length) + 48;
  if (p.subscriptionIdentifiers !== undefined) bytes += 8 * p.subscriptionIdentifiers.length + 16;
  return bytes;
}
