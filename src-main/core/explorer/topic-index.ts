import { aliasOnly, type ExplorerMessage, type ExplorerPublishProperties, type StoredMessage } from './explorer-message';
import { EMPTY_PAYLOAD, PayloadArena } from './payload-arena';

/** A node's number inside one TopicIndex; 0 is the invisible root above the first level. */
export type NodeId = number;

/** The root node: parent of every first level (including the empty level of `/a`). */
export const ROOT_NODE: NodeId = 0;

/** Counters and marks of one node, as copied out of the index. */
export interface TopicNodeInfo {
  readonly id: NodeId;
  readonly path: string;
  readonly name: string;
  /** Levels below the root: `a` is 1, `a/b` is 2. */
  readonly level: number;
  readonly hasMessage: boolean;
  /** Messages received on exactly this topic. */
  readonly messageCount: number;
  /** Messages on this topic and every topic below it. */
  readonly subtreeMessageCount: number;
  /** Descendant topics that have received a message. */
  readonly subtopicCount: number;
  readonly childCount: number;
  readonly retained: boolean;
  /** When this topic last received a message (ms epoch), 0 if never. */
  readonly lastReceivedAt: number;
  /** Latest arrival anywhere in the subtree (ms epoch), 0 if never. */
  readonly subtreeLastReceivedAt: number;
  /** Index version of this topic's last message. */
  readonly seq: number;
  /** Index version of the last message anywhere in the subtree. */
  readonly subtreeSeq: number;
}

const HAS_MESSAGE = 1;
const RETAINED = 2;
const LAST_RETAIN_FLAG = 4;
const LAST_DUP = 8;
const HAS_PROPERTIES = 16;
const QOS_SHIFT = 5;

const INITIAL_CAPACITY = 1024;

/** Levels the trie splits a topic into; anything deeper stays in the last level's name. */
export const MAX_TOPIC_LEVELS = 256;

/**
 * The full topic tree of one connection: a trie by topic level with per-node counters
 * and each topic's last message.
 *
 * Nodes live in parallel typed arrays indexed by NodeId rather than as objects, and a
 * single Map from full path to id serves lookups, so a known topic costs one Map lookup
 * and an O(levels) walk up the parent chain with no allocation besides its payload copy.
 */
export class TopicIndex {
  private arena = new PayloadArena();
  private readonly byPath = new Map<string, NodeId>();
  private readonly properties = new Map<NodeId, ExplorerPublishProperties>();
  private paths: string[] = [];
  private capacity = 0;
  private count = 0;
  private ver = 0;
  private topics = 0;
  private structureVer = 0;
  private gen = 0;

  private parent = new Int32Array(0);
  private firstChild = new Int32Array(0);
  private nextSibling = new Int32Array(0);
  private childCount = new Int32Array(0);
  private level = new Uint16Array(0);
  private flags = new Uint8Array(0);
  private ownCount = new Float64Array(0);
  private subtreeCount = new Float64Array(0);
  private subtopicCount = new Int32Array(0);
  private lastAt = new Float64Array(0);
  private subtreeLastAt = new Float64Array(0);
  private seq = new Float64Array(0);
  private subtreeSeq = new Float64Array(0);
  private payloadHandle = new Float64Array(0);
  private payloadLength = new Int32Array(0);
  /** The last message's topic alias when that was its only property (see aliasOnly). */
  private lastAlias = new Uint16Array(0);

  constructor() {
    this.reset();
  }

