// Placeholders filled at send time, in topics and payloads. Parsed once, rendered per message, so a
// burst of 100,000 messages pays for the parse a single time.

/** What a rendering may draw on; injected so tests (and repeat jobs) control time, counters and chance. */
export interface TemplateContext {
  /** Milliseconds since the epoch for this message. */
  readonly now: number;
  /** 1 for the first message of a job (or a single send), then 2, 3, ... */
  readonly counter: number;
  /** A number in [0, 1). */
  random(): number;
  uuid(): string;
}

type Part =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'timestamp' }
  | { readonly kind: 'iso' }
  | { readonly kind: 'uuid' }
  | { readonly kind: 'counter' }
  | { readonly kind: 'randomInt'; readonly min: number; readonly max: number }
  | { readonly kind: 'randomFloat'; readonly min: number; readonly max: number; readonly digits: number }
  | { readonly kind: 'pick'; readonly choices: readonly string[] };

/** A parsed template. */
export interface Template {
  readonly parts: readonly Part[];
  /** False when the text has no placeholders: its output never changes. */
  readonly dynamic: boolean;
}

/** Where a template failed to parse, and why, in words a person can act on. */
export interface TemplateProblem {
  readonly ok: false;
  readonly message: string;
  /** Offset of the offending `{{` in the text. */
  readonly at: number;
}

export type TemplateParse = { readonly ok: true; readonly template: Template } | TemplateProblem;

/** The placeholders, for the UI's help text. */
export const PLACEHOLDER_HELP: readonly (readonly [string, string])[] = [
  ['{{timestamp}}', 'milliseconds since 1970 (epoch ms)'],
  ['{{iso}}', 'the time as ISO 8601, e.g. 2026-11-22T10:00:00.000Z'],
  ['{{uuid}}', 'a random UUID v4'],
  ['{{counter}}', '1, 2, 3, ... per send (per connection and topic, until reset) or per job'],
  ['{{randomInt 1 10}}', 'a whole number from 1 to 10, both included'],
  ['{{randomFloat 0 1 2}}', 'a number from 0 to 1 with 2 decimals'],
  ['{{pick a b "c d"}}', 'one of the listed words (quote words with spaces)'],
  ['\\{{', 'a literal {{'],
];

const NUMBER = /^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;

/** Splits the inside of a placeholder into words; double quotes group words with spaces. */
function words(inside: string): string[] | null {
  const out: string[] = [];
  const re = /\s*(?:"((?:[^"\\]|\\.)*)"|([^\s"]\S*))/y;
  let m: RegExpExecArray | null;
  let consumed = 0;
  while ((m = re.exec(inside)) !== null) {
    if (m[0].length === 0) break;
    out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : (m[2] as string));
    consumed = re.lastIndex;
  }
  if (inside.slice(consumed).trim().length > 0) return null;
  return out;
}

