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
  // Kept without an allocation per send (this runs for every PUBLISH to every subscriber that takes aliases): a
  // Map entry and an object per send, each living until its topic's next send, were promoted under a flood of
  // thousands of topics. Topic to alias changes only when an alias passes on; the order of last use is a list
  // threaded through typed arrays by alias; the answers are made once per alias.
  private readonly byTopic = new Map<string, number>();
  private readonly topicOf: (string | undefined)[] = [];
  private readonly lastUse: Float64Array;
  /** Least recently used first: `older[a]`/`newer[a]` link alias a; 0 ends the list (aliases start at 1). */
  private readonly older: Uint16Array;
  private readonly newer: Uint16Array;
  private oldest = 0;
  private newest = 0;
  private readonly alone: (OutboundAlias | undefined)[] = [];
  private readonly withTopic: (OutboundAlias | undefined)[] = [];
  private sends = 0;
  /** Aliases handed out so far (1..assigned); the next new topic takes assigned + 1 while that is within the maximum. */
  private assigned = 0;

  constructor(private readonly maximum: number) {
    this.lastUse = new Float64Array(maximum + 1);
    this.older = new Uint16Array(maximum + 1);
    this.newer = new Uint16Array(maximum + 1);
  }

  /**
   * What to send for `topic`: undefined for no alias. Call `commit` once the packet is really written.
   * `onePass`: the topic is not expected again soon, so no alias is passed on to it.
   */
  choose(topic: string, onePass = false): OutboundAlias | undefined {
    const known = this.byTopic.get(topic);
    if (known !== undefined) return (this.alone[known] ??= { alias: known, withTopic: false });
    if (this.assigned < this.maximum) return this.introducing(this.assigned + 1);
    if (onePass) return undefined;
    return this.sends + 1 - this.lastUse[this.oldest]! > 2 * this.maximum ? this.introducing(this.oldest) : undefined;
  }

  /** Records a written PUBLISH: `choice` is what `choose` returned for it. */
  commit(topic: string, choice: OutboundAlias | undefined): void {
    const now = ++this.sends;
    if (choice === undefined) return;
    const alias = choice.alias;
    if (choice.withTopic) {
      if (alias > this.assigned) this.assigned = alias;
      const previous = this.topicOf[alias];
      if (previous !== topic) {
        // The alias passes on: its old topic goes back to being sent in full.
        if (previous !== undefined && this.byTopic.get(previous) === alias) this.byTopic.delete(previous);
        const before = this.byTopic.get(topic);
        if (before !== undefined) this.topicOf[before] = undefined;
        this.byTopic.set(topic, alias);
        this.topicOf[alias] = topic;
      }
    }
    this.lastUse[alias] = now;
    this.touch(alias);
  }

  private introducing(alias: number): OutboundAlias {
    return (this.withTopic[alias] ??= { alias, withTopic: true });
  }

  /** Moves `alias` to the newest end of the order of use (adding it if it is not there yet). */
  private touch(alias: number): void {
    if (this.newest === alias) return;
    const inList = this.oldest === alias || this.older[alias] !== 0;
    if (inList) this.unlink(alias);
    this.older[alias] = this.newest;
    this.newer[alias] = 0;
    if (this.newest !== 0) this.newer[this.newest] = alias;
    this.newest = alias;
    if (this.oldest === 0) this.oldest = alias;
  }

  private unlink(alias: number): void {
    const before = this.older[alias]!;
    const after = this.newer[alias]!;
    if (before !== 0) this.newer[before] = after;
    else this.oldest = after;
    if (after !== 0) this.older[after] = before;
    else this.newest = before;
    this.older[alias] = 0;
    this.newer[alias] = 0;
  }
}
