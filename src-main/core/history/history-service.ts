import { randomUUID } from 'node:crypto';
import { mkdir, open as openFile, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ConnectionId, MessageView } from '../../../shared/ipc/common';
import { TopiaryError } from '../../../shared/ipc/errors';
import {
  HistoryQuerySchema,
  type ExportFormat,
  type ExportProgress,
  type HistoryPage,
  type HistoryQuery,
  type HistoryQueryInput,
  type HistoryRecordingRow,
  type HistoryRetention,
  type HistorySourceRow,
  type HistoryState,
  type HistoryStatus,
} from '../../../shared/ipc/history';
import { readCapture } from './capture';
import { type DecodeMessages, decodedPage, exportDecoded } from './decoded-search';
import { resolveQuery } from './history-query';
import type { StorePage } from './history-store';
import { MessageBatchWriter } from './message-batch';
import type { WorkerMethod, WorkerReply, WorkerRequest } from './worker-protocol';

export interface HistoryServiceOptions {
  /** The database file; its folder is created if missing. */
  readonly file: string;
  /** The built worker script (dist/main/history-worker.cjs in the app). */
  readonly workerFile: string;
  /** A hard ceiling on the file; writes beyond it fail like a full disk. */
  readonly hardLimitBytes?: number;
  /** How often the worker prunes by age (size is pruned as soon as it is exceeded). Default one minute. */
  readonly pruneIntervalMs?: number;
  /** How long messages wait to be batched. Default 50 ms. */
  readonly flushIntervalMs?: number;
  /** Batches handed to the worker and not yet written, in bytes, beyond which new messages are dropped and counted. Default 256 MB. */
  readonly maxPendingBytes?: number;
  readonly onStatus?: (status: HistoryStatus) => void;
  readonly onExportProgress?: (progress: ExportProgress) => void;
  /** The user's decoder bindings, for searches and exports that ask for `decoded`. */
  readonly decode?: DecodeMessages;
}

export interface RecordingOptions {
  /** "profile:<id>" for a saved profile, "url:<url>" for a quick connection. */
  readonly sourceKey: string;
  readonly label?: string;
}

export interface ExportJob {
  readonly jobId: string;
  /** Settles with the final progress: done, cancelled or failed. */
  readonly done: Promise<ExportProgress>;
}

interface Recording {
  readonly sourceKey: string;
  readonly sourceId: number;
  recorded: number;
  dropped: number;
}

/** Files locked by this process: a second service on the same file is refused like a second app. */
const heldLocks = new Set<string>();

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Message history that lasts: records live messages of the connections it is told to into an
 * SQLite store written by a worker thread, and answers searches and exports from it.
 *
 * The store opens on first use (recording turned on, a search, a status with `open`), so an app
 * that never records never starts the worker. Every method but record() is async and crosses to
 * the worker; record() only packs the message into the current batch.
 */
export class HistoryService {
  private worker: Worker | null = null;
  private opening: Promise<void> | null = null;
  private state: HistoryState = 'closed';
  private error: { code: string; message: string } | null = null;
  private movedAside: string | null = null;
  private paused = false;
  private lost = 0;
  private readonly recordings = new Map<ConnectionId, Recording>();
  private readonly writer = new MessageBatchWriter();
  private flushTimer: NodeJS.Timeout | null = null;
  private readonly inFlight: number[] = [];
  private inFlightBytes = 0;
  private nextCallId = 1;
  private readonly calls = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  private readonly exports = new Map<string, (progress: ExportProgress) => void>();
  /** Exports with bindings applied, which run here: cancelling one sets its flag. */
  private readonly decodedExports = new Map<string, { cancelled: boolean }>();
  private closed = false;
  private readonly lockFile: string;
  /** Statuses asked for to announce, and the newest of them announced (`announce`). */
  private statusesAsked = 0;
  private statusAnnounced = 0;

  constructor(private readonly options: HistoryServiceOptions) {
    this.lockFile = `${options.file}.lock`;
  }

  get file(): string {
    return this.options.file;
  }

  /** Opens the store (starting the worker) if it is not open yet; throws STORE_LOCKED or HISTORY_ERROR. */
  async open(): Promise<void> {
    if (this.state === 'open' || this.state === 'recording-failed') return;
    if (this.closed) throw new TopiaryError('HISTORY_ERROR', 'The history service is closed.');
    this.opening ??= this.start().finally(() => {
      this.opening = null;
    });
    return this.opening;
  }

