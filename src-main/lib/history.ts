/**
 * Message history from the library: the app's history store (`openHistory()`: query, export, clear,
 * import, recording a client), and captures (`record()` a client's messages to a capture file, `replay()`
 * one to a broker). The same HistoryService and capture code the app runs.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { ConnectionId, MessageView } from '../../shared/ipc/common';
import { TopiaryError } from '../../shared/ipc/errors';
import type { ExportFormat, ExportProgress, HistoryPage, HistoryQueryInput, HistoryStatus } from '../../shared/ipc/history';
import { CaptureRecorder, type CaptureRecordReport } from '../core/history/capture';
import { replayCapture, type ReplayProgress, type ReplayReport } from '../core/history/capture-replay';
import { HistoryService } from '../core/history/history-service';
import { defaultUserDataDir } from '../core/user-data';
import type { TopiaryClient } from './client';

export type { ExportFormat, ExportProgress, HistoryMessage, HistoryPage, HistoryQueryInput, HistoryStatus } from '../../shared/ipc/history';
export type { CaptureRecordReport } from '../core/history/capture';
export type { ReplayProgress, ReplayReport } from '../core/history/capture-replay';

export interface HistoryOptions {
  /** The store's file; by default the app's own, `<userData>/history/history.db`. */
  readonly file?: string;
  /** The app's user-data folder (TOPIARY_USER_DATA, else the platform's), when `file` is not given. */
  readonly userDataDir?: string;
  /** The built history worker; by default history-worker.cjs beside the library. */
  readonly workerFile?: string;
  /** Every export's progress, a few times a second. */
  readonly onExportProgress?: (progress: ExportProgress) => void;
}

/** The history store the app uses, by default. */
export function defaultHistoryFile(userDataDir?: string): string {
  return path.join(userDataDir ?? defaultUserDataDir(), 'history', 'history.db');
}

function findWorkerFile(): string {
  // Beside the bundled library (dist/lib), or the app's build (dist/main).
  const here = typeof __dirname === 'string' ? __dirname : process.cwd();
  const found = [path.join(here, 'history-worker.cjs'), path.join(here, '../main/history-worker.cjs')].find((f) => existsSync(f));
  if (!found) throw new TopiaryError('HISTORY_ERROR', `The history worker (history-worker.cjs) is missing beside the library in ${here}; rebuild with "node scripts/build.mjs lib" or pass workerFile.`);
  return found;
}

let nextRecording = 1;

/** A history store opened from the library. One process (the app, a CLI, a script) holds a store at a time. */
export class TopiaryHistory {
  private constructor(private readonly service: HistoryService) {}

  /** Opens (creating it if needed) a history store; rejects with STORE_LOCKED when the app or another process holds it. */
  static async open(options: HistoryOptions = {}): Promise<TopiaryHistory> {
    const service = new HistoryService({ file: options.file ?? defaultHistoryFile(options.userDataDir), workerFile: options.workerFile ?? findWorkerFile(), ...(options.onExportProgress ? { onExportProgress: options.onExportProgress } : {}) });
    try {
      await service.open();
    } catch (error) {
      await service.close().catch(() => undefined);
      throw error;
    }
    return new TopiaryHistory(service);
  }

  get file(): string {
    return this.service.file;
  }

  /** One page of a search: filters, time range (epoch ms, ISO or "last 15 min"), text, regex, QoS, retain, user property. */
  query(query: HistoryQueryInput = {}, options: { readonly limit?: number; readonly cursor?: string } = {}): Promise<HistoryPage> {
    return this.service.query(query, options.limit ?? 100, options.cursor);
  }

  /** Streams a search to a file as JSON, NDJSON or CSV (lossless payloads); resolves with the final progress. */
  async export(args: { readonly query?: HistoryQueryInput; readonly format: ExportFormat; readonly file: string; readonly limit?: number; readonly signal?: AbortSignal }): Promise<ExportProgress> {
    const job = await this.service.export({ ...(args.query ? { query: args.query } : {}), format: args.format, file: path.resolve(args.file), ...(args.limit !== undefined ? { limit: args.limit } : {}) });
    const cancel = (): void => this.service.cancelExport(job.jobId);
    args.signal?.addEventListener('abort', cancel, { once: true });
    try {
      const final = await job.done;
      if (final.state === 'failed') throw new TopiaryError('HISTORY_ERROR', `The export to ${final.file} failed: ${final.error ?? 'unknown error'}.`);
      return final;
    } finally {
      args.signal?.removeEventListener('abort', cancel);
    }
  }

  /** Deletes the messages a search finds (everything without a query). */
  clear(query?: HistoryQueryInput): Promise<{ readonly deleted: number }> {
    return this.service.clear(query);
  }

  /** Imports a capture file into the store under a source ("capture:<name>" by default). */
  importCapture(file: string, options: { readonly source?: string; readonly label?: string; readonly skipMalformed?: boolean } = {}): ReturnType<HistoryService['importCapture']> {
    const name = path.basename(file);
    return this.service.importCapture(file, { sourceKey: options.source ?? `capture:${name}`, label: options.label ?? name, ...(options.skipMalformed ? { skipMalformed: true } : {}) });
  }

