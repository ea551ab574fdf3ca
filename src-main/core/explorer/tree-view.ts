import type { TreeRow, TreeSort } from '../../../shared/ipc/explorer';
import { compileFilter, type CompiledFilter, type FilterResult, type FilterSpec } from './filters';
import { previewPayload } from './preview';
import { ROOT_NODE, type NodeId, type TopicIndex } from './topic-index';

/** One visible row of the topic tree: the contract's TreeRow plus the index version of its last change. */
export interface ExplorerTreeRow extends TreeRow {
  /** Index version of the change at changedAt, comparable with TreeWindow.version. */
  readonly changedSeq: number;
}

/** A window of rows plus what the UI needs to size its scroll area. */
export interface TreeWindow {
  /** The index version these rows reflect. */
  readonly version: number;
  /** Bumped by expand, collapse, sort and filter changes. */
  readonly viewVersion: number;
  readonly total: number;
  readonly start: number;
  readonly rows: readonly ExplorerTreeRow[];
}

/** The cheap answer to "anything new since I last asked?". */
export interface TreeChanges {
  readonly version: number;
  readonly viewVersion: number;
  /** Messages arrived since `version`. */
  readonly changed: boolean;
  /** The view itself (expansion, sort, filter) changed since `viewVersion`. */
  readonly viewChanged: boolean;
  readonly topicCount: number;
  readonly messageCount: number;
  /** Row indices within the asked-for window whose subtree changed after `version`. */
  readonly changedRows: readonly number[];
}

export interface TreeViewOptions {
  /**
   * How long a computed order is reused while messages keep arriving, for the count and
   * recency sorts and for trees over 50,000 rows: reordering (or re-merging) a million rows
   * on every request would waste the core's time. Expand, collapse, sort and filter changes
   * always apply at once.
   */
  readonly resortIntervalMs?: number;
  readonly now?: () => number;
}

/** Above this many rows, new topics join the cached order at most every resortIntervalMs. */
const LARGE_TREE_ROWS = 50_000;

/** Families at most this big are sorted when visited instead of cached. */
const UNCACHED_CHILDREN = 16;

interface ChildOrder {
  readonly ids: Int32Array;
  /** Names in the same order (name sort only): the index derives names, so keep them for merges. */
  readonly names: readonly string[];
  readonly count: number;
  readonly version: number;
  readonly sort: TreeSort;
}

/**
 * The flattened, windowed view of a TopicIndex that the tree UI scrolls through.
 *
 * The flattened row order is cached and rebuilt only when the tree's shape, the view's
 * settings, the filter's matches or (for value sorts, at most every resortIntervalMs)
 * the counters change. Name order per node is cached and merged with new children
 * instead of re-sorted.
 */
export class TreeView {
  private readonly resortIntervalMs: number;
  private readonly now: () => number;
  private expanded = new Set<string>();
  /** Paths the user collapsed while a filter auto-expands everything. */
  private collapsedInFilter = new Set<string>();
  private sort: TreeSort = 'name';
  private edits = 0;

  private filter: CompiledFilter | null = null;
  private selfMatch = new Uint8Array(0);
  private topicMatch = new Uint8Array(0);
  private evaluated = new Uint8Array(0);
  private subMatch = new Int32Array(0);
  private filterScannedVersion = -1;
  private filterScannedNodes = 0;
  private matchChanges = 0;

  private nameOrder = new Map<NodeId, ChildOrder>();
  private valueOrder = new Map<NodeId, ChildOrder>();
  private generation = -1;

  private flat = new Int32Array(1024);
  private flatLength = 0;
  private flatKey = '';
  private flatDataKey = '';
  private flatBuiltAt = 0;
  private flatDataVersion = -1;

  constructor(
    private readonly index: TopicIndex,
    options: TreeViewOptions = {},
  ) {
    this.resortIntervalMs = options.resortIntervalMs ?? 500;
    this.now = options.now ?? Date.now;
  }

