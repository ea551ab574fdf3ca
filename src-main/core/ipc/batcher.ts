/** How a Batcher starts a batch. */
export interface BatcherOptions {
  /**
   * A quiet stream's first item goes out at once (after the I/O being handled, so what arrives with it joins it),
   * and only what follows within the interval waits for it: for a stream where each item is worth showing now (the
   * inspected topic's messages) rather than a flood to thin out.
   */
  readonly leading?: boolean;
}

/**
 * Collects items and hands them over in one batch every few tens of milliseconds, so a stream
 * of thousands of messages a second costs a few frames a second on the wire.
 */
export class Batcher<T> {
  private items: T[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private immediate: ReturnType<typeof setImmediate> | undefined;
  private lastFlush = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly flushTo: (items: T[]) => void,
    private readonly intervalMs = 30,
    private readonly maxItems = 5_000,
    private readonly options: BatcherOptions = {},
  ) {}

  push(item: T): void {
    this.items.push(item);
    if (this.items.length >= this.maxItems) {
      this.flush();
      return;
    }
    if (this.timer !== undefined || this.immediate !== undefined) return;
    const wait = this.options.leading === true ? this.lastFlush + this.intervalMs - performance.now() : this.intervalMs;
    if (wait <= 0) this.immediate = setImmediate(() => this.flush());
    else this.timer = setTimeout(() => this.flush(), wait);
  }

  flush(): void {
    this.cancelTimers();
    if (this.items.length === 0) return;
    const batch = this.items;
    this.items = [];
    this.lastFlush = performance.now();
    this.flushTo(batch);
  }

  dispose(): void {
    this.cancelTimers();
    this.items = [];
  }

  private cancelTimers(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (this.immediate !== undefined) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
  }
}
