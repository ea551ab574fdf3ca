import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type { ConnectionId, MessageView } from '../../../shared/ipc/common';
import { TopiaryError } from '../../../shared/ipc/errors';
import type { CaptureJobProgress } from '../../../shared/ipc/history';
import { PublishArgsSchema, type PublishResult } from '../../../shared/ipc/publish';
import { CaptureRecorder } from './capture';
import { replayCapture, type ReplayControl } from './capture-replay';

export interface CaptureJobsOptions {
  /** Publishes through a live connection (the connection manager's publish). */
  readonly publish: (args: z.output<typeof PublishArgsSchema>) => Promise<PublishResult>;
  readonly onProgress?: (progress: CaptureJobProgress) => void;
}

interface RecordJob {
  readonly kind: 'record';
  readonly connectionId: ConnectionId;
  readonly recorder: CaptureRecorder;
  readonly file: string;
}

interface ReplayJob {
  readonly kind: 'replay';
  readonly control: ReplayControl;
  readonly file: string;
  /** Runs once the replay ended (a search replay deletes its temporary capture). */
  readonly cleanup?: () => Promise<unknown>;
}

/**
 * Record and replay jobs on live connections: recording a capture from a connection's messages,
 * replaying a capture to a connection. Progress and the final report go out through onProgress.
 */
export class CaptureJobs {
  private readonly jobs = new Map<string, RecordJob | ReplayJob>();

  constructor(private readonly options: CaptureJobsOptions) {}

  /** Every live message passes here; recordings of that connection take what matches their filters. */
  offer(connectionId: ConnectionId, message: MessageView): void {
    for (const job of this.jobs.values()) if (job.kind === 'record' && job.connectionId === connectionId) job.recorder.offer(message);
  }

  /** A connection went away: its recordings stop and report. */
  connectionClosed(connectionId: ConnectionId): void {
    for (const job of this.jobs.values()) if (job.kind === 'record' && job.connectionId === connectionId) void job.recorder.stop();
  }

  startRecording(args: { readonly connectionId: ConnectionId; readonly file: string; readonly filters?: readonly string[]; readonly count?: number; readonly durationMs?: number; readonly source?: string }): { readonly jobId: string } {
    const jobId = randomUUID();
    const recorder = new CaptureRecorder({
      file: args.file,
      ...(args.filters !== undefined ? { filters: args.filters } : {}),
      ...(args.count !== undefined ? { count: args.count } : {}),
      ...(args.durationMs !== undefined ? { durationMs: args.durationMs } : {}),
      ...(args.source !== undefined ? { source: args.source } : {}),
    });
    this.jobs.set(jobId, { kind: 'record', connectionId: args.connectionId, recorder, file: args.file });
    recorder.done.then(
      (report) => this.finish(jobId, { jobId, kind: 'record', state: 'done', file: args.file, recorded: report.messages, sent: 0, acknowledged: 0, refused: 0, total: 0, errors: [], skipped: [] }),
      (error: unknown) => this.finish(jobId, { jobId, kind: 'record', state: 'failed', file: args.file, recorded: recorder.recorded, sent: 0, acknowledged: 0, refused: 0, total: 0, errors: [(error as Error).message], skipped: [] }),
    );
    return { jobId };
  }

  startReplay(args: { readonly connectionId: ConnectionId; readonly file: string; readonly speed?: number | 'max'; readonly stripPrefix?: string; readonly addPrefix?: string; readonly loops?: number; readonly skipMalformed?: boolean; readonly cleanup?: () => Promise<unknown> }): { readonly jobId: string } {
    const jobId = randomUUID();
    const control = replayCapture({
      file: args.file,
      ...(args.speed !== undefined ? { speed: args.speed } : {}),
      ...(args.stripPrefix !== undefined ? { stripPrefix: args.stripPrefix } : {}),
      ...(args.addPrefix !== undefined ? { addPrefix: args.addPrefix } : {}),
      ...(args.loops !== undefined ? { loops: args.loops } : {}),
      ...(args.skipMalformed !== undefined ? { skipMalformed: args.skipMalformed } : {}),
      publish: async (m) => {
        // Checked like any publish: a remapped topic that is no longer valid is refused, not sent.
        const publishArgs = PublishArgsSchema.parse({ connectionId: args.connectionId, topic: m.topic, payload: m.payload, qos: m.qos, retain: m.retain, ...(m.properties ? { properties: m.properties } : {}) });
        const result = await this.options.publish(publishArgs);
        return result.reasonCode !== undefined ? { reasonCode: result.reasonCode } : undefined;
      },
      onProgress: (p) => this.options.onProgress?.({ jobId, kind: 'replay', state: p.paused ? 'paused' : 'running', file: args.file, recorded: 0, sent: p.sent, acknowledged: p.acknowledged, refused: p.refused, total: p.total, errors: [], skipped: [] }),
    });
    this.jobs.set(jobId, { kind: 'replay', control, file: args.file, ...(args.cleanup ? { cleanup: args.cleanup } : {}) });
    control.done.then(
      (r) => this.finish(jobId, { jobId, kind: 'replay', state: r.cancelled ? 'cancelled' : 'done', file: args.file, recorded: 0, sent: r.sent, acknowledged: r.acknowledged, refused: r.refused, total: control.progress().total, errors: r.errors, skipped: r.skipped }),
      (error: unknown) => {
        const p = control.progress();
        const details = (error as TopiaryError).details;
        this.finish(jobId, { jobId, kind: 'replay', state: 'failed', file: args.file, recorded: 0, sent: p.sent, acknowledged: p.acknowledged, refused: p.refused, total: p.total, errors: [(error as Error).message], skipped: [], ...(typeof details?.line === 'number' ? { line: details.line } : {}) });
      },
    );
    return { jobId };
  }

  /** Pause, resume or stop a job (stopping a recording closes its file). */
  control(jobId: string, action: 'pause' | 'resume' | 'stop'): void {
    const job = this.jobs.get(jobId);
    if (!job) throw new TopiaryError('NOT_FOUND', 'No such record or replay job (it may have finished).', { jobId });
    if (job.kind === 'record') {
      if (action !== 'stop') throw new TopiaryError('VALIDATION_ERROR', 'A recording can only be stopped.', { field: 'action' });
      void job.recorder.stop();
      return;
    }
    if (action === 'pause') job.control.pause();
    else if (action === 'resume') job.control.resume();
    else job.control.cancel();
  }

  /** Stops everything (the app is closing). */
  async close(): Promise<void> {
    const waits: Promise<unknown>[] = [];
    for (const job of this.jobs.values()) {
      if (job.kind === 'record') waits.push(job.recorder.stop().catch(() => undefined));
      else {
        job.control.cancel();
        waits.push(job.control.done.catch(() => undefined));
      }
    }
    await Promise.all(waits);
  }

  private finish(jobId: string, progress: CaptureJobProgress): void {
    const job = this.jobs.get(jobId);
    if (job?.kind === 'replay' && job.cleanup) void job.cleanup().catch(() => undefined);
    this.jobs.delete(jobId);
    this.options.onProgress?.(progress);
  }
}
