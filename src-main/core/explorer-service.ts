import type { ConnectionId, MessageView } from '../../shared/ipc/common';
import type { ParsedArg } from '../../shared/ipc/contract';
import { TopiaryError } from '../../shared/ipc/errors';
import type { RowsResult, TopicDetail, TreeRow } from '../../shared/ipc/explorer';
import { Batcher } from './ipc/batcher';
import type { EventHub } from './ipc/event-hub';
import { TopicIndex, ROOT_NODE, type NodeId } from './explorer/topic-index';

interface Explored {
  readonly index: TopicIndex;
  readonly feed: Batcher<MessageView>;
  announcedVersion: number;
}

/** How often the UI hears that a tree changed: a few times a second at most. */
const CHANGE_INTERVAL_MS = 150;
const PREVIEW_CHARS = 80;
const previewDecoder = new TextDecoder('utf-8', { fatal: false });

function preview(bytes: Uint8Array | undefined): string {
  if (!bytes || bytes.length === 0) return '';
  const text = previewDecoder.decode(bytes.subarray(0, PREVIEW_CHARS * 4)).slice(0, PREVIEW_CHARS);
  return text.replace(/[\u0000-\u001f\u007f]/g, ' ');
}

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
    this.explored.set(connectionId, { index: new TopicIndex(), feed, announcedVersion: 0 });
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

  rows(args: ParsedArg<'explorer.rows'>): RowsResult {
    const { index } = this.require(args.connectionId);
    const expanded = new Set(args.expanded);
    const rows: TreeRow[] = [];
    const end = args.start + args.count;
    let position = 0;
    const visit = (id: NodeId, depth: number): void => {
      const children = index.childrenOf(id).sort((a, b) => compareNames(index.nameOf(a), index.nameOf(b)));
      for (const child of children) {
        const path = index.pathOf(child);
        const isExpanded = expanded.has(path);
        if (position >= args.start && position < end) {
          rows.push({
            path,
            name: index.nameOf(child),
            depth,
            hasChildren: index.childCountOf(child) > 0,
            expanded: isExpanded,
            messageCount: index.subtreeMessageCountOf(child),
            subtopicCount: index.subtopicCountOf(child),
            retained: index.isRetained(child),
            lastReceivedAt: index.subtreeLastReceivedAtOf(child),
            preview: preview(index.peekPayload(child)),
          });
        }
        position++;
        if (isExpanded) visit(child, depth + 1);
      }
    };
    visit(ROOT_NODE, 0);
    return { version: index.version, total: position, start: args.start, rows };
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

function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
