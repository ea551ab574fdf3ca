import { describe, expect, it } from 'vitest';
import { checkPublishTopic } from './publish-topic-check';

describe('publish topic check', () => {
  it('accepts an ordinary topic and one with placeholders', () => {
    expect(checkPublishTopic('plant/line-1/temp').ok).toBe(true);
    expect(checkPublishTopic('devices/{{counter}}/state').ok).toBe(true);
  });

  it.each([
    ['', 'empty', 'empty'],
    ['sensors/+/temp', 'single-level-wildcard', 'has +, the single-level wildcard'],
    ['sensors/#', 'multi-level-wildcard', 'has #, the multi-level wildcard'],
    ['a\u0000b', 'null-character', 'null character'],
    ['bad\ud800', 'invalid-utf16', 'broken Unicode'],
    ['x'.repeat(65_536), 'too-long', '65535'],
    ['a/{{nope}}', 'bad-placeholder', 'Unknown placeholder'],
  ])('refuses %j as %s with its own sentence', (topic, problem, words) => {
    const check = checkPublishTopic(topic);
    expect(check.ok).toBe(false);
    expect(check.problem).toBe(problem);
    expect(check.message).toContain(words);
  });

  it('gives each illegal form a different message', () => {
    const messages = ['', 'a/+', 'a/#', 'a\u0000', 'a\udc00', 'y'.repeat(70_000), '{{x}}'].map((t) => checkPublishTopic(t).message);
    expect(new Set(messages).size).toBe(messages.length);
  });

  it('warns about reserved $ topics and empty levels without refusing them', () => {
    expect(checkPublishTopic('$SYS/x')).toMatchObject({ ok: true, warning: expect.stringContaining('reserved') });
    expect(checkPublishTopic('a//b')).toMatchObject({ ok: true, warning: expect.stringContaining('empty level') });
  });
});
