import type { ConnectionId, MessageView, Qos } from '../../../shared/ipc/common';
import type { ParsedArg } from '../../../shared/ipc/contract';
import { TopiaryError } from '../../../shared/ipc/errors';
import type {
  BufferGauge,
  DecodedView,
  DiffResult,
  ExplorerSubscription,
  HistoryItem,
  HistoryPage,
  InspectedMessage,
  PayloadChunk,
  RetainedClearResult,
  RowsResult,
  Series,
  SubscriptionOutcome,
  TopicDetail,
  TreeFilter,
  TreeRow,
  TreeSort,
  ViewOp,
  ViewState,
} from '../../../shared/ipc/explorer';
import { decodePayload } from '../decoders/decode-payload';
import type { ScriptMessage } from '../scripts/script-types';
import { DecodedPreviews, type PreviewDecoder } from './decoded-previews';
import { diffPayloads } from './diff';
import type { ExplorerMessage } from './explorer-message';
import { ExplorerSession } from './explorer-session';
import { previewPayload } from './preview';
import { ROOT_NODE, type NodeId, type TopicIndex } from './topic-index';
import { TreeView } from './tree-view';
import { Batcher } from '../ipc/batcher';
import type { ConnectionEvents } from '../connections/connection-manager';
import type { EventHub } from '../ipc/event-hub';

/** What the explorer needs from the connection that feeds it. */
export interface ExplorerLink {
  /** Publishes an empty retained message (how a retained value is cleared). */
  clearRetained(connectionId: ConnectionId, topic: string): Promise<void>;
  subscribe(connectionId: ConnectionId, subscriptions: readonly ExplorerSubscription[]): Promise<readonly SubscriptionOutcome[]>;
  unsubscribe(connectionId: ConnectionId, filters: readonly string[]): Promise<void>;
  /** Decodes a message with the user's decoder binding for its topic; undefined when none applies. */
  decodeBound?(message: ScriptMessage): Promise<DecodedView | undefined>;
  /** Decodes the tree's previews with the user's bindings (rows on screen only); raw previews without it. */
  readonly previews?: PreviewDecoder;
}

export interface ExplorerServiceOptions {
  /** Bytes each connection's message history may hold. */
  readonly historyBudgetBytes?: number;
  readonly historyPerTopic?: number;
  /** Most messages (and bytes) held while paused. */
  readonly bufferMessages?: number;
  readonly bufferBytes?: number;
  /** How often the UI hears that a tree changed. */
  readonly changeIntervalMs?: number;
  /** Longest a watched topic's message waits in the core before it is sent to the windows watching it. */
  readonly watchIntervalMs?: number;
}

/** A connection's explorer session, plus what the service keeps for the windows looking at it. */
interface Explored {
  readonly session: ExplorerSession;
  /** One view per UI client: each window keeps its own expansion, sort and filter. */
  readonly views: Map<string, ClientView>;
  readonly feed: Batcher<InspectedMessage>;
  /** How many clients watch each topic. */
  readonly watched: Map<string, number>;
  readonly subscriptions: Map<string, ExplorerSubscription>;
  readonly previews: DecodedPreviews | undefined;
  announcedVersion: number;
  announcedPreviews: number;
  announcedReceived: number;
  /** A watch batch still waiting for a decoder binding's view: later batches go after it, in order. */
  delivering: Promise<void> | undefined;
}

interface ClientView {
  readonly tree: TreeView;
  sort: TreeSort;
  filter: TreeFilter | null;
}

/** Payload bytes sent with a message in a watch batch or topic detail; the rest is fetched on demand. */
export const INLINE_PAYLOAD_BYTES = 64 * 1024;
const RETAINED_SAMPLE = 20;
/** How often the windows hear that a tree changed (only when it did). */
const CHANGE_INTERVAL_MS = 33;
/**
 * A watched topic's messages are batched for one frame at most: the inspector shows them on the page's next frame,
 * so a longer beat here only makes the selected value older (at 30 ms it was a third of the 100 ms budget). A
 * message after a quiet spell goes at once (leading): a topic of a few messages a second never waits for the beat.
 */