  get viewVersion(): number {
    return this.edits;
  }

  /**
   * Replaces the set of expanded paths. Passing the same set again (as a request that carries
   * the UI's expansion every time does) keeps the cached rows.
   */
  setExpanded(paths: Iterable<string>): void {
    const next = new Set(paths);
    if (next.size === this.expanded.size && [...next].every((p) => this.expanded.has(p))) return;
    this.expanded = next;
    this.edits++;
  }

  expandedPaths(): string[] {
    return [...this.expanded];
  }

  expand(path: string): void {
    this.expanded.add(path);
    this.collapsedInFilter.delete(path);
    this.edits++;
  }

  collapse(path: string): void {
    this.expanded.delete(path);
    if (this.filter !== null) this.collapsedInFilter.add(path);
    this.edits++;
  }

  /** Expands every node with children down to `depth` levels below `under` (the top when omitted). */
  expandToDepth(depth: number, under?: string): void {
    const start = under === undefined ? ROOT_NODE : this.index.idOf(under);
    if (start === undefined) return;
    // Breadth-first with an explicit queue: depth may be Infinity on a very deep tree.
    const queue: [NodeId, number][] = [[start, start === ROOT_NODE ? depth : depth - 1]];
    if (start !== ROOT_NODE && depth > 0) this.expanded.add(this.index.pathOf(start));
    for (let q = 0; q < queue.length; q++) {
      const [id, remaining] = queue[q]!;
      if (remaining <= 0) continue;
      for (let c = this.index.firstChildOf(id); c !== -1; c = this.index.nextSiblingOf(c)) {
        if (this.index.childCountOf(c) === 0) continue;
        this.expanded.add(this.index.pathOf(c));
        if (remaining > 1) queue.push([c, remaining - 1]);
      }
    }
    this.edits++;
  }

  collapseAll(): void {
    this.expanded.clear();
    this.edits++;
  }

  setSort(sort: TreeSort): void {
    if (sort === this.sort) return;
    this.sort = sort;
    this.edits++;
  }

  /** Sets or (with null) removes the filter; an invalid filter leaves the current one in place. */
  setFilter(spec: FilterSpec | null): FilterResult | { readonly ok: true; readonly filter: null } {
    const current = this.filter?.spec;
    if (spec === null || spec.pattern === '') {
      if (current === undefined) return { ok: true, filter: null };
      this.filter = null;
      this.collapsedInFilter.clear();
      this.edits++;
      return { ok: true, filter: null };
    }
    if (
      current !== undefined &&
      current.mode === spec.mode &&
      current.pattern === spec.pattern &&
      (current.searchPayload === true) === (spec.searchPayload === true) &&
      this.generation === this.index.generation
    ) {
      return { ok: true, filter: this.filter! };
    }
    const result = compileFilter(spec);
    if (!result.ok) return result;
    this.filter = result.filter;
    this.collapsedInFilter.clear();
    const n = this.index.nodeCount;
    this.selfMatch = new Uint8Array(n);
    this.topicMatch = new Uint8Array(n);
    this.evaluated = new Uint8Array(n);
    this.subMatch = new Int32Array(n);
    this.filterScannedVersion = -1;
    this.filterScannedNodes = 0;
    this.edits++;
    return result;
  }

  /** Rows `[start, start + count)` of the flattened tree, and the total row count. */
  rows(start: number, count: number): TreeWindow {
    this.ensureFlat();
    const end = Math.min(this.flatLength, start + count);
    const rows: ExplorerTreeRow[] = [];
    for (let i = Math.max(0, start); i < end; i++) rows.push(this.rowOf(this.flat[i]!));
    return { version: this.index.version, viewVersion: this.edits, total: this.flatLength, start, rows };
  }

  /** Where a path sits in the flattened rows, or -1 if it is not visible. */
  rowIndexOf(path: string): number {
    const id = this.index.idOf(path);
    if (id === undefined) return -1;
    this.ensureFlat();
    return this.flat.subarray(0, this.flatLength).indexOf(id);
  }