function placeholder(inside: string, at: number): Part | TemplateProblem {
  const w = words(inside);
  const bad = (message: string): TemplateProblem => ({ ok: false, message, at });
  if (w === null) return bad(`The placeholder {{${inside}}} has an unclosed quote.`);
  const [name, ...args] = w;
  const numbers = (count: number, usage: string): number[] | TemplateProblem => {
    if (args.length !== count || !args.every((a) => NUMBER.test(a))) return bad(`Write ${usage}; got {{${inside}}}.`);
    return args.map(Number);
  };
  switch (name) {
    case 'timestamp':
    case 'iso':
    case 'uuid':
    case 'counter':
      if (args.length > 0) return bad(`{{${name}}} takes no arguments; got {{${inside}}}.`);
      return { kind: name };
    case 'randomInt': {
      const n = numbers(2, '{{randomInt MIN MAX}} with two whole numbers, e.g. {{randomInt 1 10}}');
      if (!Array.isArray(n)) return n;
      const [min, max] = n as [number, number];
      if (!Number.isInteger(min) || !Number.isInteger(max)) return bad(`{{randomInt}} needs whole numbers; got {{${inside}}}.`);
      if (min > max) return bad(`{{randomInt ${min} ${max}}}: the minimum is larger than the maximum.`);
      return { kind: 'randomInt', min, max };
    }
    case 'randomFloat': {
      const n = args.length === 2 ? numbers(2, '{{randomFloat MIN MAX DECIMALS}}') : numbers(3, '{{randomFloat MIN MAX DECIMALS}}, e.g. {{randomFloat 0 1 2}}');
      if (!Array.isArray(n)) return n;
      const [min, max, digits = 2] = n as [number, number, number?];
      if (min > max) return bad(`{{randomFloat ${min} ${max}}}: the minimum is larger than the maximum.`);
      if (!Number.isInteger(digits) || digits < 0 || digits > 15) return bad(`{{randomFloat}} takes 0 to 15 decimals; got ${digits}.`);
      return { kind: 'randomFloat', min, max, digits };
    }
    case 'pick':
      if (args.length === 0) return bad('{{pick}} needs at least one choice, e.g. {{pick on off}}.');
      return { kind: 'pick', choices: args };
    case undefined:
      return bad('An empty placeholder {{}}; use one of timestamp, iso, uuid, counter, randomInt, randomFloat, pick.');
    default:
      return bad(`Unknown placeholder {{${name}}}; use one of timestamp, iso, uuid, counter, randomInt, randomFloat, pick (write \\{{ for a literal {{).`);
  }
}

/** Parses a text with placeholders; `\{{` stands for a literal `{{`. */
export function parseTemplate(text: string): TemplateParse {
  const parts: Part[] = [];
  let literal = '';
  let i = 0;
  let dynamic = false;
  while (i < text.length) {
    const open = text.indexOf('{{', i);
    if (open === -1) {
      literal += text.slice(i);
      break;
    }
    if (open > 0 && text[open - 1] === '\\') {
      literal += text.slice(i, open - 1) + '{{';
      i = open + 2;
      continue;
    }
    literal += text.slice(i, open);
    const close = text.indexOf('}}', open + 2);
    if (close === -1) return { ok: false, message: 'A placeholder opened with {{ is never closed with }} (write \\{{ for a literal {{).', at: open };
    const part = placeholder(text.slice(open + 2, close).trim(), open);
    if ('ok' in part) return part;
    if (literal.length > 0) parts.push({ kind: 'text', text: literal });
    literal = '';
    parts.push(part);
    dynamic = true;
    i = close + 2;
  }
  if (literal.length > 0) parts.push({ kind: 'text', text: literal });
  return { ok: true, template: { parts, dynamic } };
}

function fixed(value: number, digits: number): string {
  return value.toFixed(digits);
}

/** Fills a parsed template for one message. */
export function renderTemplate(template: Template, context: TemplateContext): string {
  let out = '';
  for (const part of template.parts) {
    switch (part.kind) {
      case 'text':
        out += part.text;
        break;
      case 'timestamp':
        out += String(context.now);
        break;
      case 'iso':
        out += new Date(context.now).toISOString();
        break;
      case 'uuid':
        out += context.uuid();
        break;
      case 'counter':
        out += String(context.counter);
        break;
      case 'randomInt':
        out += String(part.min + Math.floor(context.random() * (part.max - part.min + 1)));
        break;
      case 'randomFloat':
        out += fixed(part.min + context.random() * (part.max - part.min), part.digits);
        break;
      case 'pick':
        out += part.choices[Math.min(part.choices.length - 1, Math.floor(context.random() * part.choices.length))] as string;
        break;
    }
  }
  return out;
}

/** Web Crypto's uuid; both runtimes have it, though shared/ compiles without DOM or Node typings. */
export function randomUuid(): string {
  return (globalThis as unknown as { readonly crypto: { randomUUID(): string } }).crypto.randomUUID();
}

/** A context with the real clock and chance; the counter is the caller's. */
export function liveContext(counter: number): TemplateContext {
  return {
    now: Date.now(),
    counter,
    random: Math.random,
    uuid: randomUuid,
  };
}
