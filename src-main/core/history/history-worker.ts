// The history worker: owns the database, so the core's event loop never waits on the disk.
// Built as its own entry (dist/main/history-worker.cjs); tests build it with esbuild.
import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { ExportFormatter } from './export-format';
import { HistoryStore, StoreOpenError, type StoreQuery } from './history-store';
import { READ_SKIP_MESSAGES, type WorkerReply, type WorkerRequest } from './worker-protocol';

const port = parentPort;
if (!port) throw new Error('history-worker runs only as a worker thread.');

let store: HistoryStore | null = null;
let pruneTimer: NodeJS.Timeout | null = null;
let pruning = false;
const cancelled = new Set<string>();

function reply(message: WorkerReply): void {
  port?.postMessage(message);
}

/** SQLite's own code when it has one (SQLITE_FULL, SQLITE_IOERR_WRITE, …). */
function codeOf(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : 'SQLITE_ERROR';
}

/** Prunes in steps, yielding between them so batches keep being written. */
function prune(): void {
  if (pruning || store === null) return;
  pruning = true;
  let total = 0;
  const step = (): void => {
    try {
      const deleted = store?.pruneStep(Date.now()) ?? 0;
      total += deleted;
      if (deleted > 0) {
        setImmediate(step);
        return;
      }
      if (total > 0) {
        store?.shrink();
        reply({ type: 'pruned', deleted: total });
      }
    } catch (error) {
      reply({ type: 'pruned', deleted: -1 });
      void error;
    }
    pruning = false;
  };
  step();
}

function call(method: string, args: readonly unknown[]): unknown {
  const s = store;
  if (s === null) throw new Error('The history store is not open.');
  switch (method) {
    case 'ensureSource':
      return s.ensureSource(args[0] as string, args[1] as string);
    case 'setRetention':
      s.setRetention(args[0] as string, args[1] as Parameters<HistoryStore['setRetention']>[1]);
      prune();
      return null;
    case 'setMaxTotalBytes':
      s.setMaxTotalBytes(args[0] as number);
      prune();
      return null;
    case 'setRecordOnConnect':
      s.setRecordOnConnect(args[0] as string, args[1] as string, args[2] as boolean);
      return null;
    case 'recordOnConnect':
      return s.recordOnConnect(args[0] as string);
    case 'ping':
      return null;
    case 'summary':
      return { messages: s.messageCount(), totalBytes: s.totalBytes(), maxTotalBytes: s.maxTotalBytes, sources: s.sources() };
    case 'page':
      return s.page(args[0] as StoreQuery, args[1] as number, args[2] as number | null);
    case 'clear':
      return s.clear((args[0] as StoreQuery | undefined) ?? null);
    case 'close':
      if (pruneTimer) clearInterval(pruneTimer);
      s.close();
      store = null;
      return null;
    default:
      throw new Error(`Unknown history method ${method}.`);
  }
}

/** Streams a search to a file in slices, between which batches and cancels are handled. */
function runExport(request: Extract<WorkerRequest, { type: 'export' }>): void {
  const { jobId, query, format, file } = request;
  const partial = `${file}.part`;
  const formatter = new ExportFormatter(format);
  let fd: number;
  try {
    fd = openSync(partial, 'w', 0o600);
    writeSync(fd, formatter.header());
  } catch (error) {
    reply({ type: 'exportProgress', progress: { jobId, state: 'failed', exported: 0, fraction: 0, file, error: (error as Error).message } });
    return;
  }
  let cursor: number | null = null;
  let exported = 0;
  let lastReport = 0;
  const finish = (state: 'done' | 'cancelled' | 'failed', fraction: number, error?: string): void => {
    try {
      closeSync(fd);
      if (state === 'done') renameSync(partial, file);
      else rmSync(partial, { force: true });
    } catch (e) {
      if (state === 'done') {
        state = 'failed';
        error = (e as Error).message;
      }
    }
    cancelled.delete(jobId);
    reply({ type: 'exportProgress', progress: { jobId, state, exported, fraction, file, ...(error !== undefined ? { error } : {}) } });
  };
  const slice = (): void => {
    if (cancelled.has(jobId)) return finish('cancelled', 0);
    try {
      const s = store;
      if (s === null) return finish('failed', 0, 'The history store closed during the export.');
      const want = request.limit !== undefined ? Math.min(5000, request.limit - exported) : 5000;
      // JSON and NDJSON: most lines are made inside SQLite (walkLines); a text search quotes UTF-8 payloads there (quoteText).
      const lines =
        format === 'csv'
          ? null
          : s.walkLines(query, want, cursor, 250_000, {
              separator: formatter.lineSeparator,
              lines: (bytes, count) => {
                formatter.addLines(bytes, count);
                exported += count;
              },
              line: (line) => {
                formatter.addLine(line);
                exported++;
              },
              row: (row) => {
                const names = s.namesOf(row);
                formatter.addRow({ id: row.id, source: names.source, topic: names.topic, receivedAt: row.ts, flags: row.flags, payload: row.payload, props: row.props });
                exported++;
              },
            });
      const page =
        lines !== null
          ? lines
          : format === 'csv'
            ? s.walk(query, want, cursor, 250_000, (row) => {
                const names = s.namesOf(row);
                formatter.addRow({ id: row.id, source: names.source, topic: names.topic, receivedAt: row.ts, flags: row.flags, payload: row.payload, props: row.props });
                exported++;
              })
            : s.walk(
                query,
                want,
                cursor,
                250_000,
                (row) => {
                  const names = s.namesOf(row);
                  formatter.addRow({ id: row.id, source: names.source, topic: names.topic, receivedAt: row.ts, flags: row.flags, payload: row.payload, quoted: row.quoted, props: row.props });
                  exported++;
                },
                { quoteText: true },
              );
      writeSync(fd, formatter.takeBytes());
      cursor = page.nextCursor;
      const done = cursor === null || (request.limit !== undefined && exported >= request.limit);
      if (done) {
        writeSync(fd, formatter.footer());
        return finish('done', 1);
      }
      const now = Date.now();
      if (now - lastReport >= 100) {
        lastReport = now;
        reply({ type: 'exportProgress', progress: { jobId, state: 'running', exported, fraction: page.fraction, file } });
      }
      setImmediate(slice);
    } catch (error) {
      finish('failed', 0, (error as Error).message);
    }
  };
  slice();
}