const WATCH_INTERVAL_MS = 16;
/** Clears in flight at once, so a subtree of thousands is quick without flooding the socket. */
const CLEAR_CONCURRENCY = 256;

/**
 * Holds each connection's topic index beside the connection that feeds it, answers the
 * renderer's windowed questions, and tells it (coalesced) when something changed.
 */
export class ExplorerService {
  private readonly explored = new Map<ConnectionId, Explored>();
  /** Which topic each UI client watches. */
  private readonly watches = new Map<string, { connectionId: ConnectionId; topic: string }>();
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(
    private readonly hub: EventHub,
    private readonly link: ExplorerLink,
    private readonly options: ExplorerServiceOptions = {},
  ) {
    // About once a frame: the page applies what changed on its own frame clock, and a click or a count must not
    // wait here for a slower beat (at 150 ms this alone made the totals 150 ms stale).
    this.timer = setInterval(() => this.announce(), options.changeIntervalMs ?? CHANGE_INTERVAL_MS);
    this.timer.unref?.();
  }

  /** What the explorer hears from the connections: a tree opens as its connection starts, fills with its messages, goes when it closes. */
  connectionListener(): Pick<ConnectionEvents, 'status' | 'message' | 'closed'> {
    return {
      status: (info) => {
        if (info.state === 'connecting') this.open(info.connectionId);
      },
      message: (connectionId, message) => this.ingest(connectionId, message),
      closed: (connectionId) => this.close(connectionId),
    };
  }

  open(connectionId: ConnectionId, subscriptions: readonly ExplorerSubscription[] = []): void {
    if (this.explored.has(connectionId)) return;
    const session = new ExplorerSession({
      history: { budgetBytes: this.options.historyBudgetBytes, maxPerTopic: this.options.historyPerTopic },
      buffer: { capacityMessages: this.options.bufferMessages, capacityBytes: this.options.bufferBytes },
      applied: (message, id) => this.feedWatchers(explored, message, id),
    });
    const explored: Explored = {
      session,
      views: new Map(),
      feed: new Batcher<InspectedMessage>((messages) => this.deliver(explored, connectionId, messages), this.options.watchIntervalMs ?? WATCH_INTERVAL_MS, undefined, { leading: true }),
      watched: new Map(),
      subscriptions: new Map(subscriptions.map((s) => [s.filter, s])),
      // Decoded texts arrive a moment after the rows: the next announcement (on the usual beat) says so.
      previews: this.link.previews ? new DecodedPreviews(this.link.previews, () => undefined) : undefined,
      announcedVersion: 0,
      announcedPreviews: 0,
      announcedReceived: 0,
      delivering: undefined,
    };
    this.explored.set(connectionId, explored);
  }

  /** Remembers the subscriptions a connection was opened with (made by the connection itself). */
  noteSubscriptions(connectionId: ConnectionId, subscriptions: readonly ExplorerSubscription[]): void {
    const explored = this.explored.get(connectionId);
    if (!explored) return;
    for (const s of subscriptions) explored.subscriptions.set(s.filter, s);
  }

  close(connectionId: ConnectionId): void {
    this.explored.get(connectionId)?.feed.dispose();
    this.explored.delete(connectionId);
  }

  ingest(connectionId: ConnectionId, message: MessageView): void {
    this.explored.get(connectionId)?.session.ingest(message);
  }

  /** Applies view ops in order; an invalid filter is an error and leaves the view as it was. */
  view(args: ParsedArg<'explorer.updateView'>, clientId: string): ViewState {
    const view = this.viewFor(clientId, args.connectionId);
    for (const op of args.ops) this.applyOp(view, op);
    const total = view.tree.rows(0, 0).total;
    return { viewVersion: view.tree.viewVersion, total, sort: view.sort, filter: view.filter };
  }