  /**
   * Records every message the client receives into the store under `source` ("url:<url>" by default)
   * until the returned stop() (which resolves once they are stored).
   */
  async recordFrom(client: TopiaryClient, options: { readonly source?: string; readonly label?: string } = {}): Promise<{ stop(): Promise<void> }> {
    const id = `lib-recording-${nextRecording++}` as ConnectionId;
    const source = options.source ?? `url:${client.info.url}`;
    await this.service.setRecording(id, true, { sourceKey: source, label: options.label ?? source });
    const onMessage = (m: MessageView): void => this.service.record(id, m);
    client.on('message', onMessage);
    let stopped: Promise<void> | undefined;
    return {
      stop: () =>
        (stopped ??= (async () => {
          client.off('message', onMessage);
          await this.service.settle();
          this.service.connectionClosed(id);
        })()),
    };
  }

  /** Resolves when everything recorded so far is stored. */
  settle(): Promise<void> {
    return this.service.settle();
  }

  status(): Promise<HistoryStatus> {
    return this.service.status();
  }

  /** Stores what is pending and closes the store (releasing its lock). */
  close(): Promise<void> {
    return this.service.close();
  }
}

/** Opens a history store: the app's own by default, or `file`. */
export function openHistory(options: HistoryOptions = {}): Promise<TopiaryHistory> {
  return TopiaryHistory.open(options);
}

export interface RecordOptions {
  /** The capture file to write (format: CAPTURE-FORMAT.md). */
  readonly file: string;
  /** Topic filters to subscribe to and record; `#` by default. */
  readonly filters?: readonly string[];
  readonly qos?: 0 | 1 | 2;
  readonly count?: number;
  readonly durationMs?: number;
  /** Stops the recording, keeping what was written. */
  readonly signal?: AbortSignal;
}

/** A running recording: stop() ends it; done resolves with what was written. */
export interface Recording {
  readonly recorded: number;
  stop(): Promise<CaptureRecordReport>;
  readonly done: Promise<CaptureRecordReport>;
}

/** Subscribes the client to the filters and records what arrives into a capture file, until its count, duration, stop() or signal. */
export async function record(client: TopiaryClient, options: RecordOptions): Promise<Recording> {
  const filters = options.filters && options.filters.length > 0 ? options.filters : ['#'];
  const recorder = new CaptureRecorder({
    file: options.file,
    filters,
    source: client.info.url,
    ...(options.count !== undefined ? { count: options.count } : {}),
    ...(options.durationMs !== undefined ? { durationMs: options.durationMs } : {}),
  });
  const onMessage = (m: MessageView): void => recorder.offer(m);
  client.on('message', onMessage);
  const stop = (): Promise<CaptureRecordReport> => recorder.stop();
  options.signal?.addEventListener('abort', () => void stop(), { once: true });
  const done = recorder.done.finally(() => {
    client.off('message', onMessage);
    void client.unsubscribe([...filters]).catch(() => undefined);
  });
  done.catch(() => undefined);
  try {
    const ack = await client.subscribe([...filters], { qos: options.qos ?? 0 });
    const refused = ack.granted.filter((g) => !g.ok);
    if (refused.length > 0) throw new TopiaryError('TOPIC_ERROR', `The broker refused the subscription to ${refused.map((g) => `"${g.filter}"`).join(', ')}.`, { filters: refused.map((g) => g.filter) });
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    get recorded() {
      return recorder.recorded;
    },
    stop,
    done,
  };
}

export interface ReplayOptions {
  /** The capture file to replay. */
  readonly file: string;
  /** 1 is the original timing; 0.1 to 100, or 'max' for as fast as the broker takes them. */
  readonly speed?: number | 'max';
  /** Strip this prefix from each topic that has it, then add `prefix`. */
  readonly stripPrefix?: string;
  readonly prefix?: string;
  readonly loops?: number;
  /** Skip malformed lines instead of refusing the capture (each is reported with its line number). */
  readonly skipMalformed?: boolean;
  readonly onProgress?: (progress: ReplayProgress) => void;
  /** Cancels the replay; done then resolves with cancelled: true. */
  readonly signal?: AbortSignal;
}

/** A running replay: pause, resume, cancel; done resolves with the report (sent, acknowledged, refused). */
export interface Replay {
  pause(): void;
  resume(): void;
  cancel(): void;
  progress(): ReplayProgress;
  readonly done: Promise<ReplayReport>;
}

/** Replays a capture through the client, at the original timing, scaled, or as fast as the broker takes it. */
export function replay(client: TopiaryClient, options: ReplayOptions): Replay {
  const control = replayCapture({
    file: options.file,
    speed: options.speed ?? 1,
    ...(options.stripPrefix !== undefined ? { stripPrefix: options.stripPrefix } : {}),
    ...(options.prefix !== undefined ? { addPrefix: options.prefix } : {}),
    ...(options.loops !== undefined ? { loops: options.loops } : {}),
    ...(options.skipMalformed ? { skipMalformed: true } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    // QoS 0 messages without properties go to the socket in batches; the rest through publish(), in order.
    writer: client.packetWriter(),
    publish: (m) => {
      // Resolves on the acknowledgement, or for QoS 0 on the write: the replay keeps a window of each.
      return client.publish(m.topic, m.payload, { qos: m.qos, retain: m.retain, ...(m.properties ? { properties: m.properties } : {}) });
    },
  });
  options.signal?.addEventListener('abort', () => control.cancel(), { once: true });
  return control;
}