  /**
   * Whether anything changed since a window the UI already has; cheap enough to poll often.
   * With a window, also which of its rows changed (by the last built row order).
   */
  since(version: number, viewVersion: number = this.edits, window?: { readonly start: number; readonly count: number }): TreeChanges {
    const changedRows: number[] = [];
    if (window !== undefined && this.index.version !== version) {
      const end = Math.min(this.flatLength, window.start + window.count);
      for (let i = Math.max(0, window.start); i < end; i++) {
        if (this.index.subtreeSeqOf(this.flat[i]!) > version) changedRows.push(i);
      }
    }
    return {
      changedRows,
      version: this.index.version,
      viewVersion: this.edits,
      changed: this.index.version !== version,
      viewChanged: this.edits !== viewVersion,
      topicCount: this.index.topicCount,
      messageCount: this.index.messageCount,
    };
  }

  private rowOf(id: NodeId): ExplorerTreeRow {
    const index = this.index;
    const path = index.pathOf(id);
    const filtered = this.filter !== null;
    const hasChildren = filtered ? this.subMatch[id]! - this.selfMatch[id]! > 0 : index.childCountOf(id) > 0;
    return {
      path,
      name: index.nameOf(id),
      depth: index.levelOf(id) - 1,
      hasChildren,
      expanded: hasChildren && this.isOpen(id, path),
      messageCount: index.subtreeMessageCountOf(id),
      ownMessageCount: index.messageCountOf(id),
      subtopicCount: index.subtopicCountOf(id),
      retained: index.isRetained(id),
      lastReceivedAt: index.lastReceivedAtOf(id),
      changedAt: index.subtreeLastReceivedAtOf(id),
      changedSeq: index.subtreeSeqOf(id),
      preview: previewPayload(index.peekPayload(id)),
    };
  }

  private isOpen(_id: NodeId, path: string): boolean {
    return this.filter !== null ? !this.collapsedInFilter.has(path) : this.expanded.has(path);
  }

  private ensureFlat(): void {
    const index = this.index;
    if (index.generation !== this.generation) {
      this.generation = index.generation;
      this.nameOrder.clear();
      this.valueOrder.clear();
      if (this.filter !== null) {
        const spec = this.filter.spec;
        this.filter = null;
        this.setFilter(spec);
      }
    }
    if (this.filter !== null) this.refreshMatches();
    const viewKey = `${index.generation}:${this.edits}:${this.sort}`;
    const dataKey = `${index.structureVersion}:${this.matchChanges}`;
    if (viewKey === this.flatKey) {
      if (dataKey === this.flatDataKey && (this.sort === 'name' || this.flatDataVersion === index.version)) return;
      // View edits apply at once; new topics and reorderings in a value sort or a large tree
      // show up to resortIntervalMs late, so a flood of new topics cannot make every
      // request rebuild a huge order.
      const throttled = this.sort !== 'name' || this.flatLength > LARGE_TREE_ROWS;
      if (throttled && this.now() - this.flatBuiltAt < this.resortIntervalMs) return;
    }
    this.flatKey = viewKey;
    this.flatDataKey = dataKey;
    this.flatBuiltAt = this.now();
    this.flatDataVersion = index.version;
    this.flatLength = 0;
    this.flatten(ROOT_NODE);
  }

  /** Depth-first over open nodes; an explicit stack, since a topic may have thousands of levels. */
  private flatten(root: NodeId): void {
    const filtered = this.filter !== null;
    const orders: ChildOrder[] = [this.childOrder(root)];
    const positions: number[] = [0];
    while (orders.length > 0) {
      const top = orders.length - 1;
      const order = orders[top]!;
      const i = positions[top]!;
      if (i >= order.count) {
        orders.pop();
        positions.pop();
        continue;
      }
      positions[top] = i + 1;
      const id = order.ids[i]!;
      if (filtered && this.subMatch[id] === 0) continue;
      this.push(id);
      const openable = filtered ? this.subMatch[id]! - this.selfMatch[id]! > 0 : this.index.childCountOf(id) > 0;
      if (openable && this.isOpen(id, this.index.pathOf(id))) {
        orders.push(this.childOrder(id));
        positions.push(0);
      }
    }
  }

