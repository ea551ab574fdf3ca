import { QlobberDedup } from 'qlobber';
import { startsWithWildcard } from '../../../shared/mqtt/topic-rules';
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

const NO_ENTRIES: readonly IndexEntry[] = [];

/** Topics whose match results are kept (beyond them, matching is done each time). */
const MATCH_CACHE_TOPICS = 4096;

/** Topic → subscriptions matcher on qlobber's deduplicating trie. */
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
  private count = 0;
  /**
   * Match results of recent topics: a device publishes to the same few topics over and over, and qlobber splits the
   * topic and walks the trie every time. Emptied whenever a subscription changes; capped so a flood of distinct
   * topics costs a map lookup, not memory.
   */
  private readonly cache = new Map<string, readonly IndexEntry[]>();

  get size(): number {
    return this.count;
  }

  add(sub: Subscription): void {
    this.count++;
    this.cache.clear();
    if (sub.share === undefined) {
      this.trie.add(sub.matchFilter, sub);
      return;
    }
    const key = `${sub.share}\u0000${sub.matchFilter}`;
    let group = this.groups.get(key);
    if (!group) {
      group = { kind: 'shared', key, matchFilter: sub.matchFilter, members: [], next: 0, wildcardFirst: startsWithWildcard(sub.matchFilter) };
      this.groups.set(key, group);
      this.trie.add(sub.matchFilter, group);
    }
    group.members.push(sub);
  }

  remove(sub: Subscription): void {
    this.count--;
    this.cache.clear();
    if (sub.share === undefined) {
      this.trie.remove(sub.matchFilter, sub);
      return;
    }
    const key = `${sub.share}\u0000${sub.matchFilter}`;
    const group = this.groups.get(key);
    if (!group) return;
    const i = group.members.indexOf(sub);
    if (i >= 0) group.members.splice(i, 1);
    if (group.members.length === 0) {
      this.groups.delete(key);
      this.trie.remove(sub.matchFilter, group);
    }
  }

  /** Entries whose filter matches `topic`, each once; callers skip `wildcardFirst` entries for `$` topics. */
  match(topic: string): readonly IndexEntry[] {
    const cached = this.cache.get(topic);
    if (cached !== undefined) return cached;
    const entries = this.count === 0 ? NO_ENTRIES : Array.from(this.trie.match(topic));
    // Long topics are not kept: a client could otherwise pin megabytes of topic names here.
    if (this.cache.size < MATCH_CACHE_TOPICS && topic.length <= 256) this.cache.set(topic, entries);
    return entries;
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
