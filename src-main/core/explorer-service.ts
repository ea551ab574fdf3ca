import type { ConnectionId, MessageView } from '../../shared/ipc/common';
import type { ParsedArg } from '../../shared/ipc/contract';
import { TopiaryError } from '../../shared/ipc/errors';
import type { RowsResult, TopicDetail, TreeRow } from '../../shared/ipc/explorer';
import { Batcher } from './ipc/batcher';
import type { EventHub } from './ipc/event-hub';
import { TopicIndex } from './explorer/topic-index';
import { TreeView, type TreeSort } from './explorer/tree-view';

interface Explored {
  readonly index: TopicIndex;
  /** One view per UI client: each window keeps its own expansion and sort. */
  readonly views: Map<string, ClientView>;
  readonly feed: Batcher<MessageView>;
  announcedVersion: number;
}

interface ClientView {
  readonly tree: TreeView;
  expanded: readonly string[];
  sort: TreeSort;
}

function sameItems(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** How often the UI hears that a tree changed: a few times a second at most. */
const CHANGE_INTERVAL_MS = 150;

/**
 * Holds each connection's topic index beside the connection that feeds it, answers the
 * renderer's windowed questions, and tells it (coalesced) when something changed.
 */
export class ExplorerService {
  private readonly explored = new Map<ConnectionId, Explored>();
  /** Which topic each UI client watches, per connection. */
  private readonly watches = new Map<string, { connectionId: ConnectionId; topic: string }>();
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(private readonly hub: EventHub) {
    this.timer = setInterval(() => this.announce(), CHANGE_INTERVAL_MS);
    this.timer.unref?.();
  }

  open(connectionId: ConnectionId): void {
    if (this.explored.has(connectionId)) return;
    const feed = new Batcher<MessageView>((messages) => this.deliver(connectionId, messages));
    this.explored.set(connectionId, { index: new TopicIndex(), views: new Map(), feed, announcedVersion: 0 });
  }

  close(connectionId: ConnectionId): void {
    this.explored.get(connectionId)?.feed.dispose();
    this.explored.delete(connectionId);
  }

  ingest(connectionId: ConnectionId, message: MessageView): void {
    const explored = this.explored.get(connectionId);
    if (!explored) return;
    explored.index.ingest(message);
    if (this.watches.size > 0) explored.feed.push(message);
  }

  rows(args: ParsedArg<'explorer.rows'>, clientId: string): RowsResult {
    const view = this.viewFor(clientId, args.connectionId);
    if (!sameItems(view.expanded, args.expanded)) {
      view.tree.setExpanded(args.expanded);
      view.expanded = args.expanded;
    }
    if (view.sort !== args.sort) {
      view.tree.setSort(args.sort);
      view.sort = args.sort;
    }
    const window = view.tree.rows(args.start, args.count);
    const rows: TreeRow[] = window.rows.map((r) => ({
      path: r.path,
      name: r.name,
      depth: r.depth,
      hasChildren: r.hasChildren,
      expanded: r.expanded,
      messageCount: r.messageCount,
      subtopicCount: r.subtopicCount,
      retained: r.retained,
      lastReceivedAt: r.changedAt,
      preview: r.preview,
    }));
    return { version: window.version, total: window.total, start: window.start, rows };
  }

  topic(args: ParsedArg<'explorer.topic'>): TopicDetail {
    const { index } = this.require(args.connectionId);
    const id = index.idOf(args.topic);
    if (id === undefined) return { topic: args.topic, messageCount: 0, lastMessage: null };
    const last = index.lastMessageOf(id);
    return { topic: args.topic, messageCount: index.messageCountOf(id), lastMessage: last ? { ...last } : null };
  }

  watch(clientId: string, connectionId: ConnectionId, topic: string | null): void {
    if (topic === null) this.watches.delete(clientId);
    else {
      this.require(connectionId);
      this.watches.set(clientId, { connectionId, topic });
    }
  }

  forgetClient(clientId: string): void {
    this.watches.delete(clientId);
    for (const explored of this.explored.values()) explored.views.delete(clientId);
  }

  private viewFor(clientId: string, connectionId: ConnectionId): ClientView {
    const explored = this.require(connectionId);
    let view = explored.views.get(clientId);
    if (!view) {
      view = { tree: new TreeView(explored.index), expanded: [], sort: 'name' };
      explored.views.set(clientId, view);
    }
    return view;
  }

  dispose(): void {
    clearInterval(this.timer);
    for (const e of this.explored.values()) e.feed.dispose();
    this.explored.clear();
  }

  private require(connectionId: ConnectionId): Explored {
    const explored = this.explored.get(connectionId);
    if (!explored) throw new TopiaryError('NOT_FOUND', 'That connection has no topic tree; it may have been closed.');
    return explored;
  }

  private deliver(connectionId: ConnectionId, messages: MessageView[]): void {
    for (const [clientId, watch] of this.watches) {
      if (watch.connectionId !== connectionId) continue;
      const mine = messages.filter((m) => m.topic === watch.topic);
      if (mine.length > 0) this.hub.emitTo(clientId, 'explorer.messages', { connectionId, messages: mine });
    }
  }

  private announce(): void {
    for (const [connectionId, explored] of this.explored) {
      const { index } = explored;
      if (index.version === explored.announcedVersion) continue;
      explored.announcedVersion = index.version;
      this.hub.emit('explorer.changed', { connectionId, version: index.version, topicCount: index.topicCount, messageCount: index.messageCount });
    }
  }
}
