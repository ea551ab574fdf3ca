import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../test-support/seeded-random';
import { createSubscription, SCAN_ENTRIES, SubscriptionIndex, type IndexEntry, type Subscription } from './subscription-index';

const opts = { qos: 1 as const, noLocal: false, retainAsPublished: false, retainHandling: 0 as const, subscriptionId: undefined };

/** Levels drawn from few words, so random filters and topics often meet: empty levels, `$SYS`, a leading `$`. */
const WORDS = ['a', 'b', '', '$SYS', '$x'];

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

function randomFilter(random: () => number): string {
  for (;;) {
    const levels: string[] = [];
    const n = 1 + Math.floor(random() * 4);
    for (let i = 0; i < n; i++) levels.push(random() < 0.3 ? '+' : pick(random, WORDS));
    if (random() < 0.3) levels.push('#');
    const filter = levels.join('/');
    if (filter !== '') return filter;
  }
}

function randomTopic(random: () => number): string {
  for (;;) {
    const levels: string[] = [];
    const n = 1 + Math.floor(random() * 5);
    for (let i = 0; i < n; i++) levels.push(pick(random, WORDS));
    const topic = levels.join('/');
    if (topic !== '') return topic;
  }
}

function randomSubscription(random: () => number, clientId: string): Subscription {
  const filter = randomFilter(random);
  if (random() < 0.25) {
    const share = pick(random, ['g1', 'g2']);
    return createSubscription(clientId, `$share/${share}/${filter}`, filter, share, opts);
  }
  return createSubscription(clientId, filter, filter, undefined, opts);
}

/** What an entry stands for, the same in any index: the client, or the shared group's name and filter. */
function label(e: IndexEntry | Subscription): string {
  if (e.kind === 'shared') return `group ${e.key.replace('\u0000', ' ')}`;
  return e.share === undefined ? `${e.clientId} ${e.filter}` : `group ${e.share} ${e.matchFilter}`;
}

function labels(entries: readonly IndexEntry[]): string[] {
  return entries.map(label).sort();
}

/** An index holding `subs` and more entries than the scan takes, none of which any topic here matches: qlobber answers. */
function trieIndex(subs: readonly Subscription[]): SubscriptionIndex {
  const index = new SubscriptionIndex();
  for (let i = 0; i <= SCAN_ENTRIES; i++) index.add(createSubscription(`pad${i}`, `pad/${i}`, `pad/${i}`, undefined, opts));
  for (const s of subs) index.add(s);
  return index;
}

describe('the subscription index', () => {
  it('answers a repeated topic from its cache and still sees every subscription added or removed since', () => {
    const index = new SubscriptionIndex();
    const a = createSubscription('a', 'dev/+/temp', 'dev/+/temp', undefined, opts);
    const b = createSubscription('b', 'dev/#', 'dev/#', undefined, opts);
    expect(index.match('dev/1/temp')).toEqual([]);
    index.add(a);
    expect(index.match('dev/1/temp')).toEqual([a]);
    expect(index.match('dev/1/temp')).toEqual([a]);
    index.add(b);
    expect(new Set(index.match('dev/1/temp'))).toEqual(new Set([a, b]));
    index.remove(a);
    expect(index.match('dev/1/temp')).toEqual([b]);
    index.remove(b);
    expect(index.match('dev/1/temp')).toEqual([]);
  });

  it('matches topics beyond its cache the same way', () => {
    const index = trieIndex([]);
    const all = createSubscription('a', '#', '#', undefined, opts);
    index.add(all);
    for (let i = 0; i < 5_000; i++) expect(index.match(`t/${i}`)).toEqual([all]);
    expect(index.match(`long/${'x'.repeat(1_000)}`)).toEqual([all]);
  });

  it('gives the same entries from its scan as from qlobber, for random filters and topics', () => {
    const seed = 20261207;
    const random = seededRandom(seed);
    let cases = 0;
    let matched = 0;
    for (let round = 0; round < 300; round++) {
      const subs: Subscription[] = [];
      const n = 1 + Math.floor(random() * SCAN_ENTRIES);
      for (let i = 0; i < n; i++) subs.push(randomSubscription(random, `c${i}`));
      const small = new SubscriptionIndex();
      for (const s of subs) small.add(s);
      const trie = trieIndex(subs);
      // The scan hands out one array per set of entries; seeing that proves the scan answered.
      const bySet = new Map<string, readonly IndexEntry[]>();
      for (let t = 0; t < 40; t++) {
        const topic = randomTopic(random);
        const got = small.match(topic);
        const want = labels(trie.match(topic));
        expect(labels(got), `seed ${seed}, round ${round}, topic "${topic}", filters ${subs.map((s) => s.filter).join(' | ')}`).toEqual(want);
        const key = want.join('\n');
        expect(got).toBe(bySet.get(key) ?? got);
        bySet.set(key, got);
        cases++;
        if (want.length > 0) matched++;
      }
    }
    expect(cases).toBe(12_000);
    // Guards the generator: most cases must match something, or the comparison proves little.
    expect(matched).toBeGreaterThan(cases / 2);
  });

  it('stays right while subscriptions cross the scan limit up and down', () => {
    const random = seededRandom(7);
    const topics = Array.from({ length: 60 }, () => randomTopic(random));
    const live: Subscription[] = [];
    const index = new SubscriptionIndex();
    const check = (when: string): void => {
      const trie = trieIndex(live);
      for (const topic of topics) expect(labels(index.match(topic)), `${when}, "${topic}"`).toEqual(labels(trie.match(topic)));
    };
    for (let i = 0; i < SCAN_ENTRIES + 6; i++) {
      const sub = randomSubscription(random, `c${i}`);
      index.add(sub);
      live.push(sub);
      check(`after adding ${live.length}`);
    }
    while (live.length > 0) {
      const [sub] = live.splice(Math.floor(random() * live.length), 1);
      index.remove(sub!);
      check(`after removing down to ${live.length}`);
    }
  });

  it('answers a steady flood with arrays it already has, one per set of matching entries', () => {
    const index = new SubscriptionIndex();
    index.add(createSubscription('a', 'dev/+/temp', 'dev/+/temp', undefined, opts));
    index.add(createSubscription('b', 'dev/#', 'dev/#', undefined, opts));
    index.add(createSubscription('c', '$share/g/dev/+/temp', 'dev/+/temp', 'g', opts));
    index.add(createSubscription('d', '$share/g/dev/+/temp', 'dev/+/temp', 'g', opts));
    const first = index.match('dev/1/temp');
    expect(labels(first)).toEqual(['a dev/+/temp', 'b dev/#', 'group g dev/+/temp']);
    expect(index.match('dev/1/temp')).toBe(first);
    // Topics never seen before, matching the same entries: no new array, though none of them is cached by name.
    for (let i = 2; i < 10_000; i++) expect(index.match(`dev/${i}/temp`)).toBe(first);
    const other = index.match('dev/1/humidity');
    expect(labels(other)).toEqual(['b dev/#']);
    expect(index.match('dev/2/humidity')).toBe(other);
    expect(index.match('elsewhere/1')).toBe(index.match('elsewhere/2'));
  });
});