  /** Adds one message; returns the topic's node id. */
  ingest(msg: ExplorerMessage): NodeId {
    const topic = msg.topic;
    let id = this.byPath.get(topic);
    if (id === undefined) id = this.createPath(topic);
    const version = ++this.ver;
    const t = msg.receivedAt;
    const payload = msg.payload;
    let f = this.flags[id]!;
    const first = (f & HAS_MESSAGE) === 0;
    if (!first) this.arena.free(this.payloadHandle[id]!);
    this.payloadHandle[id] = this.arena.store(payload);
    this.payloadLength[id] = payload.length;

    f = (f & RETAINED) | HAS_MESSAGE | (msg.qos << QOS_SHIFT);
    if (msg.retain) f |= LAST_RETAIN_FLAG;
    // An empty retained publish deletes the retained value. Subscribers already listening get
    // it with the retain flag cleared (unless they asked for retain-as-published), so any
    // empty payload clears the mark; a retained non-empty one sets it.
    if (payload.length === 0) f &= ~RETAINED;
    else if (msg.retain) f |= RETAINED;
    if (msg.dup === true) f |= LAST_DUP;
    const alias = msg.properties !== undefined ? aliasOnly(msg.properties) : 0;
    this.lastAlias[id] = alias;
    if (msg.properties !== undefined && alias === 0) {
      f |= HAS_PROPERTIES;
      this.properties.set(id, copyProperties(msg.properties));
    } else if ((this.flags[id]! & HAS_PROPERTIES) !== 0) {
      this.properties.delete(id);
    }
    this.flags[id] = f;
    this.ownCount[id]! += 1;
    if (t > this.lastAt[id]!) this.lastAt[id] = t;
    this.seq[id] = version;
    if (first) this.topics++;

    const parent = this.parent;
    const subtreeCount = this.subtreeCount;
    const subtreeSeq = this.subtreeSeq;
    const subtreeLastAt = this.subtreeLastAt;
    subtreeCount[id]! += 1;
    subtreeSeq[id] = version;
    if (t > subtreeLastAt[id]!) subtreeLastAt[id] = t;
    for (let p = parent[id]!; p !== -1; p = parent[p]!) {
      subtreeCount[p]! += 1;
      subtreeSeq[p] = version;
      if (t > subtreeLastAt[p]!) subtreeLastAt[p] = t;
      if (first) this.subtopicCount[p]! += 1;
    }
    return id;
  }

  /** Bumped by every message; compare with a remembered value to see if anything changed. */
  get version(): number {
    return this.ver;
  }

  /** Bumped whenever a node is created (the tree's shape changed). */
  get structureVersion(): number {
    return this.structureVer;
  }

  /** Bumped by clear(): node ids from an older generation mean nothing any more. */
  get generation(): number {
    return this.gen;
  }

  /** Distinct topics that have received a message. */
  get topicCount(): number {
    return this.topics;
  }

  /** All messages ingested since the last clear. */
  get messageCount(): number {
    return this.subtreeCount[ROOT_NODE]!;
  }

  /** Nodes including the root and levels that have no message of their own. */
  get nodeCount(): number {
    return this.count;
  }

  /** The node id of a path, if the index has seen it (as a topic or as a prefix). */
  idOf(path: string): NodeId | undefined {
    return this.byPath.get(path);
  }

  pathOf(id: NodeId): string {
    return this.paths[id]!;
  }

  /** The node's last level. Derived from the path on each call (names are not stored, to save memory). */
  nameOf(id: NodeId): string {
    const parent = this.parent[id]!;
    const path = this.paths[id]!;
    return parent <= ROOT_NODE ? path : path.substring(this.paths[parent]!.length + 1);
  }

  /** Counters and marks of a path, or undefined if the index has not seen it. */
  info(path: string): TopicNodeInfo | undefined {
    const id = this.byPath.get(path);
    return id === undefined ? undefined : this.infoOf(id);
  }

  infoOf(id: NodeId): TopicNodeInfo {
    const f = this.flags[id]!;
    return {
      id,
      path: this.paths[id]!,
      name: this.nameOf(id),
      level: this.level[id]!,
      hasMessage: (f & HAS_MESSAGE) !== 0,
      messageCount: this.ownCount[id]!,
      subtreeMessageCount: this.subtreeCount[id]!,
      subtopicCount: this.subtopicCount[id]!,
      childCount: this.childCount[id]!,
      retained: (f & RETAINED) !== 0,
      lastReceivedAt: this.lastAt[id]!,
      subtreeLastReceivedAt: this.subtreeLastAt[id]!,
      seq: this.seq[id]!,
      subtreeSeq: this.subtreeSeq[id]!,
    };
  }

