/**
 * Schema issues as sentences a person reads: "Subscription 1: QoS must be 0 (at most once), …" rather than
 * "subscriptions.0.qos: Invalid input". The contract's own messages (written for people) are kept and placed after
 * where the problem is; zod's generic ones are rewritten from the issue's facts.
 */
import type { z } from 'zod';

type Issue = z.core.$ZodIssue;

/** Field names people know by another spelling; the rest are split from camelCase. */
const FIELD_NAMES: Readonly<Record<string, string>> = {
  qos: 'QoS',
  url: 'URL',
  urls: 'URLs',
  id: 'ID',
  jobId: 'job ID',
  clientId: 'client id',
  connectionId: 'connection',
  profileId: 'profile',
  keepalive: 'keep-alive',
  tlsCa: 'TLS CA',
  tlsCert: 'TLS certificate',
  tlsKey: 'TLS key',
  tlsPkcs12: 'TLS PKCS#12 file',
  sni: 'SNI server name',
  alpn: 'ALPN protocols',
  pem: 'PEM text',
  ttlMs: 'time to live (ms)',
  timeoutMs: 'timeout (ms)',
  intervalMs: 'interval (ms)',
  ratePerSecond: 'rate per second',
  noLocal: 'no local',
  retainAsPublished: 'retain as published',
  retainHandling: 'retain handling',
  subscriptionIdentifier: 'subscription identifier',
  messageExpiryInterval: 'message expiry interval',
  sessionExpiryInterval: 'session expiry interval',
  userProperties: 'user properties',
  protocolVersion: 'MQTT version',
  caId: 'CA',
};

/** Singular names for list items ("Subscription 1"); English plurals the simple rule does not undo. */
const SINGULAR: Readonly<Record<string, string>> = { properties: 'property', userProperties: 'user property', entries: 'entry', identities: 'identity', urls: 'URL', brokers: 'broker' };

function words(key: string): string {
  return FIELD_NAMES[key] ?? key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/[_-]+/g, ' ').toLowerCase();
}

function singular(key: string): string {
  const known = SINGULAR[key];
  if (known) return known;
  const w = words(key);
  if (w.endsWith('ies')) return `${w.slice(0, -3)}y`;
  if (w.endsWith('ses')) return w.slice(0, -2);
  return w.endsWith('s') ? w.slice(0, -1) : w;
}

function capital(text: string): string {
  return text.length > 0 && /[a-z]/.test(text[0] as string) ? text[0]!.toUpperCase() + text.slice(1) : text;
}

/** Where the problem is ("Subscription 1", "Will, user property 2") and the field's own name, if the path ends in one. */
function place(path: readonly PropertyKey[]): { readonly where: string; readonly field: string | null } {
  const parts: string[] = [];
  let field: string | null = null;
  path.forEach((segment, i) => {
    if (typeof segment === 'number') return;
    const key = String(segment);
    const next = path[i + 1];
    if (typeof next === 'number') parts.push(`${singular(key)} ${next + 1}`);
    else if (i === path.length - 1) field = words(key);
    else parts.push(words(key));
  });
  // A list item that is itself wrong ("subscriptions.0" is not an object) is the field.
  if (field === null && parts.length > 0) field = parts.pop() ?? null;
  return { where: parts.map(capital).join(', '), field };
}

const TYPE_NAMES: Readonly<Record<string, string>> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'yes or no (true or false)',
  object: 'a set of fields',
  array: 'a list',
  bigint: 'a whole number',
  date: 'a date',
};

function quoted(value: unknown): string {
  return typeof value === 'string' ? `"${value}"` : String(value);
}

function orList(values: readonly string[]): string {
  if (values.length <= 1) return values.join('');
  return `${values.slice(0, -1).join(', ')} or ${values[values.length - 1]}`;
}

/** zod's own wording ("Invalid input: expected string…"), as opposed to a sentence the contract wrote. */
function isGeneric(issue: Issue): boolean {
  if (issue.code === 'custom') return false;
  return /^(Invalid|Too (small|big)|Unrecognized key|Expected)/i.test(issue.message);
}

/** What the value must be, from a generic issue's facts ("must be a number", "must be at most 65535"). */
function requirement(issue: Issue, named: boolean): string {
  switch (issue.code) {
    case 'invalid_type':
      return named && /received undefined$/.test(issue.message) ? 'is required' : `must be ${TYPE_NAMES[issue.expected] ?? issue.expected}`;
    case 'too_small': {
      const min = Number(issue.minimum);
      if (issue.origin === 'string') return min <= 1 ? 'must not be empty' : `must be at least ${min} characters long`;
      if (issue.origin === 'array' || issue.origin === 'set') return min <= 1 ? 'must have at least one entry' : `must have at least ${min} entries`;
      return issue.inclusive === false ? `must be more than ${min}` : `must be at least ${min}`;
    }
    case 'too_big': {
      const max = Number(issue.maximum);
      if (issue.origin === 'string') return `must be at most ${max} characters long`;
      if (issue.origin === 'array' || issue.origin === 'set') return `must have at most ${max} entries`;
      if (issue.origin === 'file') return `must be at most ${max} bytes`;
      return issue.inclusive === false ? `must be less than ${max}` : `must be at most ${max}`;
    }
    case 'invalid_value':
      return `must be ${orList(issue.values.map(quoted))}`;
    case 'invalid_format':
      return issue.format === 'regex' ? 'is not in the expected form' : `must be a valid ${issue.format}`;
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}`;
    case 'invalid_union':
      return 'is not one of the accepted forms';
    case 'invalid_key':
    case 'invalid_element':
      return 'holds a value that is not accepted';
    case 'unrecognized_keys':
    case 'custom':
      return 'is not valid';
  }
}

/** One issue as one sentence, ending in a full stop. */
export function issueSentence(issue: Issue): string {
  const { where, field } = place(issue.path);
  const prefix = where === '' ? '' : `${where}: `;
  let sentence: string;
  if (issue.code === 'unrecognized_keys') {
    const names = issue.keys.map((k) => `"${k}"`);
    sentence = `${names.length === 1 ? 'Unknown field' : 'Unknown fields'} ${names.join(', ')}${field ? ` in ${field}` : ''}`;
  } else if (!isGeneric(issue)) {
    sentence = issue.message;
  } else {
    sentence = `${field ?? 'The request'} ${requirement(issue, field !== null)}`;
  }
  const text = `${prefix}${capital(sentence)}`;
  return /[.!?]$/.test(text) ? text : `${text}.`;
}
