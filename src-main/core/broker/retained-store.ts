import type { Message } from './message';
import { topicMatchesFilter } from '../../../shared/mqtt/topic-rules';

/** A retained message and when it was stored. */
export interface RetainedEntry {
  readonly message: Message;
  readonly storedAt: number;
}

/** Last retained message per topic. */
export class RetainedStore {
  private readonly entries = new Map<string, RetainedEntry>();

  get size(): number {
    return this.entries.size;
  }

  /** Stores or (for an empty payload) clears the retained message of a topic. */
  set(message: Message, now: number): void {
    if (message.payload.length === 0) this.entries.delete(message.topic);
    else this.entries.set(message.topic, { message, storedAt: now });
  }

  /** Retained messages matching a filter, dropping those that have expired. */
  match(filter: string, now: number): Message[] {
    const out: Message[] = [];
    if (!filter.includes('+') && !filter.includes('#')) {
      const e = this.entries.get(filter);
      if (e) this.pushLive(e, now, out);
      return out;
    }
    for (const e of this.entries.values()) {
      if (topicMatchesFilter(filter, e.message.topic)) this.pushLive(e, now, out);
    }
    return out;
  }

  list(): RetainedEntry[] {
    return [...this.entries.values()];
  }

  /** Deletes one topic's retained message, or a whole subtree when `subtree` is set; returns how many went. */
  delete(topic: string, subtree: boolean): number {
    if (!subtree) return this.entries.delete(topic) ? 1 : 0;
    let n = 0;
    for (const key of [...this.entries.keys()]) {
      if (key === topic || key.startsWith(topic.endsWith('/') ? topic : `${topic}/`)) {
        this.entries.delete(key);
        n++;
      }
    }
    return n;
  }

  clear(): void {
    this.entries.clear();
  }

  private pushLive(e: RetainedEntry, now: number, out: Message[]): void {
    if (e.message.expiresAt !== undefined && e.message.expiresAt <= now) {
      this.entries.delete(e.message.topic);
      return;
    }
    out.push(e.message);
  }
}