  private async start(): Promise<void> {
    try {
      await mkdir(path.dirname(this.options.file), { recursive: true, mode: 0o700 });
      await this.acquireLock();
    } catch (error) {
      this.fail('unavailable', error instanceof TopiaryError ? error.code : 'HISTORY_ERROR', (error as Error).message);
      throw error instanceof TopiaryError ? error : new TopiaryError('HISTORY_ERROR', `Cannot use the history folder: ${(error as Error).message}`);
    }
    const worker = new Worker(this.options.workerFile);
    this.worker = worker;
    const opened = new Promise<void>((resolve, reject) => {
      const onReply = (reply: WorkerReply): void => {
        if (reply.type === 'opened') {
          this.movedAside = reply.movedAside;
          resolve();
        } else if (reply.type === 'openFailed') {
          reject(new TopiaryError('HISTORY_ERROR', `The history store cannot be opened: ${reply.message}`));
        } else return;
        worker.off('message', onReply);
      };
      worker.on('message', onReply);
      worker.once('error', reject);
    });
    worker.on('message', (reply: WorkerReply) => this.onReply(reply));
    worker.on('error', (error) => this.onWorkerGone(`The history worker failed: ${error.message}`));
    worker.on('exit', (code) => {
      if (!this.closed) this.onWorkerGone(`The history worker stopped (exit code ${code}).`);
    });
    this.post({ type: 'open', file: this.options.file, pruneIntervalMs: this.options.pruneIntervalMs ?? 60_000, ...(this.options.hardLimitBytes !== undefined ? { hardLimitBytes: this.options.hardLimitBytes } : {}) });
    try {
      await opened;
    } catch (error) {
      const message = (error as Error).message;
      this.worker = null;
      await worker.terminate();
      await this.releaseLock();
      this.fail('unavailable', 'HISTORY_ERROR', message);
      throw error instanceof TopiaryError ? error : new TopiaryError('HISTORY_ERROR', message);
    }
    this.state = 'open';
    this.error = null;
    void this.announce();
  }

