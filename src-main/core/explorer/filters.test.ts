import { describe, expect, it } from 'vitest';
import { compileFilter, findNestedQuantifier, type CompiledFilter, type FilterSpec } from './filters';

function compiled(spec: FilterSpec): CompiledFilter {
  const result = compileFilter(spec);
  if (!result.ok) throw new Error(result.message);
  return result.filter;
}

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('compileFilter', () => {
  it('matches substrings case-insensitively on the topic', () => {
    const f = compiled({ mode: 'substring', pattern: 'Kitchen' });
    expect(f.matchesTopic('home/kitchen/temp')).toBe(true);
    expect(f.matchesTopic('home/KITCHEN')).toBe(true);
    expect(f.matchesTopic('home/garage')).toBe(false);
    expect(f.usesPayload).toBe(false);
    expect(f.matchesPayload(bytes('kitchen'))).toBe(false);
  });

  it('searches the payload text when asked to', () => {
    const f = compiled({ mode: 'substring', pattern: 'alarm', searchPayload: true });
    expect(f.usesPayload).toBe(true);
    expect(f.matchesPayload(bytes('{"state":"ALARM"}'))).toBe(true);
    expect(f.matchesPayload(bytes('{"state":"ok"}'))).toBe(false);
  });

  it('runs regular expressions on topics, case-insensitively', () => {
    const f = compiled({ mode: 'regex', pattern: '^sensors/\\d+/temp$' });
    expect(f.matchesTopic('sensors/12/temp')).toBe(true);
    expect(f.matchesTopic('SENSORS/3/TEMP')).toBe(true);
    expect(f.matchesTopic('sensors/x/temp')).toBe(false);
  });

  it('rejects an invalid regular expression with a clear message', () => {
    const result = compileFilter({ mode: 'regex', pattern: 'a(b' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.code).toBe('VALIDATION_ERROR');
    expect(result.message).toMatch(/^The regular expression is not valid: .*Unterminated group/);
  });

  it('rejects patterns that can backtrack catastrophically', () => {
    for (const pattern of ['(a+)+$', '(\\w*)*x', '((ab)+)+', '(x+){2,}']) {
      const result = compileFilter({ mode: 'regex', pattern });
      expect(result.ok, pattern).toBe(false);
      if (!result.ok) expect(result.message).toMatch(/exponential time/);
    }
    expect(findNestedQuantifier('(ab)+c*')).toBeUndefined();
    expect(findNestedQuantifier('[(a+)]+')).toBeUndefined();
    expect(findNestedQuantifier('\\(a+\\)+')).toBeUndefined();
  });

  it('caps how much of a very long topic a regular expression sees', () => {
    const f = compiled({ mode: 'regex', pattern: 'needle$' });
    expect(f.matchesTopic(`${'x'.repeat(5_000)}needle`)).toBe(false);
    expect(f.matchesTopic('short/needle')).toBe(true);
  });

  it('rejects overlong regular expressions', () => {
    const result = compileFilter({ mode: 'regex', pattern: 'a'.repeat(600) });
    expect(result.ok).toBe(false);
  });

  it('matches MQTT wildcard filters like a broker would', () => {
    const f = compiled({ mode: 'wildcard', pattern: 'home/+/temp' });
    expect(f.matchesTopic('home/kitchen/temp')).toBe(true);
    expect(f.matchesTopic('home//temp')).toBe(true);
    expect(f.matchesTopic('home/kitchen/temp/x')).toBe(false);
    expect(f.matchesTopic('home/temp')).toBe(false);

    const hash = compiled({ mode: 'wildcard', pattern: 'home/#' });
    expect(hash.matchesTopic('home')).toBe(true);
    expect(hash.matchesTopic('home/a/b/c')).toBe(true);
    expect(hash.matchesTopic('homes/a')).toBe(false);

    const exact = compiled({ mode: 'wildcard', pattern: 'a/b' });
    expect(exact.matchesTopic('a/b')).toBe(true);
    expect(exact.matchesTopic('a/bc')).toBe(false);
    expect(exact.matchesTopic('a')).toBe(false);

    const trailing = compiled({ mode: 'wildcard', pattern: 'a/+' });
    expect(trailing.matchesTopic('a/')).toBe(true);
    expect(trailing.matchesTopic('a')).toBe(false);
  });

  it('hides $ topics from leading wildcards as MQTT does', () => {
    expect(compiled({ mode: 'wildcard', pattern: '#' }).matchesTopic('$SYS/broker/uptime')).toBe(false);
    expect(compiled({ mode: 'wildcard', pattern: '+/broker/#' }).matchesTopic('$SYS/broker/uptime')).toBe(false);
    expect(compiled({ mode: 'wildcard', pattern: '$SYS/#' }).matchesTopic('$SYS/broker/uptime')).toBe(true);
  });

  it('rejects invalid wildcard filters with a TOPIC_ERROR', () => {
    for (const pattern of ['a/#/b', 'a/b+', '', 'x#', '$share/g/a']) {
      const result = compileFilter({ mode: 'wildcard', pattern });
      expect(result.ok, pattern).toBe(false);
      if (!result.ok) expect(result.code).toBe('TOPIC_ERROR');
    }
  });
});
