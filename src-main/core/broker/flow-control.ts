import type { Transport } from './transport';

/** Above this much unsent data to a client, publishers feeding it are paused (backpressure). */
const CONGESTED_BYTES = 1024 * 1024;
/** Paused publishers resume once the client's backlog is below this. */
const RESUME_BYTES = 256 * 1024;
/** QoS 0 messages are dropped (and counted) for a client with this much unsent data. */
const SLOW_CONSUMER_BYTES = 16 * 1024 * 1024;
/** A congested client whose backlog has not shrunk for this long is stalled: stop pacing publishers to it. */
const STALL_MS = 1000;
const BACKLOG_POLL_MS = 5;

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
  /** The client stopped reading: its QoS 0 messages are dropped rather than pacing publishers. */
  private stalled = false;

  constructor(
    private readonly transport: Transport,
    /** Bytes written by the connection but not yet handed to the transport. */
    private readonly unflushedBytes: () => number,
  ) {}

  /** Everything not yet handed to the OS for this client. */
  backlog(): number {
    return this.unflushedBytes() + this.transport.bufferedBytes();
  }

  /** Decides about one more QoS 0 message: send it, send it and slow its publisher, or drop it. */
  admitQos0(): Qos0Admission {
    const backlog = this.backlog();
    if (backlog > CONGESTED_BYTES) {
      if (this.stalled || backlog > SLOW_CONSUMER_BYTES) return 'drop';
      return 'throttle';
    }
    if (this.stalled) this.stalled = false;
    return 'send';
  }

  /** Pauses a publisher until this (congested) connection's backlog shrinks below the resume mark. */
  holdUntilDrained(source: FlowControl): void {
    source.pauseReading();
    this.throttled.push(source);
    if (this.backlogTimer) return;
    this.lastBacklog = this.backlog();
    this.lastProgressAt = Date.now();
    this.backlogTimer = setInterval(() => this.watchBacklog(), BACKLOG_POLL_MS);
    this.backlogTimer.unref();
  }

  private watchBacklog(): void {
    const backlog = this.backlog();
    const now = Date.now();
    if (this.closed || backlog < RESUME_BYTES) return this.releaseThrottled();
    // Publishers feeding us are paused, so a shrinking backlog means the client is reading.
    if (backlog < this.lastBacklog) this.lastProgressAt = now;
    this.lastBacklog = backlog;
    if (now - this.lastProgressAt > STALL_MS) {
      this.stalled = true;
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
    if (!this.closed) this.transport.resume();
  }

  /** The connection ended: publishers it held go free. */
  close(): void {
    this.closed = true;
    this.releaseThrottled();
  }
}