  rows(args: ParsedArg<'explorer.listRows'>, clientId: string): RowsResult {
    const explored = this.require(args.connectionId);
    const view = this.viewFor(clientId, args.connectionId);
    const window = view.tree.rows(args.start, args.count);
    const { index } = explored.session;
    const lastOf = (path: string): ScriptMessage | undefined => {
      const id = index.idOf(path);
      const last = id === undefined ? undefined : index.lastMessageOf(id);
      return last ? { topic: path, payload: last.payload, qos: last.qos, retain: last.retain } : undefined;
    };
    const rows: TreeRow[] = window.rows.map((r) => {
      const decoded = explored.previews?.previewOf(r.path, r.ownMessageCount, () => lastOf(r.path));
      return decoded === undefined ? row(r) : { ...row(r), preview: decoded, previewDecoded: true };
    });
    return { version: window.version, viewVersion: window.viewVersion, total: window.total, start: window.start, rows };
  }

  /** The user's decoder bindings changed: the tree's decoded previews are decoded afresh. */
  bindingsChanged(): void {
    for (const explored of this.explored.values()) explored.previews?.invalidate();
  }

  topic(args: ParsedArg<'explorer.getTopic'>): TopicDetail {
    const { index } = this.require(args.connectionId).session;
    const id = index.idOf(args.topic);
    if (id === undefined) return { topic: args.topic, messageCount: 0, lastMessage: null };
    const last = index.lastMessageOf(id);
    const count = index.messageCountOf(id);
    return { topic: args.topic, messageCount: count, lastMessage: last ? inspected(last, count) : null };
  }

  /** What `explorer.getTopic` answers: the topic's detail, its last message carrying its decoded view (no second round trip). */
  async inspect(args: ParsedArg<'explorer.getTopic'>): Promise<TopicDetail> {
    const detail = this.topic(args);
    const last = detail.lastMessage;
    if (last === null) return detail;
    const decoded = await this.carriedView(args.connectionId, last);
    return decoded === undefined ? detail : { ...detail, lastMessage: { ...last, decoded } };
  }

  watch(clientId: string, connectionId: ConnectionId, topic: string | null): void {
    this.unwatch(clientId);
    if (topic === null) return;
    const explored = this.require(connectionId);
    this.watches.set(clientId, { connectionId, topic });
    explored.watched.set(topic, (explored.watched.get(topic) ?? 0) + 1);
  }

  /**
   * What `explorer.decode` answers. `auto` means "as this topic is usually read": with the user's decoder binding
   * when its topic has one (a script runs in the sandbox); a kind the user picked wins over the binding.
   */
  async decodeBound(args: ParsedArg<'explorer.decode'>): Promise<DecodedView> {
    if (args.kind === 'auto' && this.link.decodeBound) {
      const { payload, topic, qos, retain } = this.payloadOf(args.connectionId, args.topic, args.n);
      const bound = await this.link.decodeBound({ topic, payload, qos: qos ?? 0, retain: retain ?? false });
      if (bound !== undefined) return bound;
    }
    return this.decode(args);
  }

  /** Decodes with a built-in decoder only. */
  decode(args: ParsedArg<'explorer.decode'>): DecodedView {
    const { payload, topic } = this.payloadOf(args.connectionId, args.topic, args.n);
    return decodePayload(payload, {
      kind: args.kind,
      topic,
      ...(args.protobuf ? { schema: args.protobuf } : {}),
      ...(args.full !== undefined ? { full: args.full } : {}),
      ...(args.offset !== undefined ? { offset: args.offset } : {}),
      ...(args.length !== undefined ? { length: args.length } : {}),
    });
  }

