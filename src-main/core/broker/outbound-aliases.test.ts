import { describe, expect, it } from 'vitest';
import { OutboundAliases } from './outbound-aliases';

/** Sends `topic` as the broker does: choose, write, commit. */
function send(a: OutboundAliases, topic: string, onePass = false): { alias: number; withTopic: boolean } | undefined {
  const choice = a.choose(topic, onePass);
  a.commit(topic, choice);
  return choice && { alias: choice.alias, withTopic: choice.withTopic };
}

/** What a run of sends carried. */
interface Tally {
  sends: number;
  /** The alias alone. */
  aliasOnly: number;
  /** An alias and the topic, the alias having been another topic's before: the alias passed on. */
  passedOn: number;
  /** A free alias and the topic. */
  fresh: number;
  /** The topic without an alias. */
  full: number;
}

/** Aliases given out so far in a run of `flood`s. */
type Taken = Set<number>;

/** Sends `topics` in order; tallies what they carried by the topic's first level (`hot/7` counts under `hot`). */
function flood(a: OutboundAliases, topics: Iterable<string>, taken: Taken = new Set()): Record<string, Tally> {
  const tallies: Record<string, Tally> = {};
  for (const topic of topics) {
    const choice = send(a, topic);
    const t = (tallies[topic.slice(0, topic.indexOf('/'))] ??= { sends: 0, aliasOnly: 0, passedOn: 0, fresh: 0, full: 0 });
    t.sends++;
    if (choice === undefined) t.full++;
    else if (!choice.withTopic) t.aliasOnly++;
    else if (taken.has(choice.alias)) t.passedOn++;
    else {
      t.fresh++;
      taken.add(choice.alias);
    }
  }
  return tallies;
}

/** `rounds` rounds of `prefix`/0 .. `prefix`/(count - 1). */
function* roundRobin(prefix: string, count: number, rounds = 1, start = 0): Generator<string> {
  for (let r = 0; r < rounds; r++) for (let i = 0; i < count; i++) yield `${prefix}/${(start + i) % count}`;
}

/** Numbers in [0, 1), the same on every run. */
function seeded(seed: number): () => number {
  let s = seed;
  return () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 2 ** 32;
  };
}

