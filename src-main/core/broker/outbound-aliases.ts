import type { OutboundAlias } from './codec';

/**
 * The Topic Aliases the broker has given one client (MQTT 5 section 3.3.2.3.4): at most the client's Topic
 * Alias Maximum; a topic sent again reuses its alias. When all are taken, the least recently used alias passes
 * to a new topic only when that topic is likely to be sent again while it holds the alias: it was last sent within
 * the last 2 × maximum sends, and more recently than the alias was last used. Until then the new topic goes
 * without an alias. Aliases live as long as the network connection.
 *
 * Why reuse distance: passing an alias on costs the new topic's first message three bytes and a property for the
 * client to parse, and pays off only if the topic comes back before the alias passes on again. A flood over more
 * topics than there are aliases (round robin or random over 10,000 topics with Topiary's own 100) seldom brings a
 * topic back that soon, so its topics get no alias and take none from the topics that do come back. The rule this
 * replaced (pass the least recently used alias on once it has gone unused for 2 × maximum sends) looked only at
 * the alias: under such a flood every alias goes unused that long, so every other message took a new alias that
 * was never used again. The window is 2 × maximum rather than maximum because topics sent at random come back at
 * uneven gaps: a hot set that fits would be turned away a third of the time; 4 × maximum admits twice as many
 * topics of a random flood. The second condition (the alias has gone unused longer than the new topic's gap) keeps
 * a round robin over a few more topics than there are aliases from thrashing: each would qualify by distance alone
 * and take the alias of a topic due back sooner. Also considered: counting sends per topic (TinyLFU's sketch),
 * which compares the new topic with the alias's holder more finely but needs a sketch, its ageing and more work per
 * send; and a second chance for aliases (CLOCK), which still admits every new topic.
 *
 * A one-pass send (the retained messages of a new subscription: each topic once, often thousands) takes only free
 * aliases and never passes one on: under `#` it would otherwise give every other message a new alias that is never
 * used again, costing three bytes and a property for the client to parse, and evict the aliases of live topics.
 */
export class OutboundAliases {
  // Kept without an allocation per send (this runs for every PUBLISH to every subscriber that takes aliases): a
  // Map entry and an object per send, each living until its topic's next send, were promoted under a flood of
  // thousands of topics. Topic to alias changes only when an alias passes on; the order of last use is a list
  // threaded through typed arrays by alias; the answers are made once per alias; when a topic without an alias was
  // last sent is kept in a hashed table of typed arrays, by the topic's hash rather than its string. Only sends
  // without an alias are hashed (a topic that loses its alias is entered with the alias's last use), so a topic
  // sent by its alias costs what it did.
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
  /** How recently (in sends) a topic must have been sent to take an alias that passes on. */
  private readonly window: number;
  /**
   * When a topic was last sent without an alias: `seenHash[slot]` is its hash (0 for none), `seenAt[slot]` the send
   * (modulo 2^32). Two slots per hash, the one seen longer ago giving way: a topic whose slot was taken over is just
   * not known to have been seen, and two topics with the same 32-bit hash cost at most an alias passed on in vain.
   * Made when all aliases are first taken: most clients never get there.
   */
  private seenHash: Uint32Array | undefined;
  private seenAt: Uint32Array | undefined;
  private seenShift = 0;
  /** The topic `choose` last hashed and its hash, so that `commit` need not hash it again. */
  private hashedTopic: string | undefined;
  private hashed = 0;

  constructor(private readonly maximum: number) {
    this.lastUse = new Float64Array(maximum + 1);
    this.older = new Uint16Array(maximum + 1);
    this.newer = new Uint16Array(maximum + 1);
    this.window = 2 * maximum;
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
    const hash = topicHash(topic);
    this.hashedTopic = topic;
    this.hashed = hash;
    const slot = this.slotOf(hash);
    if (slot < 0) return undefined;
    // Sends since, counting this one.
    const gap = this.ago(this.seenAt![slot]!) + 1;
    const idle = this.sends + 1 - this.lastUse[this.oldest]!;
    return gap <= this.window && idle > gap ? this.introducing(this.oldest) : undefined;
  }

  /** Records a written PUBLISH: `choice` is what `choose` returned for it. */
  commit(topic: string, choice: OutboundAlias | undefined): void {
    const now = ++this.sends;
    const hashed = this.hashedTopic === topic;
    this.hashedTopic = undefined;
    if (choice === undefined) {
      // Sent in full: a topic that comes back soon may take an alias then. (A one-pass send is not hashed.)
      if (hashed) this.seen(this.hashed, now);
      return;
    }
    const alias = choice.alias;
    if (choice.withTopic) {
      if (alias > this.assigned) this.assigned = alias;
      const previous = this.topicOf[alias];
      if (previous !== topic) {
        // The alias passes on: its old topic goes back to being sent in full, last sent when the alias was last used.
        if (previous !== undefined && this.byTopic.get(previous) === alias) {
          this.byTopic.delete(previous);
          this.seen(topicHash(previous), this.lastUse[alias]!);
        }
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

  /** Records that the topic with `hash` was sent in full on send `at`. */
  private seen(hash: number, at: number): void {
    const own = this.slotOf(hash);
    let slot = own;
    if (slot < 0) {
      // The slot seen longer ago gives way (an empty one looks seen on send 0), unless it was seen more recently
      // than `at` (a topic that loses its alias was last sent a while ago).
      const first = this.bucketOf(hash);
      const seenAt = this.seenAt!;
      slot = this.ago(seenAt[first]!) >= this.ago(seenAt[first + 1]!) ? first : first + 1;
      if (this.ago(seenAt[slot]!) < this.ago(at)) return;
      this.seenHash![slot] = hash;
    }
    this.seenAt![slot] = at;
  }

  /** The table slot holding `hash`, or -1. */
  private slotOf(hash: number): number {
    const first = this.bucketOf(hash);
    const seenHash = this.seenHash!;
    return seenHash[first] === hash ? first : seenHash[first + 1] === hash ? first + 1 : -1;
  }

  /** The first of the two table slots a topic hash may take, making the table on first use. */
  private bucketOf(hash: number): number {
    if (this.seenHash === undefined) {
      // Four slots per send of the window, two to a hash, keep a topic's entry until it comes back, mostly; at most
      // 2^16 slots (512 kB) for a client that takes thousands of aliases, whose window is then kept only in part.
      const bits = Math.min(16, Math.ceil(Math.log2(4 * this.window)));
      this.seenHash = new Uint32Array(1 << bits);
      this.seenAt = new Uint32Array(1 << bits);
      this.seenShift = 33 - bits;
    }
    return (hash >>> this.seenShift) << 1;
  }

  /** Sends since send `at` (kept modulo 2^32). */
  private ago(at: number): number {
    return (this.sends - at) >>> 0;
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

/**
 * FNV-1a over the topic's UTF-16 code units, then MurmurHash3's finaliser: FNV alone leaves the top bits, which
 * pick the slot, alike for topics that differ only in their last characters (`b/10`, `b/11`). Never 0, which
 * marks an empty slot.
 */
function topicHash(topic: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < topic.length; i++) h = Math.imul(h ^ topic.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0 || 1;
}
