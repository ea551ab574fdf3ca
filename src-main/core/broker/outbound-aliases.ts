import type { OutboundAlias } from './codec';

/**
 * The Topic Aliases the broker has given one client (MQTT 5 section 3.3.2.3.4): at most the client's
 * Topic Alias Maximum, a topic sent again reuses its alias, and when all are taken the least recently
 * used one is handed to the new topic. Aliases live as long as the network connection.
 */
export class OutboundAliases {
  /** Topic to alias, in order of last use (oldest first). */
  private readonly byTopic = new Map<string, number>();

  constructor(private readonly maximum: number) {}

  /** What to send for `topic`; call `commit` once the packet is really written. */
  choose(topic: string): OutboundAlias {
    const known = this.byTopic.get(topic);
    if (known !== undefined) return { alias: known, withTopic: false };
    if (this.byTopic.size < this.maximum) return { alias: this.byTopic.size + 1, withTopic: true };
    return { alias: this.byTopic.values().next().value as number, withTopic: true };
  }

  /** Records that the client now maps `choice.alias` to `topic` (or has used it again). */
  commit(topic: string, choice: OutboundAlias): void {
    if (!choice.withTopic) {
      // Move to the end: most recently used.
      this.byTopic.delete(topic);
      this.byTopic.set(topic, choice.alias);
      return;
    }
    if (this.byTopic.size >= this.maximum) {
      const oldest = this.byTopic.keys().next().value as string;
      this.byTopic.delete(oldest);
    }
    this.byTopic.set(topic, choice.alias);
  }
}