  payload(args: ParsedArg<'explorer.getPayload'>): PayloadChunk {
    const { payload } = this.payloadOf(args.connectionId, args.topic, args.n);
    const offset = Math.min(args.offset, payload.length);
    return { size: payload.length, offset, bytes: payload.slice(offset, offset + args.length) };
  }

  history(args: ParsedArg<'explorer.listHistory'>): HistoryPage {
    const { index, history } = this.require(args.connectionId).session;
    const id = index.idOf(args.topic);
    const stats = history.stats();
    const base = { topic: args.topic, budgetBytes: stats.budgetBytes, usedBytes: stats.usedBytes, evicted: stats.evictedByBudget };
    if (id === undefined) return { ...base, items: [] };
    const entries = history.entries(id, args.limit);
    const firstN = index.messageCountOf(id) - history.size(id) + Math.max(0, history.size(id) - args.limit) + 1;
    const items: HistoryItem[] = entries.map((e, i) => ({
      n: firstN + i,
      receivedAt: e.receivedAt,
      deltaMs: e.deltaMs,
      qos: e.qos,
      retain: e.retain,
      size: e.payload.length,
      preview: previewPayload(e.payload),
      ...(e.dup ? { dup: true } : {}),
      ...(e.properties ? { properties: e.properties } : {}),
    }));
    return { ...base, items };
  }

  diff(args: ParsedArg<'explorer.diff'>): DiffResult {
    const a = this.payloadOf(args.connectionId, args.topic, args.a).payload;
    const b = this.payloadOf(args.connectionId, args.topic, args.b).payload;
    return diffPayloads(a, b);
  }

  series(args: ParsedArg<'explorer.getSeries'>): Series {
    const source = args.field === null || args.field === '' ? ({ kind: 'payload' } as const) : ({ kind: 'json', path: args.field } as const);
    const { session } = this.require(args.connectionId);
    const { points, skipped } = session.series(args.topic, source);
    return { topic: args.topic, field: args.field, points, skipped, fields: session.numericFields(args.topic) };
  }

  setHistoryBudget(connectionId: ConnectionId, budgetBytes: number): void {
    this.require(connectionId).session.history.setBudget(budgetBytes);
  }

