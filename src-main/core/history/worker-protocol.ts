import type { ExportFormat, ExportProgress } from '../../../shared/ipc/history';
import type { StoreQuery } from './history-store';

/**
 * A search waits for the batches posted before it unless they hold at least this many messages (the
 * recording is behind): then it is answered at once from what is stored (history-worker.ts).
 */
export const READ_SKIP_MESSAGES = 5_000;

/** What the core's thread asks of the history worker. */
export type WorkerRequest =
  | { readonly type: 'open'; readonly file: string; readonly hardLimitBytes?: number; readonly pruneIntervalMs: number }
  /** A packed batch (message-batch.ts), transferred. */
  | { readonly type: 'batch'; readonly buffer: ArrayBuffer; readonly count: number }
  | { readonly type: 'call'; readonly id: number; readonly method: WorkerMethod; readonly args: readonly unknown[] }
  | { readonly type: 'export'; readonly jobId: string; readonly query: StoreQuery; readonly format: ExportFormat; readonly file: string; readonly limit?: number }
  | { readonly type: 'cancelExport'; readonly jobId: string };

/** Store methods callable through the worker. */
export type WorkerMethod =
  | 'ensureSource'
  | 'setRetention'
  | 'setMaxTotalBytes'
  | 'setRecordOnConnect'
  | 'recordOnConnect'
  | 'summary'
  /** Answers at once: every batch posted before it has been written. */
  | 'ping'
  | 'page'
  | 'clear'
  | 'close';

/** What the worker tells the core's thread. */
export type WorkerReply =
  | { readonly type: 'opened'; readonly movedAside: string | null }
  | { readonly type: 'openFailed'; readonly code: string; readonly message: string }
  | { readonly type: 'written'; readonly count: number }
  /** A batch could not be written (disk full, file unwritable): its messages are lost and recording should pause. */
  | { readonly type: 'writeFailed'; readonly count: number; readonly code: string; readonly message: string }
  | { readonly type: 'result'; readonly id: number; readonly value: unknown }
  | { readonly type: 'error'; readonly id: number; readonly message: string }
  | { readonly type: 'exportProgress'; readonly progress: ExportProgress }
  | { readonly type: 'pruned'; readonly deleted: number };