  private push(id: NodeId): void {
    if (this.flatLength === this.flat.length) {
      const next = new Int32Array(this.flat.length * 2);
      next.set(this.flat);
      this.flat = next;
    }
    this.flat[this.flatLength++] = id;
  }

  private childOrder(parent: NodeId): ChildOrder {
    return this.sort === 'name' ? this.nameOrderOf(parent) : this.valueOrderOf(parent);
  }

  private nameOrderOf(parent: NodeId): ChildOrder {
    const index = this.index;
    const total = index.childCountOf(parent);
    // Small families are sorted on the spot: caching them would cost more memory than time
    // saved when "expand all" opens a million single-child nodes.
    if (total <= UNCACHED_CHILDREN) return this.sortSmall(parent, total);
    let order = this.nameOrder.get(parent);
    if (order !== undefined && order.count === total) return order;
    // Children are prepended, so the ones added since the cached order are the first few.
    const known = order?.count ?? 0;
    const fresh: { id: NodeId; name: string }[] = [];
    for (let c = index.firstChildOf(parent); fresh.length < total - known; c = index.nextSiblingOf(c)) {
      fresh.push({ id: c, name: index.nameOf(c) });
    }
    fresh.sort((a, b) => compareNames(a.name, b.name));
    const oldIds = order?.ids ?? new Int32Array(0);
    const oldNames = order?.names ?? [];
    const ids = new Int32Array(total);
    const names: string[] = [];
    // Binary-search each new child's place and copy the runs of old ones between them:
    // a handful of arrivals under a million siblings costs a copy, not a re-sort.
    let from = 0;
    let k = 0;
    for (const child of fresh) {
      let lo = from;
      let hi = known;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (compareNames(oldNames[mid]!, child.name) <= 0) lo = mid + 1;
        else hi = mid;
      }
      ids.set(oldIds.subarray(from, lo), k);
      for (let i = from; i < lo; i++) names.push(oldNames[i]!);
      k += lo - from;
      ids[k++] = child.id;
      names.push(child.name);
      from = lo;
    }
    ids.set(oldIds.subarray(from, known), k);
    for (let i = from; i < known; i++) names.push(oldNames[i]!);
    order = { ids, names, count: total, version: 0, sort: 'name' };
    this.nameOrder.set(parent, order);
    return order;
  }

  private sortSmall(parent: NodeId, total: number): ChildOrder {
    const index = this.index;
    const children: { id: NodeId; name: string }[] = [];
    for (let c = index.firstChildOf(parent); c !== -1; c = index.nextSiblingOf(c)) children.push({ id: c, name: index.nameOf(c) });
    children.sort((a, b) => compareNames(a.name, b.name));
    if (this.sort !== 'name') {
      const key = this.sortKey();
      children.sort((a, b) => key(b.id) - key(a.id));
    }
    return { ids: Int32Array.from(children, (c) => c.id), names: children.map((c) => c.name), count: total, version: index.version, sort: this.sort };
  }

  private valueOrderOf(parent: NodeId): ChildOrder {
    const index = this.index;
    const total = index.childCountOf(parent);
    if (total <= UNCACHED_CHILDREN) return this.sortSmall(parent, total);
    const cached = this.valueOrder.get(parent);
    if (cached !== undefined && cached.count === total && cached.version === index.version && cached.sort === this.sort) return cached;
    const names = this.nameOrderOf(parent);
    const ids = Array.from(names.ids);
    const key = this.sortKey();
    // Stable sort over name order: equal keys stay alphabetical.
    ids.sort((a, b) => key(b) - key(a));
    const order: ChildOrder = { ids: Int32Array.from(ids), names: [], count: total, version: index.version, sort: this.sort };
    this.valueOrder.set(parent, order);
    return order;
  }

  private sortKey(): (id: NodeId) => number {
    const index = this.index;
    switch (this.sort) {
      case 'messages':
        return (id) => index.subtreeMessageCountOf(id);
      case 'topics':
        return (id) => index.subtopicCountOf(id) + (index.hasMessage(id) ? 1 : 0);
      case 'recent':
        return (id) => index.subtreeSeqOf(id);
      case 'name':
        return () => 0;
      default:
        return assertNever(this.sort);
    }
  }

  /** Brings filter matches up to date with messages that arrived since the last look. */
  private refreshMatches(): void {
    const filter = this.filter!;
    const index = this.index;
    if (index.version === this.filterScannedVersion && index.nodeCount === this.filterScannedNodes) return;
    const n = index.nodeCount;
    if (this.subMatch.length < n) this.growMatchArrays(n);
    const since = this.filterScannedVersion;
    for (let id = 1; id < n; id++) {
      if (id < this.filterScannedNodes && index.seqOf(id) <= since) continue;
      if (!index.hasMessage(id)) continue;
      if (this.evaluated[id] === 0) {
        this.evaluated[id] = 1;
        this.topicMatch[id] = filter.matchesTopic(index.pathOf(id)) ? 1 : 0;
      }
      let match = this.topicMatch[id] === 1;
      if (!match && filter.usesPayload) match = filter.matchesPayload(index.peekPayload(id)!);
      const now = match ? 1 : 0;
      if (now === this.selfMatch[id]) continue;
      this.selfMatch[id] = now;
      const delta = match ? 1 : -1;
      for (let p = id; p !== ROOT_NODE && p !== -1; p = index.parentOf(p)) this.subMatch[p]! += delta;
      this.matchChanges++;
    }
    this.filterScannedVersion = index.version;
    this.filterScannedNodes = n;
  }

  private growMatchArrays(n: number): void {
    const size = Math.max(n, this.subMatch.length * 2);
    const grow = <T extends Uint8Array | Int32Array>(old: T, next: T): T => {
      next.set(old as never);
      return next;
    };
    this.selfMatch = grow(this.selfMatch, new Uint8Array(size));
    this.topicMatch = grow(this.topicMatch, new Uint8Array(size));
    this.evaluated = grow(this.evaluated, new Uint8Array(size));
    this.subMatch = grow(this.subMatch, new Int32Array(size));
  }
}

