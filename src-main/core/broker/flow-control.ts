import type { Transport } from './transport';

/** Above this much unsent data to a client, publishers feeding it are paused (backpressure). */
const CONGESTED_BYTES = 1024 * 1024;
/** Paused publishers resume once the client's backlog is below this. */
const RESUME_BYTES = 256 * 1024;
/** QoS 0 messages are dropped (and counted) for a client with this much unsent data. */
const SLOW_CONSUMER_BYTES = 16 * 1024 * 1024;
/**
 * A congested client that has neither read nor acknowledged anything for this long is stalled: its
 * publishers go free (its QoS 0 messages are dropped, QoS 1/2 queue up to the session's limit).
 */
const STALL_MS = 2000;
const BACKLOG_POLL_MS = 5;

/** A client's queue of QoS 1/2 messages, as flow control watches it. */
export interface QueueGauge {
  /** Messages waiting beyond those in flight. */
  readonly queued: number;
  /** Messages the client has acknowledged so far (it grows while the client makes progress). */
  readonly completed: number;
}

/** What the QoS 0 path should do with one more message for this client. */
export type Qos0Admission = 'send' | 'throttle' | 'drop';

/**
 * One connection's side of backpressure: it pauses reading when a client it feeds is congested,
 * and, as a consumer, holds the publishers feeding it until its own backlog drains.
 */
export class FlowControl {
  /** Reading is paused because a client we feed is congested. */
  paused = false;
  private closed = false;
  /** Publishers paused until this connection's backlog drains. */
  private throttled: FlowControl[] = [];
  private backlogTimer: NodeJS.Timeout | undefined;
  private lastBacklog = 0;
  private lastProgressAt = 0;
  private lastCompleted = 0;
  /** The client stopped reading: its publishers are no longer paced by it. */
  private stalled = false;
  private stalledBacklog = 0;
  private stalledCompleted = 0;

  constructor(
    private readonly transport: Transport,
    /** Bytes written by the connection but not yet handed to the transport. */
    private readonly unflushedBytes: () => number,
    /** The client's session queue, once it has one. */
    private readonly queue: () => QueueGauge | undefined,
    /** Paused publishers resume once the queue is at most this long (and the byte backlog small). */
    private readonly resumeQueued: number,
    /** Called (on a later turn) when reading resumes, to handle input held back while paused. */
    private readonly onResume: () => void,
  ) {}

  /** Everything not yet handed to the OS for this client. */
  backlog(): number {
    return this.unflushedBytes() + this.transport.bufferedBytes();
  }

  /** Decides about one more QoS 0 message: send it, send it and slow its publisher, or drop it. */
  admitQos0(): Qos0Admission {
    const backlog = this.backlog();
    if (this.stalled && !this.progressedSinceStall(backlog)) return backlog > CONGESTED_BYTES ? 'drop' : 'send';
    if (backlog > CONGESTED_BYTES) return backlog > SLOW_CONSUMER_BYTES ? 'drop' : 'throttle';
    return 'send';
  }

  /** Pauses a publisher until this (congested) connection's backlog and queue shrink below the resume marks. */
  holdUntilDrained(source: FlowControl): void {
    // A client that stopped reading does not get to stop everyone else; it is paced again once it reads.
    if (this.stalled && !this.progressedSinceStall(this.backlog())) return;
    source.pauseReading();
    this.throttled.push(source);
    if (this.backlogTimer) return;
    this.lastBacklog = this.backlog();
    this.lastCompleted = this.queue()?.completed ?? 0;
    this.lastProgressAt = Date.now();
    this.backlogTimer = setInterval(() => this.watchBacklog(), BACKLOG_POLL_MS);
    this.backlogTimer.unref();
  }

  /** The client acknowledged something: release paused publishers now if it is back under the marks, rather than at the next poll. */
  acknowledged(): void {
    if (this.throttled.length === 0) return;
    if ((this.queue()?.queued ?? 0) <= this.resumeQueued && this.backlog() < RESUME_BYTES) this.releaseThrottled();
  }

  /** Whether the client read or acknowledged anything since it was found stalled; clears the stall if so. */
  private progressedSinceStall(backlog: number): boolean {
    const completed = this.queue()?.completed ?? 0;
    if (backlog >= this.stalledBacklog && completed === this.stalledCompleted) return false;
    this.stalled = false;
    return true;
  }

  private watchBacklog(): void {
    const backlog = this.backlog();
    const q = this.queue();
    const queued = q?.queued ?? 0;
    const completed = q?.completed ?? 0;
    const now = Date.now();
    if (this.closed || (backlog < RESUME_BYTES && queued <= this.resumeQueued)) return this.releaseThrottled();
    // Publishers feeding us are paused, so a shrinking backlog or new acknowledgements mean the client is reading.
    if (backlog < this.lastBacklog || completed !== this.lastCompleted) this.lastProgressAt = now;
    this.lastBacklog = backlog;
    this.lastCompleted = completed;
    if (now - this.lastProgressAt > STALL_MS) {
      this.stalled = true;
      this.stalledBacklog = backlog;
      this.stalledCompleted = completed;
      this.releaseThrottled();
    }
  }

  releaseThrottled(): void {
    if (this.backlogTimer) clearInterval(this.backlogTimer);
    this.backlogTimer = undefined;
    const list = this.throttled;
    if (list.length === 0) return;
    this.throttled = [];
    for (const c of list) c.resumeReading();
  }

  pauseReading(): void {
    if (this.paused || this.closed) return;
    this.paused = true;
    this.transport.pause();
  }

  resumeReading(): void {
    if (!this.paused) return;
    this.paused = false;
    if (this.closed) return;
    this.transport.resume();
    // On a later turn: the consumer that released us may be in the middle of closing.
    setImmediate(this.onResume);
  }

  /** The connection ended: publishers it held go free. */
  close(): void {
    this.closed = true;
    this.releaseThrottled();
  }
}
