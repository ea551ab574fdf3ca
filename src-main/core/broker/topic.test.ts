import { describe, expect, it } from 'vitest';
import { filterCovers, isValidTopicFilter, isValidTopicName, parseSharedFilter } from './topic';

describe('topic rules', () => {
  it('accepts plain names and rejects wildcards, NUL and empty names', () => {
    expect(isValidTopicName('a/b')).toBe(true);
    expect(isValidTopicName('/')).toBe(true);
    expect(isValidTopicName('a/+')).toBe(false);
    expect(isValidTopicName('a#')).toBe(false);
    expect(isValidTopicName('a\u0000b')).toBe(false);
    expect(isValidTopicName('')).toBe(false);
  });

  it('accepts well-formed filters and rejects misplaced wildcards', () => {
    for (const f of ['#', '+', 'a/+/b', 'a/#', '+/+', '/+', 'sport/tennis/#']) expect(isValidTopicFilter(f), f).toBe(true);
    for (const f of ['a/#/b', 'a#', 'a+', '+a', 'a/b#', '']) expect(isValidTopicFilter(f), f).toBe(false);
  });

  it('parses shared subscriptions and rejects malformed ones', () => {
    expect(parseSharedFilter('$share/g/a/#')).toEqual({ group: 'g', filter: 'a/#' });
    expect(parseSharedFilter('a/b')).toBeUndefined();
    expect(parseSharedFilter('$share/g')).toBeNull();
    expect(parseSharedFilter('$share//a')).toBeNull();
  });

  it('knows when one filter covers another', () => {
    expect(filterCovers('a/#', 'a/b/+')).toBe(true);
    expect(filterCovers('a/+', 'a/b')).toBe(true);
    expect(filterCovers('a/+', 'a/#')).toBe(false);
    expect(filterCovers('a/b', 'a/+')).toBe(false);
    expect(filterCovers('#', '#')).toBe(true);
  });
});