/** Natural order: `sensor2` before `sensor10`; otherwise by UTF-16 code unit. */
export function compareNames(a: string, b: string): number {
  const la = a.length;
  const lb = b.length;
  let i = 0;
  let j = 0;
  while (i < la && j < lb) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(j);
    if (ca >= 48 && ca <= 57 && cb >= 48 && cb <= 57) {
      // Compare digit runs by value: skip leading zeros, then longer run wins, then digits.
      let si = i;
      let sj = j;
      while (si < la && a.charCodeAt(si) === 48) si++;
      while (sj < lb && b.charCodeAt(sj) === 48) sj++;
      let ei = si;
      let ej = sj;
      while (ei < la && isDigit(a.charCodeAt(ei))) ei++;
      while (ej < lb && isDigit(b.charCodeAt(ej))) ej++;
      if (ei - si !== ej - sj) return ei - si - (ej - sj);
      for (let k = 0; k < ei - si; k++) {
        const d = a.charCodeAt(si + k) - b.charCodeAt(sj + k);
        if (d !== 0) return d;
      }
      if (ei - i !== ej - j) return ei - i - (ej - j);
      i = ei;
      j = ej;
      continue;
    }
    if (ca !== cb) return ca - cb;
    i++;
    j++;
  }
  return la - i - (lb - j);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function assertNever(value: never): never {
  throw new Error(`Unexpected sort: ${String(value)}`);
}