  /** Counts (and unless a dry run, clears) the retained messages of a topic or its whole subtree. */
  async clearRetained(args: ParsedArg<'explorer.clearRetained'>): Promise<RetainedClearResult> {
    const { index } = this.require(args.connectionId).session;
    const topics = retainedTopics(index, args.topic, args.subtree);
    const sample = topics.slice(0, RETAINED_SAMPLE);
    if (args.dryRun || topics.length === 0) return { count: topics.length, sample, ...(args.dryRun ? {} : { cleared: 0, elapsedMs: 0 }) };
    const started = performance.now();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < topics.length) {
        const topic = topics[next++]!;
        await this.link.clearRetained(args.connectionId, topic);
      }
    };
    await Promise.all(Array.from({ length: Math.min(CLEAR_CONCURRENCY, topics.length) }, worker));
    return { count: topics.length, sample, deleted: topics.length, elapsedMs: Math.round(performance.now() - started) };
  }

  /** How much a paused tree may hold, in messages and bytes. */
  setPauseBudget(connectionId: ConnectionId, messages: number, bytes: number): BufferGauge {
    const explored = this.require(connectionId);
    explored.session.buffer.setCapacity(messages, bytes);
    return gaugeOf(explored);
  }

  /** Pausing freezes the tree while messages keep being counted and held; resuming applies what was held. */
  pause(connectionId: ConnectionId, paused: boolean): BufferGauge {
    const explored = this.require(connectionId);
    if (paused) explored.session.pause();
    else explored.session.resume();
    return gaugeOf(explored);
  }

  /** A connection's session (its index, history and buffer), for benchmarks and tests to read. */
  session(connectionId: ConnectionId): ExplorerSession | undefined {
    return this.explored.get(connectionId)?.session;
  }

  /** The live topic index of a connection, read-only for others (the composer's topic suggestions). */
  topicIndex(connectionId: ConnectionId): TopicIndex | undefined {
    return this.explored.get(connectionId)?.session.index;
  }

  subscriptions(connectionId: ConnectionId): ExplorerSubscription[] {
    return [...this.require(connectionId).subscriptions.values()];
  }

  async subscribe(connectionId: ConnectionId, subscriptions: readonly ExplorerSubscription[]): Promise<readonly SubscriptionOutcome[]> {
    const explored = this.require(connectionId);
    const outcomes = await this.link.subscribe(connectionId, subscriptions);
    for (const s of subscriptions) {
      if (outcomes.find((o) => o.filter === s.filter)?.ok === true) explored.subscriptions.set(s.filter, s);
    }
    return outcomes;
  }

  async unsubscribe(connectionId: ConnectionId, filters: readonly string[]): Promise<void> {
    const explored = this.require(connectionId);
    await this.link.unsubscribe(connectionId, filters);
    for (const f of filters) explored.subscriptions.delete(f);
  }

  forgetClient(clientId: string): void {
    this.unwatch(clientId);
    for (const explored of this.explored.values()) explored.views.delete(clientId);
  }

  /** The gauge and totals of a connection, as the next `explorer.changed` will say them. */
  gauge(connectionId: ConnectionId): BufferGauge {
    return gaugeOf(this.require(connectionId));
  }

  dispose(): void {
    clearInterval(this.timer);
    for (const e of this.explored.values()) e.feed.dispose();
    this.explored.clear();
  }

  private applyOp(view: ClientView, op: ViewOp): void {
    const tree = view.tree;
    switch (op.op) {
      case 'expand':
        tree.expand(op.path);
        return;
      case 'collapse':
        tree.collapse(op.path);
        return;
      case 'toggle': {
        const at = tree.rowIndexOf(op.path);
        const row = at === -1 ? undefined : tree.rows(at, 1).rows[0];
        if (row?.expanded === true) tree.collapse(op.path);
        else tree.expand(op.path);
        return;
      }
      case 'expandToDepth':
        tree.expandToDepth(op.depth, op.under);
        return;
      case 'collapseAll':
        tree.collapseAll();
        return;
      case 'sort':
        tree.setSort(op.sort);
        view.sort = op.sort;
        return;
      case 'filter': {
        const result = tree.setFilter(op.filter);
        if (!result.ok) throw new TopiaryError(result.code, result.message, { mode: op.filter?.mode });
        view.filter = op.filter === null || op.filter.pattern === '' ? null : op.filter;
        return;
      }
      default:
        assertNever(op);
    }
  }

  /** A message just applied goes to the windows watching its topic. */
  private feedWatchers(explored: Explored, message: ExplorerMessage, id: NodeId): void {
    if (explored.watched.size > 0 && explored.watched.has(message.topic)) {
      explored.feed.push(inspected(message, explored.session.index.messageCountOf(id)));
    }
  }

  /**
   * The view a watched message carries: what `explorer.decode` with `auto` answers for it, unless that is large (a
   * big payload decoded whole); a paged view of a big payload (its first page) is bounded by its page and goes.
   * Synchronous unless a decoder binding (a sandboxed script) decodes the topic.
   */
  private carriedView(connectionId: ConnectionId, message: InspectedMessage): DecodedView | undefined | Promise<DecodedView | undefined> {
    const bound = this.link.decodeBound !== undefined && this.link.previews?.hasBinding(message.topic) !== false;
    let payload = message.payload;
    if (message.size > payload.length) {
      const { index } = this.require(connectionId).session;
      const id = index.idOf(message.topic);
      // A big payload that is still the topic's last is decoded from a view of it when the decode is synchronous:
      // no copy of (say) 50 MB for a first page.
      const last = !bound && id !== undefined && index.messageCountOf(id) === message.n ? index.peekPayload(id) : undefined;
      if (last !== undefined) payload = last;
      else {
        try {
          payload = this.payloadOf(connectionId, message.topic, message.n).payload;
        } catch {
          // Pushed out of the history already: the window asks for what it needs.
          return undefined;
        }
      }
    }
    const small = message.size <= INLINE_PAYLOAD_BYTES;
    const bounded = (view: DecodedView): DecodedView | undefined => (small || !view.ok || (view.truncated && view.value === undefined) ? view : undefined);
    const builtIn = (): DecodedView | undefined => bounded(decodePayload(payload, { kind: 'auto', topic: message.topic }));
    if (bound && this.link.decodeBound) {
      return this.link.decodeBound({ topic: message.topic, payload, qos: message.qos, retain: message.retain }).then(
        (bound) => (bound === undefined ? builtIn() : bounded(bound)),
        () => undefined,
      );
    }
    return builtIn();
  }

  /** A message's payload; its QoS and retain flag too when it is the topic's last (history keeps only payloads). */
  private payloadOf(connectionId: ConnectionId, topic: string, n: number | undefined): { payload: Uint8Array; topic: string; qos?: Qos; retain?: boolean } {
    const { index, history } = this.require(connectionId).session;
    const id = index.idOf(topic);
    const missing = (): TopiaryError =>
      new TopiaryError('NOT_FOUND', n === undefined ? `"${topic}" has no message yet.` : `Message ${n} of "${topic}" is no longer in the history; it was pushed out by newer ones.`);
    if (id === undefined || !index.hasMessage(id)) throw missing();
    const count = index.messageCountOf(id);
    if (n === undefined || n === count) {
      const last = index.lastMessageOf(id);
      if (!last) throw missing();
      return { payload: last.payload, topic, qos: last.qos, retain: last.retain };
    }
    const size = history.size(id);
    const position = n - (count - size) - 1;
    if (position < 0 || position >= size) throw missing();
    let found: Uint8Array | undefined;
    let i = 0;
    history.forEach(id, (payload) => {
      if (i++ === position) found = payload.slice();
    });
    if (!found) throw missing();
    return { payload: found, topic };
  }

  private unwatch(clientId: string): void {
    const old = this.watches.get(clientId);
    if (!old) return;
    this.watches.delete(clientId);
    const explored = this.explored.get(old.connectionId);
    if (!explored) return;
    const left = (explored.watched.get(old.topic) ?? 1) - 1;
    if (left <= 0) explored.watched.delete(old.topic);
    else explored.watched.set(old.topic, left);
  }

  private viewFor(clientId: string, connectionId: ConnectionId): ClientView {
    const explored = this.require(connectionId);
    let view = explored.views.get(clientId);
    if (!view) {
      view = { tree: new TreeView(explored.session.index), sort: 'name', filter: null };
      explored.views.set(clientId, view);
    }
    return view;
  }

  private require(connectionId: ConnectionId): Explored {
    const explored = this.explored.get(connectionId);
    if (!explored) throw new TopiaryError('NOT_FOUND', 'That connection has no topic tree; it may have been closed.');
    return explored;
  }

  /**
   * Sends a watch batch to the windows watching its topics. The newest message of each topic carries its decoded
   * view (a window shows only the newest), so a new value costs the window no `explorer.decode` round trip.
   */
  private deliver(explored: Explored, connectionId: ConnectionId, messages: InspectedMessage[]): void {
    const newest = new Map<string, number>();
    for (let i = 0; i < messages.length; i++) newest.set(messages[i]!.topic, i);
    const waits: Promise<void>[] = [];
    for (const i of newest.values()) {
      const message = messages[i]!;
      const view = this.carriedView(connectionId, message);
      if (view instanceof Promise) {
        waits.push(
          view.then((decoded) => {
            if (decoded !== undefined) messages[i] = { ...message, decoded };
          }),
        );
      } else if (view !== undefined) messages[i] = { ...message, decoded: view };
    }
    const send = (): void => {
      if (this.explored.get(connectionId) !== explored) return;
      for (const [clientId, watch] of this.watches) {
        if (watch.connectionId !== connectionId) continue;
        const mine = messages.filter((m) => m.topic === watch.topic);
        if (mine.length > 0) this.hub.emitTo(clientId, 'explorer.messagesReceived', { connectionId, messages: mine });
      }
    };
    if (waits.length === 0 && explored.delivering === undefined) return send();
    // A script's view comes later: this batch, and every batch after it until it is sent, keep their order.
    const sent = Promise.all([explored.delivering, ...waits])
      .then(send)
      .catch(() => undefined);
    explored.delivering = sent;
    void sent.finally(() => {
      if (explored.delivering === sent) explored.delivering = undefined;
    });
  }

  private announce(): void {
    for (const [connectionId, explored] of this.explored) {
      const { index, buffer } = explored.session;
      const received = buffer.stats().received;
      const previews = explored.previews?.generation ?? 0;
      if (index.version === explored.announcedVersion && received === explored.announcedReceived && previews === explored.announcedPreviews) continue;
      explored.announcedVersion = index.version;
      explored.announcedReceived = received;
      explored.announcedPreviews = previews;
      this.hub.emit('explorer.changed', {
        connectionId,
        // Both only grow, so their sum moves whenever either does: decoded previews that arrive after their rows
        // make the windows ask for the rows again, as a new message does.
        version: index.version + previews,
        topicCount: index.topicCount,
        messageCount: index.messageCount,
        buffer: gaugeOf(explored),
      });
    }
  }
}

