import type { MessageView } from '../../shared/ipc/common';
import { topicMatchesFilter } from '../../shared/mqtt/topic-rules';

/**
 * The messages matching one filter as an async iterator. It holds at most `highWaterMark` messages:
 * beyond that it tells its owner it is full, and the owner stops reading the socket until it drains.
 */
export class MessageStream implements AsyncIterableIterator<MessageView> {
  private readonly buffer: MessageView[] = [];
  private head = 0;
  private waiter: ((result: IteratorResult<MessageView>) => void) | undefined;
  private ended = false;

  constructor(
    readonly filter: string,
    private readonly highWaterMark: number,
    private readonly onDrained: () => void,
    private readonly onClosed: (stream: MessageStream) => void,
  ) {}

  get full(): boolean {
    return this.buffer.length - this.head >= this.highWaterMark;
  }

  /** Takes a message if it matches; returns whether the stream is now full. */
  offer(message: MessageView): boolean {
    if (this.ended || !topicMatchesFilter(this.filter, message.topic)) return false;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w({ value: message, done: false });
      return false;
    }
    this.buffer.push(message);
    return this.full;
  }

  next(): Promise<IteratorResult<MessageView>> {
    if (this.head < this.buffer.length) {
      const wasFull = this.full;
      const value = this.buffer[this.head++] as MessageView;
      if (this.head > 1024 && this.head * 2 > this.buffer.length) {
        this.buffer.splice(0, this.head);
        this.head = 0;
      }
      if (wasFull) this.onDrained();
      return Promise.resolve({ value, done: false });
    }
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.waiter = resolve));
  }

  /** Ends the iteration (a `break` out of `for await` calls this). */
  return(): Promise<IteratorResult<MessageView>> {
    this.close();
    return Promise.resolve({ value: undefined, done: true });
  }

  close(): void {
    if (this.ended) return;
    this.ended = true;
    this.buffer.length = 0;
    this.head = 0;
    this.waiter?.({ value: undefined, done: true });
    this.waiter = undefined;
    this.onClosed(this);
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<MessageView> {
    return this;
  }
}
