import { randomUUID } from 'node:crypto';
import { TopiaryError } from '../../../shared/ipc/errors';
import type { JobProgress, JobState, PublishResult } from '../../../shared/ipc/publish';
import type { ParsedArg } from '../../../shared/ipc/contract';
import type { CompiledMessage, RenderedMessage } from './compiled-message';

type SendArgs = ParsedArg<'publish.send'>;
type JobModeParsed = ParsedArg<'publish.startJob'>['mode'];

export interface JobLink {
  publish(args: SendArgs): Promise<PublishResult>;
}

/** How many publishes may await their acknowledgement at once. */
export interface JobLimits {
  /** The broker's Receive Maximum (MQTT 5 CONNACK), when it gave one. */
  readonly receiveMaximum?: number;
}

/** Outstanding QoS 0 writes: bounds memory while keeping the socket full, and stays under the 1,000 drain listeners MQTT.js would add on a full socket. */
const QOS0_WINDOW = 500;
/** Without a Receive Maximum (MQTT 3.1.1, or a broker that gives none) keep a window that brokers' defaults accept. */
const DEFAULT_QOS_WINDOW = 1_000;

/**
 * A repeat or burst running in the core: the UI only hears coalesced progress. A burst keeps a
 * window of unacknowledged publishes full (the broker's Receive Maximum, so it never refuses for
 * quota); a repeat sends on a fixed schedule (start + n × interval, so it does not drift).
 */
export class PublishJob {
  readonly jobId = randomUUID();
  readonly startedAt = Date.now();
  private readonly startedPerf = performance.now();
  private sent = 0;
  private acknowledged = 0;
  private failed = 0;
  private inFlight = 0;
  private state: JobState = 'running';
  private endedPerf: number | undefined;
  private error: { code: string; message: string } | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Resolves the burst's wait for a settled publish. */
  private wake: (() => void) | undefined;
  /** Ends a scheduled pause early (stop). */
  private wakePause: (() => void) | undefined;
  private readonly finished: Promise<void>;
  private lastRateAt = performance.now();
  private lastRateAcked = 0;
  private rate = 0;
  private readonly window: number;

  constructor(
    readonly connectionId: string,
    private readonly compiled: CompiledMessage,
    private readonly mode: JobModeParsed,
    private readonly link: JobLink,
    limits: JobLimits,
    private readonly ended: (job: PublishJob) => void,
    /** A payload script run for each message (in order: the sandbox answers one call at a time). */
    private readonly transform?: (rendered: RenderedMessage) => Promise<RenderedMessage>,
  ) {
    const qos = compiled.message.qos;
    this.window = qos === 0 ? QOS0_WINDOW : Math.max(1, Math.min(limits.receiveMaximum ?? DEFAULT_QOS_WINDOW, 65_535));
    this.finished = (mode.kind === 'burst' ? this.runBurst(mode) : this.runRepeat(mode)).then(
      () => this.finish(this.state === 'running' ? (this.failed > 0 && this.acknowledged === 0 ? 'failed' : 'done') : this.state),
      (error: unknown) => {
        this.note(error);
        this.finish('failed');
      },
    );
  }

  get total(): number | undefined {
    return this.mode.count;
  }

  /** Stops sending; what is in flight still settles. Resolves with the final report. */
  async stop(): Promise<JobProgress> {
    if (this.state === 'running') this.state = 'stopped';
    clearTimeout(this.timer);
    this.wake?.();
    this.wakePause?.();
    await this.finished;
    return this.progress();
  }

  /** Resolves when the job has ended (done, stopped or failed). */
  async done(): Promise<JobProgress> {
    await this.finished;
    return this.progress();
  }

  progress(): JobProgress {
    const now = performance.now();
    if (this.endedPerf === undefined && now - this.lastRateAt >= 100) {
      this.rate = ((this.acknowledged - this.lastRateAcked) * 1000) / (now - this.lastRateAt);
      this.lastRateAt = now;
      this.lastRateAcked = this.acknowledged;
    }
    const durationMs = (this.endedPerf ?? now) - this.startedPerf;
    return {
      jobId: this.jobId,
      connectionId: this.connectionId,
      kind: this.mode.kind,
      // Stopped or failed takes effect at once, but the job has not ended until what is in flight settles: a report
      // taken meanwhile says running, so one that says otherwise is final (a list of jobs polled just after a script
      // failed showed 'failed' with an acknowledgement still to come).
      state: this.endedPerf === undefined ? 'running' : this.state,
      ...(this.mode.count !== undefined ? { total: this.mode.count } : {}),
      sent: this.sent,
      acknowledged: this.acknowledged,
      failed: this.failed,
      ratePerSecond: this.endedPerf === undefined ? Math.round(this.rate) : durationMs > 0 ? Math.round((this.acknowledged * 1000) / durationMs) : 0,
      startedAt: this.startedAt,
      durationMs: Math.round(durationMs),
      ...(this.error ? { error: this.error } : {}),
    };
  }

