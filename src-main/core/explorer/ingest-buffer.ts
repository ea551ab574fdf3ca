import type { ExplorerMessage } from './explorer-message';

export interface IngestBufferOptions {
  /** Most messages held while paused. */
  readonly capacityMessages?: number;
  /** Most bytes held while paused (payload, topic and bookkeeping). */
  readonly capacityBytes?: number;
}

/** What the pause gauge shows; drops are counted, never silent. */
export interface IngestBufferStats {
  readonly paused: boolean;
  readonly bufferedMessages: number;
  readonly bufferedBytes: number;
  readonly capacityMessages: number;
  readonly capacityBytes: number;
  /** bufferedBytes / capacityBytes or bufferedMessages / capacityMessages, whichever is fuller (0..1). */
  readonly fill: number;
  readonly received: number;
  readonly applied: number;
  readonly dropped: number;
  readonly droppedBytes: number;
  /** Buffered messages thrown away on purpose by discard(). */
  readonly discarded: number;
}

export const DEFAULT_BUFFER_MESSAGES = 500_000;
export const DEFAULT_BUFFER_BYTES = 128 * 1024 * 1024;

// Rough per-message cost besides payload and topic: the object, the queue slot, a Uint8Array header.
const MESSAGE_OVERHEAD_BYTES = 160;

/**
 * Sits between the connection and the index. Running, it hands each message straight on;
 * paused, it holds messages up to a budget and counts what it had to drop beyond it;
 * resumed, it applies what it held, in order, before anything newer.
 */
export class IngestBuffer {
  private queue: ExplorerMessage[] = [];
  private head = 0;
  private bytes = 0;
  private isPaused = false;
  private received = 0;
  private applied = 0;
  private dropped = 0;
  private droppedBytes = 0;
  private discarded = 0;
  private capacityMessages: number;
  private capacityBytes: number;

  constructor(
    private readonly sink: (message: ExplorerMessage) => void,
    options: IngestBufferOptions = {},
  ) {
    this.capacityMessages = options.capacityMessages ?? DEFAULT_BUFFER_MESSAGES;
    this.capacityBytes = options.capacityBytes ?? DEFAULT_BUFFER_BYTES;
  }

  push(message: ExplorerMessage): void {
    this.received++;
    if (!this.isPaused && this.head === this.queue.length) {
      this.applied++;
      this.sink(message);
      return;
    }
    const cost = costOf(message);
    if (this.queue.length - this.head >= this.capacityMessages || this.bytes + cost > this.capacityBytes) {
      this.dropped++;
      this.droppedBytes += message.payload.length;
      return;
    }
    // Copy: an incoming payload may be a view of a socket chunk we should not keep alive.
    this.queue.push({ ...message, payload: message.payload.slice() });
    this.bytes += cost;
  }

  /**
   * Changes the budget. What is already held stays (nothing held is thrown away by a smaller budget);
   * new arrivals are dropped, and counted, until the buffer is back under it.
   */
  setCapacity(messages: number, bytes: number): void {
    this.capacityMessages = messages;
    this.capacityBytes = bytes;
  }

  get paused(): boolean {
    return this.isPaused;
  }

  pause(): void {
    this.isPaused = true;
  }

  /**
   * Resumes and applies everything held, oldest first. With `applyNow` false the backlog
   * waits for drain() calls (new arrivals queue behind it), so a big one can be spread out.
   */
  resume(applyNow = true): void {
    this.isPaused = false;
    if (applyNow) this.drain(Number.POSITIVE_INFINITY);
  }

  /**
   * Applies up to `max` held messages (when not paused) and returns how many are still held,
   * so a caller can spread a large backlog over several ticks.
   */
  drain(max: number): number {
    if (this.isPaused) return this.queue.length - this.head;
    let n = 0;
    while (this.head < this.queue.length && n < max) {
      const message = this.queue[this.head]!;
      this.queue[this.head] = undefined as never;
      this.head++;
      n++;
      this.bytes -= costOf(message);
      this.applied++;
      this.sink(message);
    }
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
      this.bytes = 0;
    }
    return this.queue.length - this.head;
  }

  /** Throws away what is held (counted as discarded, not dropped). */
  discard(): void {
    this.discarded += this.queue.length - this.head;
    this.queue = [];
    this.head = 0;
    this.bytes = 0;
  }

  stats(): IngestBufferStats {
    const buffered = this.queue.length - this.head;
    return {
      paused: this.isPaused,
      bufferedMessages: buffered,
      bufferedBytes: this.bytes,
      capacityMessages: this.capacityMessages,
      capacityBytes: this.capacityBytes,
      fill: Math.min(1, Math.max(buffered / this.capacityMessages, this.bytes / this.capacityBytes)),
      received: this.received,
      applied: this.applied,
      dropped: this.dropped,
      droppedBytes: this.droppedBytes,
      discarded: this.discarded,
    };
  }
}

function costOf(message: ExplorerMessage): number {
  return message.payload.length + message.topic.length * 2 + MESSAGE_OVERHEAD_BYTES;
}
