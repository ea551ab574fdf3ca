import { QlobberDedup } from 'qlobber';
import { startsWithWildcard, topicLevelsMatch } from '../../../shared/mqtt/topic-rules';
import type { QoS, SubscriptionInfo } from './types';

/** One client's subscription, as stored in its session and in the index. */
export interface Subscription {
  readonly kind: 'single';
  readonly clientId: string;
  /** The filter as subscribed, `$share/...` prefix included. */
  readonly filter: string;
  /** The filter used for matching (shared prefix removed). */
  readonly matchFilter: string;
  readonly qos: QoS;
  readonly noLocal: boolean;
  readonly retainAsPublished: boolean;
  readonly retainHandling: 0 | 1 | 2;
  readonly subscriptionId: number | undefined;
  readonly share: string | undefined;
  readonly wildcardFirst: boolean;
}

/** All members of one `$share/group/filter`; one of them receives each message, in turn. */
export interface SharedGroup {
  readonly kind: 'shared';
  readonly key: string;
  readonly matchFilter: string;
  readonly members: Subscription[];
  next: number;
  readonly wildcardFirst: boolean;
}

export type IndexEntry = Subscription | SharedGroup;

const NO_ENTRIES: readonly IndexEntry[] = Object.freeze([]);

/** Topics whose match results are kept (beyond them, matching is done each time). */
const MATCH_CACHE_TOPICS = 4096;

/**
 * Up to this many entries (subscriptions plus shared groups), a topic is matched by walking each filter against it
 * rather than through qlobber. A flood over more distinct topics than the cache holds (the benches publish over 10,000
 * after 10,000 retained ones) missed the cache on every message, and qlobber's split, Set and Array.from made about a
 * tenth of all the bytes web mode's core allocated at 50,000 msg/s. Most brokers here are small (a workbench, the
 * app's own `#`), so the scan answers without allocating; qlobber stays for many subscriptions, where its trie walk
 * beats checking every filter. 30 keeps the bitmask of matched entries within a small integer (V8's 31-bit Smi under
 * pointer compression, as in Electron), so looking it up never boxes a number.
 */
export const SCAN_ENTRIES = 30;

/** Distinct sets of matched entries whose arrays are kept; a topic crafted to hit new sets gets a fresh array. */
const MASK_RESULTS = 1024;

/** Topic → subscriptions matcher: a linear scan while small, qlobber's deduplicating trie beyond. */
export class SubscriptionIndex {
  private readonly trie = new QlobberDedup<IndexEntry>({
    separator: '/',
    wildcard_one: '+',
    wildcard_some: '#',
    match_empty_levels: true,
    // MQTT puts no limit on levels or '#' count beyond the packet size.
    max_words: 65535,
    max_wildcard_somes: 65535,
  });
  private readonly groups = new Map<string, SharedGroup>();
  /** Every entry in the order it was added (the scan's order); kept beyond the scan limit to rebuild the scan below it. */
  private readonly entries = new Set<IndexEntry>();
  private count = 0;
  /**
   * Match results of recent topics: a device publishes to the same few topics over and over, and qlobber splits the
   * topic and walks the trie every time. Emptied whenever a subscription changes; capped so a flood of distinct
   * topics costs a map lookup, not memory.
   */
  private readonly cache = new Map<string, readonly IndexEntry[]>();
  /** The entries the scan walks, bit i of a match's mask standing for scan[i]; undefined beyond SCAN_ENTRIES. */
  private scan: IndexEntry[] | undefined = [];
  /** One frozen array per set of matched entries seen, so a steady flood allocates no result. */
  private readonly byMask = new Map<number, readonly IndexEntry[]>();

  get size(): number {
    return this.count;
  }

  add(sub: Subscription): void {
    this.count++;
    if (sub.share === undefined) {
      this.trie.add(sub.matchFilter, sub);
      this.entries.add(sub);
    } else {
      const key = `${sub.share}\u0000${sub.matchFilter}`;
      let group = this.groups.get(key);
      if (!group) {
        group = { kind: 'shared', key, matchFilter: sub.matchFilter, members: [], next: 0, wildcardFirst: startsWithWildcard(sub.matchFilter) };
        this.groups.set(key, group);
        this.trie.add(sub.matchFilter, group);
        this.entries.add(group);
      }
      group.members.push(sub);
    }
    this.changed();
  }

  remove(sub: Subscription): void {
    this.count--;
    if (sub.share === undefined) {
      this.trie.remove(sub.matchFilter, sub);
      this.entries.delete(sub);
    } else {
      const key = `${sub.share}\u0000${sub.matchFilter}`;
      const group = this.groups.get(key);
      if (group) {
        const i = group.members.indexOf(sub);
        if (i >= 0) group.members.splice(i, 1);
        if (group.members.length === 0) {
          this.groups.delete(key);
          this.trie.remove(sub.matchFilter, group);
          this.entries.delete(group);
        }
      }
    }
    this.changed();
  }

  /** Entries whose filter matches `topic`, each once; callers skip `wildcardFirst` entries for `$` topics. */
  match(topic: string): readonly IndexEntry[] {
    const scan = this.scan;
    if (scan !== undefined) return this.scanMatch(scan, topic);
    const cached = this.cache.get(topic);
    if (cached !== undefined) return cached;
    const entries = Array.from(this.trie.match(topic));
    // Long topics are not kept: a client could otherwise pin megabytes of topic names here.
    if (this.cache.size < MATCH_CACHE_TOPICS && topic.length <= 256) this.cache.set(topic, entries);
    return entries;
  }

  private scanMatch(scan: readonly IndexEntry[], topic: string): readonly IndexEntry[] {
    let mask = 0;
    for (let i = 0; i < scan.length; i++) if (topicLevelsMatch(scan[i]!.matchFilter, topic)) mask |= 1 << i;
    if (mask === 0) return NO_ENTRIES;
    let entries = this.byMask.get(mask);
    if (entries === undefined) {
      entries = Object.freeze(scan.filter((_, i) => (mask & (1 << i)) !== 0));
      if (this.byMask.size < MASK_RESULTS) this.byMask.set(mask, entries);
    }
    return entries;
  }

  private changed(): void {
    this.cache.clear();
    this.byMask.clear();
    this.scan = this.entries.size <= SCAN_ENTRIES ? Array.from(this.entries) : undefined;
  }
}

/** Creates a subscription record. */
export function createSubscription(
  clientId: string,
  filter: string,
  matchFilter: string,
  share: string | undefined,
  opts: { qos: QoS; noLocal: boolean; retainAsPublished: boolean; retainHandling: 0 | 1 | 2; subscriptionId: number | undefined },
): Subscription {
  return {
    kind: 'single',
    clientId,
    filter,
    matchFilter,
    share,
    wildcardFirst: startsWithWildcard(matchFilter),
    ...opts,
  };
}

/** A subscription as the UI lists it and persistence stores it. */
export function subscriptionInfo(s: Subscription): SubscriptionInfo {
  return {
    filter: s.filter,
    qos: s.qos,
    noLocal: s.noLocal,
    retainAsPublished: s.retainAsPublished,
    retainHandling: s.retainHandling,
    ...(s.subscriptionId !== undefined ? { subscriptionId: s.subscriptionId } : {}),
  };
}