/** A tree row as the contract carries it. */
function row(r: TreeRow): TreeRow {
  return {
    path: r.path,
    name: r.name,
    depth: r.depth,
    hasChildren: r.hasChildren,
    expanded: r.expanded,
    messageCount: r.messageCount,
    ownMessageCount: r.ownMessageCount,
    subtopicCount: r.subtopicCount,
    retained: r.retained,
    lastReceivedAt: r.lastReceivedAt,
    changedAt: r.changedAt,
    preview: r.preview,
  };
}

function gaugeOf(explored: Explored): BufferGauge {
  const s = explored.session.buffer.stats();
  return {
    paused: s.paused,
    bufferedMessages: s.bufferedMessages,
    bufferedBytes: s.bufferedBytes,
    fill: s.fill,
    received: s.received,
    dropped: s.dropped,
    capacityMessages: s.capacityMessages,
    capacityBytes: s.capacityBytes,
  };
}

function inspected(message: ExplorerMessage, n: number): InspectedMessage {
  const size = message.payload.length;
  const payload = size > INLINE_PAYLOAD_BYTES ? message.payload.slice(0, INLINE_PAYLOAD_BYTES) : message.payload;
  return {
    topic: message.topic,
    payload,
    qos: message.qos,
    retain: message.retain,
    dup: message.dup === true,
    receivedAt: message.receivedAt,
    ...(message.properties ? { properties: message.properties } : {}),
    size,
    n,
  };
}

/** Retained topics at a path (and with `subtree`, below it), in tree order. */
function retainedTopics(index: TopicIndex, path: string, subtree: boolean): string[] {
  const out: string[] = [];
  const start: NodeId | undefined = path === '' && subtree ? ROOT_NODE : index.idOf(path);
  if (start === undefined) return out;
  if (!subtree) return index.isRetained(start) ? [path] : out;
  const stack: NodeId[] = [start];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (id !== ROOT_NODE && index.isRetained(id)) out.push(index.pathOf(id));
    for (let c = index.firstChildOf(id); c !== -1; c = index.nextSiblingOf(c)) stack.push(c);
  }
  return out;
}

function assertNever(value: never): never {
  throw new Error(`Unexpected view op: ${JSON.stringify(value)}`);
}
