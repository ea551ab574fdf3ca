import { describe, expect, it } from 'vitest';
import { checkTopicFilter, checkTopicName, topicMatchesFilter, utf8Length } from './topic-rules';

describe('checkTopicName', () => {
  it('accepts ordinary topics, empty levels and $-topics', () => {
    for (const t of ['a', 'a/b/c', '/leading', 'a//b', '$SYS/broker/uptime', 'ünïcödé/🌿']) expect(checkTopicName(t).ok).toBe(true);
  });

  it('gives each illegal form its own problem and sentence', () => {
    expect(checkTopicName('')).toMatchObject({ ok: false, problem: 'empty' });
    expect(checkTopicName('a/+/b')).toMatchObject({ ok: false, problem: 'wildcard-in-name' });
    expect(checkTopicName('a/#')).toMatchObject({ ok: false, problem: 'wildcard-in-name' });
    expect(checkTopicName('a\u0000b')).toMatchObject({ ok: false, problem: 'null-character' });
    expect(checkTopicName('x'.repeat(65_536))).toMatchObject({ ok: false, problem: 'too-long' });
    expect(checkTopicName('bad\ud800')).toMatchObject({ ok: false, problem: 'invalid-utf16' });
    expect(checkTopicName('a/+').message).toMatch(/cannot contain the wildcards/);
  });

  it('counts the length in UTF-8 bytes, not characters', () => {
    expect(utf8Length('é')).toBe(2);
    expect(utf8Length('🌿')).toBe(4);
    expect(checkTopicName('é'.repeat(32_768)).problem).toBe('too-long');
  });
});

describe('checkTopicFilter', () => {
  it('accepts well-placed wildcards and shared subscriptions', () => {
    for (const f of ['#', '+', 'a/+/c', 'a/#', '+/+/#', '$share/g/a/#', '$SYS/#']) expect(checkTopicFilter(f).ok).toBe(true);
  });

  it('refuses misplaced wildcards and malformed shared subscriptions', () => {
    expect(checkTopicFilter('a/#/b').problem).toBe('misplaced-multi-level-wildcard');
    expect(checkTopicFilter('a#').problem).toBe('misplaced-multi-level-wildcard');
    expect(checkTopicFilter('a/b+').problem).toBe('misplaced-single-level-wildcard');
    expect(checkTopicFilter('$share/g').problem).toBe('invalid-shared-subscription');
    expect(checkTopicFilter('$share//a').problem).toBe('invalid-shared-subscription');
  });
});

describe('topicMatchesFilter', () => {
  it('matches topics the way the specification examples say', () => {
    expect(topicMatchesFilter('sport/tennis/player1/#', 'sport/tennis/player1')).toBe(true);
    expect(topicMatchesFilter('sport/tennis/player1/#', 'sport/tennis/player1/ranking')).toBe(true);
    expect(topicMatchesFilter('sport/#', 'sport')).toBe(true);
    expect(topicMatchesFilter('sport/+', 'sport')).toBe(false);
    expect(topicMatchesFilter('sport/+', 'sport/')).toBe(true);
    expect(topicMatchesFilter('+/+', '/finance')).toBe(true);
    expect(topicMatchesFilter('/+', '/finance')).toBe(true);
    expect(topicMatchesFilter('+', '/finance')).toBe(false);
    expect(topicMatchesFilter('#', '$SYS/x')).toBe(false);
    expect(topicMatchesFilter('+/x', '$SYS/x')).toBe(false);
    expect(topicMatchesFilter('$SYS/#', '$SYS/x')).toBe(true);
    expect(topicMatchesFilter('a/b', 'a/b')).toBe(true);
    expect(topicMatchesFilter('a/b', 'a/bc')).toBe(false);
    expect(topicMatchesFilter('a/b', 'a')).toBe(false);
  });

  it('matches by level and hides $-topics from leading wildcards', () => {
    expect(topicMatchesFilter('a/+/c', 'a/b/c')).toBe(true);
    expect(topicMatchesFilter('a/#', 'a')).toBe(true);
    expect(topicMatchesFilter('a/+', 'a/b/c')).toBe(false);
    expect(topicMatchesFilter('#', '$SYS/x')).toBe(false);
    expect(topicMatchesFilter('+/x', '$SYS/x')).toBe(false);
    expect(topicMatchesFilter('$SYS/#', '$SYS/x')).toBe(true);
  });

  it('matches a filter ending in an empty level only to a topic ending in one', () => {
    expect(topicMatchesFilter('a/', 'a/')).toBe(true);
    expect(topicMatchesFilter('+/', 'x/')).toBe(true);
    expect(topicMatchesFilter('/', '/')).toBe(true);
    expect(topicMatchesFilter('a/', 'a')).toBe(false);
    expect(topicMatchesFilter('a/', 'a/b')).toBe(false);
    expect(topicMatchesFilter('a/+/', 'a//')).toBe(true);
  });
});