describe('OutboundAliases', () => {
  it('gives new topics aliases 1..maximum, with the topic once, then the alias alone', () => {
    const a = new OutboundAliases(3);
    expect(send(a, 'a')).toEqual({ alias: 1, withTopic: true });
    expect(send(a, 'b')).toEqual({ alias: 2, withTopic: true });
    expect(send(a, 'a')).toEqual({ alias: 1, withTopic: false });
    expect(send(a, 'c')).toEqual({ alias: 3, withTopic: true });
    expect(send(a, 'b')).toEqual({ alias: 2, withTopic: false });
  });

  it('passes the least recently used alias on to a topic sent again within twice as many sends as there are aliases', () => {
    const a = new OutboundAliases(2);
    send(a, 'a'); // 1
    send(a, 'b'); // 2
    send(a, 'a'); // a is now the newer one; b (alias 2) the least recently used, last used on send 2
    expect(send(a, 'c')).toBeUndefined(); // send 4: c was never sent before
    for (let i = 0; i < 5; i++) send(a, 'a'); // sends 5..9
    expect(send(a, 'c')).toBeUndefined(); // send 10: c was last sent 6 sends ago, more than 4
    expect(send(a, 'c')).toEqual({ alias: 2, withTopic: true }); // send 11: 1 send ago, and b unused for 9
    expect(send(a, 'c')).toEqual({ alias: 2, withTopic: false });
    // b lost its alias: it goes in full again, and a keeps its own.
    expect(send(a, 'a')).toEqual({ alias: 1, withTopic: false });
    expect(send(a, 'b')).toBeUndefined();
  });

  it('keeps the alias of a topic due back sooner than the new one', () => {
    const a = new OutboundAliases(2);
    // a, b, c in turn: c comes back every 3 sends, but the least recently used alias was used 2 sends ago.
    expect(flood(a, roundRobin('t', 3, 10)).t).toEqual({ sends: 30, aliasOnly: 18, passedOn: 0, fresh: 2, full: 10 });
  });

  it('keeps the order of use as topics are sent again', () => {
    const a = new OutboundAliases(2);
    send(a, 'a'); // 1
    send(a, 'b'); // 2
    for (let i = 0; i < 10; i++) send(a, 'b'); // a, last used on send 1, is the least recently used
    expect(send(a, 'c')).toBeUndefined();
    expect(send(a, 'c')).toEqual({ alias: 1, withTopic: true });
    expect(send(a, 'b')).toEqual({ alias: 2, withTopic: false });
    expect(send(a, 'a')).toBeUndefined();
  });

  it('gives a one-pass send only free aliases', () => {
    const a = new OutboundAliases(1);
    expect(send(a, 'r1', true)).toEqual({ alias: 1, withTopic: true });
    for (let i = 0; i < 10; i++) expect(send(a, `r${i + 2}`, true)).toBeUndefined();
    expect(send(a, 'x')).toBeUndefined();
    expect(send(a, 'x', true)).toBeUndefined(); // sent just before, yet one pass passes no alias on
    expect(send(a, 'r1')).toEqual({ alias: 1, withTopic: false });
  });

  it('passes (almost) no alias on under a round robin over more topics than it has aliases', () => {
    const a = new OutboundAliases(100);
    const taken: Taken = new Set();
    expect(flood(a, roundRobin('t', 100), taken).t).toMatchObject({ fresh: 100 });
    // Three rounds over 10,000 topics: none comes back within 200 sends, so none takes an alias, and the first
    // 100 keep theirs.
    const t = flood(a, roundRobin('t', 10_000, 3, 100), taken).t!;
    expect(t.passedOn).toBeLessThan(t.sends / 1000);
    expect(t.aliasOnly).toBe(300);
  });

  it('passes few aliases on under a random flood over more topics than it has aliases', () => {
    const a = new OutboundAliases(100);
    const random = seeded(1);
    const taken: Taken = new Set();
    flood(a, roundRobin('t', 100), taken);
    const topics = Array.from({ length: 30_000 }, () => `t/${Math.floor(random() * 10_000)}`);
    // Only topics that happen to come back within 200 sends take an alias: about 2% of sends.
    expect(flood(a, topics, taken).t!.passedOn).toBeLessThan(30_000 * 0.04);
  });

  it('gives a hot set of topics aliases, and keeps them, under a round robin of cold topics', () => {
    const a = new OutboundAliases(100);
    const random = seeded(2);
    const cold = roundRobin('cold', 10_000, 10);
    const taken: Taken = new Set();
    // Cold topics take every alias first; then every other message is one of 50 hot topics, at random.
    flood(a, Array.from({ length: 200 }, () => cold.next().value!), taken);
    const mixed = (n: number): string[] =>
      Array.from({ length: n }, (_, i) => (i % 2 === 0 ? `hot/${Math.floor(random() * 50)}` : cold.next().value!));
    const first = flood(a, mixed(2_000), taken);
    expect(first.hot!.passedOn).toBeGreaterThanOrEqual(45); // nearly all 50 hot topics took an alias
    const later = flood(a, mixed(40_000), taken);
    expect(later.hot!.aliasOnly).toBeGreaterThan(later.hot!.sends * 0.97);
    expect(later.cold!.passedOn + later.cold!.fresh).toBeLessThan(later.cold!.sends / 100);
  });

  it('hands the aliases to a new working set soon after it replaces the old one', () => {
    const a = new OutboundAliases(100);
    const taken: Taken = new Set();
    expect(flood(a, roundRobin('a', 100, 10), taken).a).toMatchObject({ fresh: 100, aliasOnly: 900 });
    // b/0..b/99 are new on the first round, come back within 200 sends on the second and take a's aliases.
    expect(flood(a, roundRobin('b', 100, 2), taken).b).toMatchObject({ full: 100, passedOn: 100 });
    expect(flood(a, roundRobin('b', 100, 8), taken).b).toMatchObject({ aliasOnly: 800 });
  });

  it('answers a topic sent again with the same object, allocating nothing per send', () => {
    const a = new OutboundAliases(4);
    send(a, 'a');
    const first = a.choose('a');
    a.commit('a', first);
    expect(a.choose('a')).toBe(first);
  });

  it('a PUBLISH written without a commit leaves the aliases as they were', () => {
    const a = new OutboundAliases(2);
    const choice = a.choose('a');
    expect(choice).toEqual({ alias: 1, withTopic: true });
    // Dropped (too large for the client): not committed, so the next new topic takes alias 1.
    expect(send(a, 'b')).toEqual({ alias: 1, withTopic: true });
    expect(send(a, 'a')).toEqual({ alias: 2, withTopic: true });
  });
});
