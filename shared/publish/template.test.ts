import { describe, expect, it } from 'vitest';
import { parseTemplate, randomUuid, renderTemplate, type TemplateContext } from './template';

const context = (overrides: Partial<TemplateContext> = {}): TemplateContext => ({
  now: Date.UTC(2026, 10, 22, 10, 0, 0, 123),
  counter: 7,
  random: () => 0.5,
  uuid: () => '00000000-0000-4000-8000-000000000000',
  ...overrides,
});

function render(text: string, overrides: Partial<TemplateContext> = {}): string {
  const parsed = parseTemplate(text);
  if (!parsed.ok) throw new Error(parsed.message);
  return renderTemplate(parsed.template, context(overrides));
}

function problem(text: string): string {
  const parsed = parseTemplate(text);
  if (parsed.ok) throw new Error(`expected ${text} to fail`);
  return parsed.message;
}

describe('templates', () => {
  it('fills {{timestamp}} with epoch milliseconds', () => {
    expect(render('t={{timestamp}}')).toBe(`t=${Date.UTC(2026, 10, 22, 10, 0, 0, 123)}`);
  });

  it('fills {{iso}} with an ISO 8601 time', () => {
    expect(render('{{iso}}')).toBe('2026-11-22T10:00:00.123Z');
  });

  it('fills {{uuid}} from the context, and the live context gives a v4 uuid', () => {
    expect(render('{{uuid}}')).toBe('00000000-0000-4000-8000-000000000000');
    const parsed = parseTemplate('{{uuid}}');
    if (!parsed.ok) throw new Error('parse');
    expect(renderTemplate(parsed.template, { ...context(), uuid: randomUuid })).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('fills {{counter}} with the message number', () => {
    expect(render('n{{counter}}/{{counter}}', { counter: 42 })).toBe('n42/42');
  });

  it('keeps {{randomInt MIN MAX}} within both bounds, inclusive', () => {
    expect(render('{{randomInt 1 10}}', { random: () => 0 })).toBe('1');
    expect(render('{{randomInt 1 10}}', { random: () => 0.999999 })).toBe('10');
    expect(render('{{randomInt -5 -5}}')).toBe('-5');
  });

  it('gives {{randomFloat MIN MAX DIGITS}} with the asked decimals', () => {
    expect(render('{{randomFloat 0 1 2}}', { random: () => 0.12345 })).toBe('0.12');
    expect(render('{{randomFloat 10 20 0}}', { random: () => 0.5 })).toBe('15');
    expect(render('{{randomFloat 0 1}}', { random: () => 0.25 })).toBe('0.25');
  });

  it('picks one word of {{pick ...}}, with quoted words kept whole', () => {
    expect(render('{{pick on off}}', { random: () => 0 })).toBe('on');
    expect(render('{{pick on off}}', { random: () => 0.99 })).toBe('off');
    expect(render('{{pick "a b" c}}', { random: () => 0 })).toBe('a b');
  });

  it('leaves text without placeholders alone and marks it static', () => {
    const parsed = parseTemplate('{"a": 1}');
    expect(parsed.ok && parsed.template.dynamic).toBe(false);
    expect(render('{"a": {"b": 1}}')).toBe('{"a": {"b": 1}}');
  });

  it('writes a literal {{ for \\{{', () => {
    expect(render('\\{{counter}}')).toBe('{{counter}}');
  });

  it('explains an unknown placeholder, an unclosed one, and wrong arguments, each in its own words', () => {
    expect(problem('{{temperature}}')).toContain('Unknown placeholder {{temperature}}');
    expect(problem('a {{counter')).toContain('never closed');
    expect(problem('{{randomInt 1}}')).toContain('{{randomInt MIN MAX}}');
    expect(problem('{{randomInt 1.5 3}}')).toContain('whole numbers');
    expect(problem('{{randomInt 9 3}}')).toContain('minimum is larger');
    expect(problem('{{pick}}')).toContain('at least one choice');
    expect(problem('{{uuid 4}}')).toContain('takes no arguments');
    expect(problem('{{}}')).toContain('empty placeholder');
    expect(problem('{{pick "a}}')).toContain('unclosed quote');
  });

  it('reports where the bad placeholder starts', () => {
    const parsed = parseTemplate('abc {{nope}}');
    expect(parsed.ok === false && parsed.at).toBe(4);
  });
});
