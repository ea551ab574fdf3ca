import type { OutboundAlias } from './codec';

/**
 * The Topic Aliases the broker has given one client (MQTT 5 section 3.3.2.3.4): at most the client's Topic
 * Alias Maximum; a topic sent again reuses its alias. When all are taken, the least recently used alias
 * passes to a new topic only once it has gone unused for twice as many sends as there are aliases: a client
 * that cycles through more topics than it has aliases would otherwise get a new alias (and the full topic,
 * plus three bytes) on every message. Until then the new topic goes without an alias. Aliases live as long
 * as the network connection.
 *
 * A one-pass send (the retained messages of a new subscription: each topic once, often thousands) takes only free
 * aliases and never passes one on: under `#` it would otherwise give every other message a new alias that is never
 * used again, costing three bytes and a property for the client to parse, and evict the aliases of live topics.
 */
export class OutboundAliases {
  /** Topic to its alias and the send it was last used on, in order of last use (oldest first). */
  private readonly byTopic = new Map<string, { readonly alias: number; lastUse: number }>();
  private sends = 0;

  constructor(private readonly maximum: number) {}

  /**
   * What to send for `topic`: undefined for no alias. Call `commit` once the packet is really written.
   * `onePass`: the topic is not expected again soon, so no alias is passed on to it.
   */
  choose(topic: string, onePass = false): OutboundAlias | undefined {
    const known = this.byTopic.get(topic);
    if (known !== undefined) return { alias: known.alias, withTopic: false };
    if (this.byTopic.size < this.maximum) return { alias: this.byTopic.size + 1, withTopic: true };
    if (onePass) return undefined;
    const oldest = this.byTopic.values().next().value!;
    return this.sends + 1 - oldest.lastUse > 2 * this.maximum ? { alias: oldest.alias, withTopic: true } : undefined;
  }

  /** Records a written PUBLISH: `choice` is what `choose` returned for it. */
  commit(topic: string, choice: OutboundAlias | undefined): void {
    const now = ++this.sends;
    if (choice === undefined) return;
    if (choice.withTopic && this.byTopic.size >= this.maximum) this.byTopic.delete(this.byTopic.keys().next().value!);
    // Deleted and set again so the map's order stays the order of last use.
    this.byTopic.delete(topic);
    this.byTopic.set(topic, { alias: choice.alias, lastUse: now });
  }
}