  private async acquireLock(): Promise<void> {
    const resolved = path.resolve(this.lockFile);
    if (heldLocks.has(resolved)) throw new TopiaryError('STORE_LOCKED', `The history store ${this.options.file} is already in use by this Topiary.`);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const handle = await openFile(resolved, 'wx', 0o600);
        await handle.writeFile(JSON.stringify({ pid: process.pid, host: os.hostname(), since: new Date().toISOString() }));
        await handle.close();
        heldLocks.add(resolved);
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      let holder: { pid?: unknown; host?: unknown } = {};
      try {
        holder = JSON.parse(await readFile(resolved, 'utf8')) as typeof holder;
      } catch {
        // Unreadable lock: left by a crash mid-write; take it over.
      }
      const pid = typeof holder.pid === 'number' ? holder.pid : null;
      const sameHost = holder.host === undefined || holder.host === os.hostname();
      if (pid !== null && pid !== process.pid && sameHost && processAlive(pid)) {
        throw new TopiaryError('STORE_LOCKED', `The history store ${this.options.file} is in use by another Topiary (process ${pid}); close it, or let it keep recording.`, { pid });
      }
      // A lock left by a process that is gone: remove it and try once more.
      await rm(resolved, { force: true });
    }
    throw new TopiaryError('STORE_LOCKED', `Could not lock the history store ${this.options.file}.`);
  }

  private async releaseLock(): Promise<void> {
    const resolved = path.resolve(this.lockFile);
    if (!heldLocks.delete(resolved)) return;
    await rm(resolved, { force: true });
  }

  private fail(state: HistoryState, code: string, message: string): void {
    this.state = state;
    this.error = { code, message };
    void this.announce();
  }

  private onWorkerGone(message: string): void {
    if (this.worker === null) return;
    this.worker = null;
    for (const call of this.calls.values()) call.reject(new TopiaryError('HISTORY_ERROR', message));
    this.calls.clear();
    this.lost += this.writer.count;
    this.writer.take();
    void this.releaseLock();
    this.fail('unavailable', 'HISTORY_ERROR', message);
  }

  private post(request: WorkerRequest, transfer?: ArrayBuffer[]): void {
    this.worker?.postMessage(request, transfer);
  }

  private onReply(reply: WorkerReply): void {
    switch (reply.type) {
      case 'written':
      case 'writeFailed': {
        this.inFlightBytes -= this.inFlight.shift() ?? 0;
        if (reply.type === 'writeFailed') {
          this.lost += reply.count;
          if (this.state !== 'recording-failed') {
            const why = reply.code.startsWith('SQLITE_FULL') ? 'the disk (or the store\'s hard limit) is full' : reply.code.startsWith('SQLITE_READONLY') || reply.code.startsWith('SQLITE_CANTOPEN') ? 'the store is not writable' : 'a write failed';
            this.fail('recording-failed', reply.code, `Recording paused: ${why} (${reply.message}). The live view goes on; free some space and resume recording.`);
          }
        }
        return;
      }
      case 'result':
      case 'error': {
        const call = this.calls.get(reply.id);
        this.calls.delete(reply.id);
        if (reply.type === 'result') call?.resolve(reply.value);
        else call?.reject(new TopiaryError('HISTORY_ERROR', reply.message));
        return;
      }
      case 'exportProgress': {
        this.options.onExportProgress?.(reply.progress);
        if (reply.progress.state !== 'running') {
          this.exports.get(reply.progress.jobId)?.(reply.progress);
          this.exports.delete(reply.progress.jobId);
        }
        return;
      }
      case 'pruned':
        void this.announce();
        return;
      case 'opened':
      case 'openFailed':
        return;
    }
  }

  private async call<T>(method: WorkerMethod, ...args: unknown[]): Promise<T> {
    await this.open();
    const worker = this.worker;
    if (worker === null) throw new TopiaryError('HISTORY_ERROR', this.error?.message ?? 'The history store is not open.');
    const id = this.nextCallId++;
    return new Promise<T>((resolve, reject) => {
      this.calls.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.post({ type: 'call', id, method, args });
    });
  }

  /** Hands a live message to the store when its connection is being recorded. Cheap: packs it into the current batch. */
  record(connectionId: ConnectionId, message: MessageView): void {
    const recording = this.recordings.get(connectionId);
    if (recording === undefined || this.paused) return;
    if (this.state !== 'open' || this.inFlightBytes > (this.options.maxPendingBytes ?? 256 * 1024 * 1024)) {
      recording.dropped++;
      this.lost++;
      return;
    }
    this.writer.add(recording.sourceId, message);
    recording.recorded++;
    if (this.writer.byteLength >= 1024 * 1024 || this.writer.count >= 10_000) this.flush();
    else this.flushTimer ??= setTimeout(() => this.flush(), this.options.flushIntervalMs ?? 50);
  }

  /** Sends the current batch to the worker now. */
  flush(): void {
    if (this.flushTimer) {
      clearTimeout(this.flushTimer);
      this.flushTimer = null;
    }
    if (this.writer.count === 0) return;
    const { buffer, count } = this.writer.take();
    if (this.worker === null) {
      this.lost += count;
      return;
    }
    this.inFlight.push(buffer.byteLength);
    this.inFlightBytes += buffer.byteLength;
    this.post({ type: 'batch', buffer, count }, [buffer]);
  }

  /** Resolves once every message recorded so far is in the store (or counted as lost). */
  async settle(): Promise<void> {
    this.flush();
    if (this.worker === null) return;
    // Calls are answered in order, after every batch posted before them.
    await this.call('ping');
  }

  /**
   * Imports a capture (CAPTURE-FORMAT.md) into a source. The file is checked first: a malformed
   * line fails the import before anything is written, unless skipMalformed.
   */
  async importCapture(file: string, options: RecordingOptions & { readonly skipMalformed?: boolean }): Promise<{ readonly imported: number; readonly skipped: readonly { readonly line: number; readonly message: string }[] }> {
    const skipMalformed = options.skipMalformed === true;
    const skipped: { line: number; message: string }[] = [];
    for await (const _ of readCapture(file, { skipMalformed, onSkip: (e) => skipped.push({ line: e.line, message: e.message }) })) {
      // The check pass only reads.
    }
    const sourceId = await this.call<number>('ensureSource', options.sourceKey, options.label ?? options.sourceKey);
    let startedAt = 0;
    let imported = 0;
    const writer = new MessageBatchWriter();
    const send = (): void => {
      const { buffer, count } = writer.take();
      this.post({ type: 'batch', buffer, count }, [buffer]);
      this.inFlight.push(buffer.byteLength);
      this.inFlightBytes += buffer.byteLength;
    };
    for await (const m of readCapture(file, { skipMalformed, onHeader: (h) => (startedAt = h.startedAt) })) {
      writer.add(sourceId, { topic: m.topic, payload: m.payload, qos: m.qos, retain: m.retain, dup: false, receivedAt: startedAt + m.t, ...(m.properties ? { properties: m.properties } : {}) });
      imported++;
      if (writer.byteLength >= 1024 * 1024) {
        send();
        // Keep memory bounded on a large file: wait for the worker to catch up now and then.
        if (this.inFlightBytes > 64 * 1024 * 1024) await this.settle();
      }
    }
    if (writer.count > 0) send();
    await this.settle();
    void this.announce();
    return { imported, skipped };
  }

  /** Starts (or stops) recording one live connection into a source. */
  async setRecording(connectionId: ConnectionId, enabled: boolean, options?: RecordingOptions): Promise<HistoryStatus> {
    if (!enabled) {
      this.flush();
      this.recordings.delete(connectionId);
      return this.announce();
    }
    const sourceKey = options?.sourceKey ?? `connection:${connectionId}`;
    const sourceId = await this.call<number>('ensureSource', sourceKey, options?.label ?? sourceKey);
    const existing = this.recordings.get(connectionId);
    this.recordings.set(connectionId, { sourceKey, sourceId, recorded: existing?.recorded ?? 0, dropped: existing?.dropped ?? 0 });
    return this.announce();
  }

  /** A saved profile connected: record it unless the user turned that off for the profile. */
  async profileConnected(connectionId: ConnectionId, profileId: string, label: string): Promise<void> {
    const sourceKey = `profile:${profileId}`;
    if (await this.call<boolean>('recordOnConnect', sourceKey)) await this.setRecording(connectionId, true, { sourceKey, label });
  }

  /** Whether a saved profile is recorded as it connects (the default) or not. */
  async setRecordOnConnect(sourceKey: string, label: string, on: boolean): Promise<HistoryStatus> {
    await this.call('setRecordOnConnect', sourceKey, label, on);
    return this.announce();
  }

  connectionClosed(connectionId: ConnectionId): void {
    if (!this.recordings.has(connectionId)) return;
    this.flush();
    this.recordings.delete(connectionId);
    void this.announce();
  }

  /** Pauses or resumes all recording; resuming also retries after a failed write. */
  async pause(paused: boolean): Promise<HistoryStatus> {
    this.paused = paused;
    if (paused) this.flush();
    if (!paused && this.state === 'recording-failed') {
      this.state = 'open';
      this.error = null;
    }
    return this.announce();
  }

  async setRetention(sourceKey: string | undefined, retention: HistoryRetention | undefined, maxTotalBytes: number | undefined): Promise<HistoryStatus> {
    if (sourceKey !== undefined && retention !== undefined) {
      await this.call('ensureSource', sourceKey, '');
      await this.call('setRetention', sourceKey, retention);
    }
    if (maxTotalBytes !== undefined) await this.call('setMaxTotalBytes', maxTotalBytes);
    return this.announce();
  }

  /**
   * One page of a search; `cursor` from the previous page. `decoded` applies the user's decoder bindings (each
   * message on a bound topic carries `decoded`; text and regex match the decoded text too); without it, nothing is decoded.
   */
  async query(query: HistoryQueryInput | HistoryQuery, limit = 100, cursor?: string, decoded = false): Promise<HistoryPage> {
    const parsed = HistoryQuerySchema.parse(query);
    if (!decoded) return this.storePage(parsed, limit, cursor);
    const page = await decodedPage((q, l, c) => this.storePage(q, l, c), this.decoder(), parsed, limit, cursor);
    return { messages: page.messages, nextCursor: page.nextCursor, scanned: page.scanned };
  }

  /** A page as the store finds it, with how far through the range it got. */
  private async storePage(query: HistoryQuery, limit: number, cursor: string | undefined): Promise<HistoryPage & { readonly fraction: number }> {
    const resolved = resolveQuery(query, Date.now());
    // Not settle(): the worker answers after the batches posted before this one, unless recording is
    // so far behind that waiting for them would keep the search waiting (READ_SKIP_MESSAGES).
    this.flush();
    const page = await this.call<StorePage>('page', resolved, limit, cursor === undefined ? null : Number(cursor));
    return { messages: page.messages, nextCursor: page.nextCursor === null ? null : String(page.nextCursor), scanned: page.scanned, fraction: page.fraction };
  }

  private decoder(): DecodeMessages {
    const decode = this.options.decode;
    if (decode === undefined) throw new TopiaryError('HISTORY_ERROR', 'Decoder bindings are not available here, so the history cannot be searched or exported decoded.');
    return decode;
  }

  /** Deletes what a search finds, or everything without one. */
  async clear(query?: HistoryQueryInput | HistoryQuery): Promise<{ readonly deleted: number }> {
    const resolved = query === undefined ? undefined : resolveQuery(HistoryQuerySchema.parse(query), Date.now());
    await this.settle();
    const deleted = await this.call<number>('clear', resolved);
    void this.announce();
    return { deleted };
  }

  /** Streams a search to a file (JSON, NDJSON or CSV) in the worker; progress comes through onExportProgress. */
  async export(args: { readonly query?: HistoryQueryInput | HistoryQuery; readonly format: ExportFormat; readonly file: string; readonly limit?: number; readonly decoded?: boolean }): Promise<ExportJob> {
    const parsed = HistoryQuerySchema.parse(args.query ?? { order: 'oldest' });
    const resolved = resolveQuery(parsed, Date.now());
    await this.settle();
    const jobId = randomUUID();
    if (args.decoded === true) {
      const decode = this.decoder();
      const flag = { cancelled: false };
      this.decodedExports.set(jobId, flag);
      const done = exportDecoded((q, l, c) => this.storePage(q, l, c), decode, {
        jobId,
        // Relative times ("last 15 min") fixed once, so the pages of one export read one range.
        query: { ...parsed, ...(resolved.since !== undefined ? { since: resolved.since } : {}), ...(resolved.until !== undefined ? { until: resolved.until } : {}) },
        format: args.format,
        file: args.file,
        ...(args.limit !== undefined ? { limit: args.limit } : {}),
        progress: (progress) => this.options.onExportProgress?.(progress),
        cancelled: () => flag.cancelled || this.closed,
      }).finally(() => this.decodedExports.delete(jobId));
      return { jobId, done };
    }
    const done = new Promise<ExportProgress>((resolve) => this.exports.set(jobId, resolve));
    this.post({ type: 'export', jobId, query: resolved, format: args.format, file: args.file, ...(args.limit !== undefined ? { limit: args.limit } : {}) });
    return { jobId, done };
  }

  cancelExport(jobId: string): void {
    const decoded = this.decodedExports.get(jobId);
    if (decoded !== undefined) {
      decoded.cancelled = true;
      return;
    }
    this.post({ type: 'cancelExport', jobId });
  }

  /** Where the store stands; `open` first opens it when it is not open yet. */
  async status(): Promise<HistoryStatus> {
    let summary: { messages: number; maxTotalBytes: number; sources: HistorySourceRow[] } | null = null;
    if (this.worker !== null && (this.state === 'open' || this.state === 'recording-failed')) {
      try {
        summary = await this.call('summary');
      } catch {
        // Reported through the state.
      }
    }
    let fileBytes = 0;
    for (const suffix of ['', '-wal']) {
      try {
        fileBytes += (await stat(this.options.file + suffix)).size;
      } catch {
        // Not there (yet).
      }
    }
    const recording: HistoryRecordingRow[] = [...this.recordings].map(([connectionId, r]) => ({ connectionId, sourceKey: r.sourceKey, recorded: r.recorded, dropped: r.dropped }));
    return {
      state: this.state,
      file: this.options.file,
      fileBytes,
      messages: summary?.messages ?? 0,
      maxTotalBytes: summary?.maxTotalBytes ?? 0,
      paused: this.paused,
      lost: this.lost,
      recording,
      sources: summary?.sources ?? [],
      movedAside: this.movedAside,
      error: this.error,
    };
  }

  /**
   * Tells listeners the status changed; returns it too. A status is read in several steps (the worker's summary, the
   * file's size), so one asked for later can be ready sooner: listeners get none older than one they already have.
   */
  private announce(): Promise<HistoryStatus> {
    const asked = ++this.statusesAsked;
    const promise = this.status();
    promise
      .then((s) => {
        if (asked < this.statusAnnounced) return;
        this.statusAnnounced = asked;
        this.options.onStatus?.(s);
      })
      .catch(() => undefined);
    return promise;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.flush();
    const worker = this.worker;
    if (worker !== null) {
      try {
        await this.call('close');
      } catch {
        // The worker is gone already; terminate below.
      }
    }
    this.closed = true;
    this.worker = null;
    for (const resolve of this.exports.values()) resolve({ jobId: '', state: 'cancelled', exported: 0, fraction: 0, file: '' });
    this.exports.clear();
    await worker?.terminate();
    await this.releaseLock();
  }
}