  /** The last message of a topic with its own payload copy, or undefined. */
  lastMessage(path: string): StoredMessage | undefined {
    const id = this.byPath.get(path);
    return id === undefined ? undefined : this.lastMessageOf(id);
  }

  lastMessageOf(id: NodeId): StoredMessage | undefined {
    const f = this.flags[id]!;
    if ((f & HAS_MESSAGE) === 0) return undefined;
    const alias = this.lastAlias[id]!;
    const props = (f & HAS_PROPERTIES) !== 0 ? this.properties.get(id) : alias !== 0 ? { topicAlias: alias } : undefined;
    const base = {
      topic: this.paths[id]!,
      payload: this.arena.copy(this.payloadHandle[id]!, this.payloadLength[id]!),
      qos: ((f >> QOS_SHIFT) & 3) as 0 | 1 | 2,
      retain: (f & LAST_RETAIN_FLAG) !== 0,
      dup: (f & LAST_DUP) !== 0,
      receivedAt: this.lastAt[id]!,
    };
    return props === undefined ? base : { ...base, properties: props };
  }

  /**
   * A read-only view of the last payload, valid only until the next ingest.
   * For previews and filters that look and forget; use lastMessage to keep bytes.
   */
  peekPayload(id: NodeId): Uint8Array | undefined {
    if ((this.flags[id]! & HAS_MESSAGE) === 0) return undefined;
    return this.arena.view(this.payloadHandle[id]!, this.payloadLength[id]!);
  }

  /** Direct children ids, newest first (unsorted). */
  childrenOf(id: NodeId): NodeId[] {
    const out: NodeId[] = [];
    for (let c = this.firstChild[id]!; c !== -1; c = this.nextSibling[c]!) out.push(c);
    return out;
  }

  // Cheap accessors for views that walk many nodes; ids must be valid.
  parentOf(id: NodeId): NodeId {
    return this.parent[id]!;
  }
  firstChildOf(id: NodeId): NodeId {
    return this.firstChild[id]!;
  }
  nextSiblingOf(id: NodeId): NodeId {
    return this.nextSibling[id]!;
  }
  childCountOf(id: NodeId): number {
    return this.childCount[id]!;
  }
  levelOf(id: NodeId): number {
    return this.level[id]!;
  }
  hasMessage(id: NodeId): boolean {
    return (this.flags[id]! & HAS_MESSAGE) !== 0;
  }
  isRetained(id: NodeId): boolean {
    return (this.flags[id]! & RETAINED) !== 0;
  }
  messageCountOf(id: NodeId): number {
    return this.ownCount[id]!;
  }
  subtreeMessageCountOf(id: NodeId): number {
    return this.subtreeCount[id]!;
  }
  subtopicCountOf(id: NodeId): number {
    return this.subtopicCount[id]!;
  }
  lastReceivedAtOf(id: NodeId): number {
    return this.lastAt[id]!;
  }
  subtreeLastReceivedAtOf(id: NodeId): number {
    return this.subtreeLastAt[id]!;
  }
  seqOf(id: NodeId): number {
    return this.seq[id]!;
  }
  subtreeSeqOf(id: NodeId): number {
    return this.subtreeSeq[id]!;
  }

  /** Approximate bytes held by payloads (slabs reserved, slots in use). */
  payloadStats(): { readonly reservedBytes: number; readonly liveBytes: number } {
    return this.arena.stats();
  }

  /** Forgets everything (e.g. on reconnect with a clean view). */
  clear(): void {
    this.reset();
  }

  private reset(): void {
    this.arena = new PayloadArena();
    this.byPath.clear();
    this.properties.clear();
    this.paths = [];
    this.capacity = 0;
    this.count = 0;
    this.topics = 0;
    this.grow(INITIAL_CAPACITY);
    this.ver++;
    this.gen++;
    this.structureVer++;
    this.addNode('', -1);
  }