  get running(): boolean {
    return this.state === 'running';
  }

  private send(counter: number): void {
    const { message } = this.compiled;
    let rendered;
    try {
      rendered = this.compiled.render(counter);
    } catch (error) {
      this.failed++;
      this.note(error);
      return;
    }
    /** Resolves true once the broker acknowledged it, false when it was not sent. */
    const publish = async (ready: RenderedMessage): Promise<boolean> => {
      // A repeat does not wait for each script run: messages after the one whose script failed may already be in the
      // sandbox's queue. The job ended with that failure, so they are not sent (a busy machine sent 4 and 5 after 3 failed).
      if (this.state === 'failed') return false;
      this.sent++;
      await this.link.publish({
        connectionId: this.connectionId as SendArgs['connectionId'],
        topic: ready.topic,
        payload: ready.payload,
        qos: message.qos,
        retain: message.retain,
        ...(message.properties ? { properties: message.properties } : {}),
      });
      return true;
    };
    this.inFlight++;
    const transformed = this.transform?.(rendered).catch((error: unknown) => {
      // A script that fails once fails again: end the job with its error rather than fail every message.
      if (this.state === 'running') this.state = 'failed';
      return Promise.reject(error);
    });
    (transformed ? transformed.then(publish) : publish(rendered))
      .then(
        (sent) => {
          if (sent) this.acknowledged++;
        },
        (error: unknown) => {
          this.failed++;
          this.note(error);
        },
      )
      .finally(() => {
        this.inFlight--;
        const wake = this.wake;
        this.wake = undefined;
        wake?.();
      });
  }

  /** Resolves at the next settled publish (or stop). */
  private settled(): Promise<void> {
    return new Promise((resolve) => (this.wake = resolve));
  }

  private async drain(): Promise<void> {
    while (this.inFlight > 0) await this.settled();
  }

  private async runBurst(mode: Extract<JobModeParsed, { kind: 'burst' }>): Promise<void> {
    const batch = mode.batchSize ?? mode.count;
    let counter = 0;
    while (counter < mode.count && this.state === 'running') {
      const batchEnd = Math.min(mode.count, counter + batch);
      while (counter < batchEnd && this.state === 'running') {
        while (this.inFlight < this.window && counter < batchEnd && this.state === 'running') this.send(++counter);
        if (counter < batchEnd && this.inFlight > 0) await this.settled();
        // A broker that refuses everything (ACL, quota) would otherwise be hammered to the end.
        if (this.acknowledged === 0 && this.failed >= Math.min(10, mode.count) && this.state === 'running') this.state = 'failed';
      }
      if (counter < mode.count && mode.batchDelayMs !== undefined && mode.batchDelayMs > 0 && this.state === 'running') {
        await this.drain();
        await this.pause(mode.batchDelayMs);
      }
    }
    await this.drain();
  }

  private async runRepeat(mode: Extract<JobModeParsed, { kind: 'repeat' }>): Promise<void> {
    const start = performance.now();
    let counter = 0;
    while (this.state === 'running' && (mode.count === undefined || counter < mode.count)) {
      this.send(++counter);
      if (mode.count !== undefined && counter >= mode.count) break;
      const due = start + counter * mode.intervalMs;
      await this.pause(Math.max(0, due - performance.now()));
    }
    await this.drain();
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wakePause = resolve;
      this.timer = setTimeout(() => {
        this.timer = undefined;
        if (this.wakePause === resolve) this.wakePause = undefined;
        resolve();
      }, ms);
    });
  }

  private note(error: unknown): void {
    if (this.error) return;
    this.error =
      error instanceof TopiaryError ? { code: error.code, message: error.message } : { code: 'PUBLISH_FAILED', message: error instanceof Error ? error.message : String(error) };
  }

  private finish(state: JobState): void {
    this.state = state;
    this.endedPerf = performance.now();
    this.ended(this);
  }
}
