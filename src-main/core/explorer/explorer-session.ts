import type { ExplorerMessage, StoredMessage } from './explorer-message';
import { type HistoryEntry, type HistoryOptions, type HistoryStats, MessageHistory } from './history';
import { IngestBuffer, type IngestBufferOptions, type IngestBufferStats } from './ingest-buffer';
import { numericFields, type SeriesSource, type SeriesValues, seriesFromHistory } from './series';
import { TopicIndex, type NodeId, type TopicNodeInfo } from './topic-index';
import { TreeView, type TreeViewOptions } from './tree-view';

export interface ExplorerSessionOptions {
  readonly history?: HistoryOptions;
  readonly buffer?: IngestBufferOptions;
  readonly tree?: TreeViewOptions;
  /** Told of each message once it is in the index and history (the explorer service feeds watchers from here). */
  readonly applied?: (message: ExplorerMessage, id: NodeId) => void;
}

/** What the detail pane of one topic shows. */
export interface TopicDetails {
  readonly info: TopicNodeInfo;
  readonly lastMessage: StoredMessage | undefined;
  readonly history: readonly HistoryEntry[];
}

/** Gauges for a status bar. */
export interface ExplorerSessionStats {
  readonly version: number;
  readonly topicCount: number;
  readonly messageCount: number;
  readonly nodeCount: number;
  readonly history: HistoryStats;
  readonly buffer: IngestBufferStats;
}

/**
 * Everything the explorer keeps for one connection: the index, per-topic history, the
 * pausable buffer in front of them and a tree view over them. Feed it with `ingest`.
 * The one model of a connection's topics: the explorer service, the tests and the benchmarks all run it.
 */
export class ExplorerSession {
  readonly index = new TopicIndex();
  readonly history: MessageHistory;
  readonly buffer: IngestBuffer;
  readonly tree: TreeView;
  private readonly applied: ((message: ExplorerMessage, id: NodeId) => void) | undefined;

  constructor(options: ExplorerSessionOptions = {}) {
    this.history = new MessageHistory(options.history);
    this.buffer = new IngestBuffer((message) => this.apply(message), options.buffer);
    this.tree = new TreeView(this.index, options.tree);
    this.applied = options.applied;
  }

  /** Takes one message from the connection (through the pause buffer). */
  ingest(message: ExplorerMessage): void {
    this.buffer.push(message);
  }

  pause(): void {
    this.buffer.pause();
  }

  resume(): void {
    this.buffer.resume();
  }

  /** A topic's counters, last message and the newest `historyLimit` history entries. */
  topic(path: string, historyLimit?: number): TopicDetails | undefined {
    const info = this.index.info(path);
    if (info === undefined) return undefined;
    return { info, lastMessage: this.index.lastMessageOf(info.id), history: this.history.entries(info.id, historyLimit) };
  }

  /** A chart series for a topic from its history. */
  series(path: string, source: SeriesSource): SeriesValues {
    const id = this.index.idOf(path);
    return id === undefined ? { points: [], skipped: 0 } : seriesFromHistory(this.history, id, source);
  }

  /** The numeric fields of a topic's newest JSON payloads. */
  numericFields(path: string): string[] {
    const id = this.index.idOf(path);
    return id === undefined ? [] : numericFields(this.history, id);
  }

  stats(): ExplorerSessionStats {
    return {
      version: this.index.version,
      topicCount: this.index.topicCount,
      messageCount: this.index.messageCount,
      nodeCount: this.index.nodeCount,
      history: this.history.stats(),
      buffer: this.buffer.stats(),
    };
  }

  /** Forgets all topics and history (what is held in a paused buffer is discarded too). */
  clear(): void {
    this.buffer.discard();
    this.index.clear();
    this.history.clear();
  }

  private apply(message: ExplorerMessage): void {
    const id = this.index.ingest(message);
    this.history.record(id, message);
    this.applied?.(message, id);
  }
}