/**
 * Batches and ordered calls wait in one queue, written one per turn of the event loop, so requests that
 * arrive meanwhile are seen between two batches. A search or a summary normally waits for the batches
 * posted before it (a search sees what was recorded before it); when those hold at least
 * READ_SKIP_MESSAGES messages (recording is behind), it is answered at once from what is stored, rather
 * than waiting seconds behind the write queue. The skipped messages show on the next search.
 */
type Queued = Extract<WorkerRequest, { type: 'batch' | 'call' }>;
const queue: Queued[] = [];
let queuedMessages = 0;
let draining = false;

function answer(request: Extract<WorkerRequest, { type: 'call' }>): void {
  try {
    reply({ type: 'result', id: request.id, value: call(request.method, request.args) });
  } catch (error) {
    reply({ type: 'error', id: request.id, message: (error as Error).message });
  }
}

function writeBatch(request: Extract<WorkerRequest, { type: 'batch' }>): void {
  if (store === null) {
    reply({ type: 'writeFailed', count: request.count, code: 'STORE_CLOSED', message: 'The history store is not open.' });
    return;
  }
  try {
    reply({ type: 'written', count: store.insertBatch(request.buffer) });
    // Past the store's size limit: prune now rather than at the next interval.
    if (store.totalBytes() > store.maxTotalBytes) prune();
  } catch (error) {
    reply({ type: 'writeFailed', count: request.count, code: codeOf(error), message: (error as Error).message });
  }
}

function drain(): void {
  const next = queue.shift();
  if (next === undefined) {
    draining = false;
    return;
  }
  if (next.type === 'batch') {
    queuedMessages -= next.count;
    writeBatch(next);
  } else answer(next);
  setImmediate(drain);
}

function enqueue(request: Queued): void {
  queue.push(request);
  if (request.type === 'batch') queuedMessages += request.count;
  if (!draining) {
    draining = true;
    setImmediate(drain);
  }
}

port.on('message', (request: WorkerRequest) => {
  switch (request.type) {
    case 'open':
      try {
        const opened = HistoryStore.open({ file: request.file, ...(request.hardLimitBytes !== undefined ? { hardLimitBytes: request.hardLimitBytes } : {}) });
        store = opened.store;
        pruneTimer = setInterval(prune, request.pruneIntervalMs);
        reply({ type: 'opened', movedAside: opened.movedAside });
        prune();
      } catch (error) {
        reply({ type: 'openFailed', code: error instanceof StoreOpenError ? error.code : codeOf(error), message: (error as Error).message });
      }
      return;
    case 'batch':
      enqueue(request);
      return;
    case 'call':
      if ((request.method === 'page' || request.method === 'summary') && (queue.length === 0 || queuedMessages >= READ_SKIP_MESSAGES)) answer(request);
      else enqueue(request);
      return;
    case 'export':
      runExport(request);
      return;
    case 'cancelExport':
      cancelled.add(request.jobId);
      return;
  }
});
