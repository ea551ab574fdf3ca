import { describe, expect, it } from 'vitest';
import { OutboundAliases } from './outbound-aliases';

/** Sends `topic` as the broker does: choose, write, commit. */
function send(a: OutboundAliases, topic: string, onePass = false): { alias: number; withTopic: boolean } | undefined {
  const choice = a.choose(topic, onePass);
  a.commit(topic, choice);
  return choice && { alias: choice.alias, withTopic: choice.withTopic };
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

  it('passes the least recently used alias on only once it went unused for twice as many sends as there are aliases', () => {
    const a = new OutboundAliases(2);
    send(a, 'a'); // 1
    send(a, 'b'); // 2
    send(a, 'a'); // a is now the newer one; b (alias 2) the least recently used, last used on send 2
    expect(send(a, 'c')).toBeUndefined(); // send 4: 2 sends since b's use, not more than 4
    expect(send(a, 'c')).toBeUndefined();
    expect(send(a, 'c')).toBeUndefined(); // send 6: 4 since, still not more than 4
    expect(send(a, 'c')).toEqual({ alias: 2, withTopic: true }); // send 7: 5 since
    expect(send(a, 'c')).toEqual({ alias: 2, withTopic: false });
    // b lost its alias: it goes in full again, and a keeps its own.
    expect(send(a, 'a')).toEqual({ alias: 1, withTopic: false });
    expect(send(a, 'b')).toBeUndefined();
  });

  it('keeps the order of use as topics are sent again', () => {
    const a = new OutboundAliases(2);
    send(a, 'a'); // 1
    send(a, 'b'); // 2
    for (let i = 0; i < 10; i++) send(a, 'b'); // a, last used on send 1, is the least recently used
    expect(send(a, 'c')).toEqual({ alias: 1, withTopic: true });
    expect(send(a, 'b')).toEqual({ alias: 2, withTopic: false });
    expect(send(a, 'a')).toBeUndefined();
  });

  it('gives a one-pass send only free aliases', () => {
    const a = new OutboundAliases(1);
    expect(send(a, 'r1', true)).toEqual({ alias: 1, withTopic: true });
    for (let i = 0; i < 10; i++) expect(send(a, `r${i + 2}`, true)).toBeUndefined();
    expect(send(a, 'r1')).toEqual({ alias: 1, withTopic: false });
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