  private createPath(topic: string): NodeId {
    // Level boundaries, capped: past MAX_TOPIC_LEVELS the rest of the topic is one level, so a
    // hostile 30,000-level topic costs hundreds of prefix lookups, not tens of thousands.
    const cuts: number[] = [];
    for (let slash = topic.indexOf('/'); slash !== -1 && cuts.length < MAX_TOPIC_LEVELS - 1; slash = topic.indexOf('/', slash + 1)) {
      cuts.push(slash);
    }
    // Find the deepest existing ancestor from the end: a new topic usually has a known parent.
    let parentId: NodeId = ROOT_NODE;
    let next = 0;
    for (let k = cuts.length - 1; k >= 0; k--) {
      const known = this.byPath.get(topic.substring(0, cuts[k]!));
      if (known !== undefined) {
        parentId = known;
        next = k + 1;
        break;
      }
    }
    let id = parentId;
    for (let k = next; k < cuts.length; k++) {
      const path = topic.substring(0, cuts[k]!);
      id = this.addNode(path, id);
      this.byPath.set(path, id);
    }
    id = this.addNode(topic, id);
    this.byPath.set(topic, id);
    return id;
  }

  private addNode(path: string, parentId: NodeId): NodeId {
    // 1.5x keeps the worst-case slack of fifteen parallel arrays near a third, not a half.
    if (this.count === this.capacity) this.grow(Math.ceil(this.capacity * 1.5));
    const id = this.count++;
    this.paths.push(path);
    this.parent[id] = parentId;
    this.firstChild[id] = -1;
    this.payloadHandle[id] = EMPTY_PAYLOAD;
    if (parentId !== -1) {
      this.nextSibling[id] = this.firstChild[parentId]!;
      this.firstChild[parentId] = id;
      this.childCount[parentId]! += 1;
      this.level[id] = this.level[parentId]! + 1;
    } else {
      this.nextSibling[id] = -1;
    }
    this.structureVer++;
    return id;
  }

  private grow(capacity: number): void {
    const keep = this.count;
    const resize = <T extends Int32Array | Uint16Array | Uint8Array | Float64Array>(old: T, make: (n: number) => T): T => {
      const next = make(capacity);
      if (keep > 0) next.set(old.subarray(0, keep) as never);
      return next;
    };
    this.parent = resize(this.parent, (n) => new Int32Array(n));
    this.firstChild = resize(this.firstChild, (n) => new Int32Array(n));
    this.nextSibling = resize(this.nextSibling, (n) => new Int32Array(n));
    this.childCount = resize(this.childCount, (n) => new Int32Array(n));
    this.level = resize(this.level, (n) => new Uint16Array(n));
    this.flags = resize(this.flags, (n) => new Uint8Array(n));
    this.lastAlias = resize(this.lastAlias, (n) => new Uint16Array(n));
    this.ownCount = resize(this.ownCount, (n) => new Float64Array(n));
    this.subtreeCount = resize(this.subtreeCount, (n) => new Float64Array(n));
    this.subtopicCount = resize(this.subtopicCount, (n) => new Int32Array(n));
    this.lastAt = resize(this.lastAt, (n) => new Float64Array(n));
    this.subtreeLastAt = resize(this.subtreeLastAt, (n) => new Float64Array(n));
    this.seq = resize(this.seq, (n) => new Float64Array(n));
    this.subtreeSeq = resize(this.subtreeSeq, (n) => new Float64Array(n));
    this.payloadHandle = resize(this.payloadHandle, (n) => new Float64Array(n));
    this.payloadLength = resize(this.payloadLength, (n) => new Int32Array(n));
    this.capacity = capacity;
  }
}

function copyProperties(p: ExplorerPublishProperties): ExplorerPublishProperties {
  // Correlation data may be a view into a socket chunk; copy so we don't pin it.
  return p.correlationData === undefined ? p : { ...p, correlationData: p.correlationData.slice() };
}
