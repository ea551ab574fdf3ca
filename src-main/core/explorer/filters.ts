import { checkTopicFilter, topicMatchesFilter } from '../../../shared/mqtt/topic-rules';

/** What the user typed into the tree's filter box, and how to read it. */
export interface FilterSpec {
  readonly mode: 'substring' | 'regex' | 'wildcard';
  readonly pattern: string;
  /**
   * Also match the last payload's text (substring mode only): regular expressions run on
   * topics alone so a pathological pattern cannot meet a 50 MB payload.
   */
  readonly searchPayload?: boolean;
}

/** A filter ready to run against topics (and payloads, when it uses them). */
export interface CompiledFilter {
  readonly spec: FilterSpec;
  readonly usesPayload: boolean;
  matchesTopic(topic: string): boolean;
  matchesPayload(payload: Uint8Array): boolean;
}

export type FilterErrorCode = 'VALIDATION_ERROR' | 'TOPIC_ERROR';

export type FilterResult =
  | { readonly ok: true; readonly filter: CompiledFilter }
  | { readonly ok: false; readonly code: FilterErrorCode; readonly message: string };

/** Longest regular expression accepted. */
export const MAX_REGEX_LENGTH = 512;
/** Topic characters a regular expression sees; longer topics are matched on their start. */
export const REGEX_TOPIC_CAP = 1_024;
/** Payload bytes a substring search looks at. */
export const PAYLOAD_SEARCH_CAP = 16 * 1024;

const decoder = new TextDecoder('utf-8');

/** Checks and compiles a filter; an invalid one comes back as an error a person can fix. */
export function compileFilter(spec: FilterSpec): FilterResult {
  switch (spec.mode) {
    case 'substring':
      return compileSubstring(spec);
    case 'regex':
      return compileRegex(spec);
    case 'wildcard':
      return compileWildcard(spec);
    default:
      return assertNever(spec.mode);
  }
}

function compileSubstring(spec: FilterSpec): FilterResult {
  const needle = spec.pattern.toLowerCase();
  const usesPayload = spec.searchPayload === true;
  return {
    ok: true,
    filter: {
      spec,
      usesPayload,
      matchesTopic: (topic) => topic.toLowerCase().includes(needle),
      matchesPayload: (payload) => usesPayload && payloadText(payload).toLowerCase().includes(needle),
    },
  };
}

function compileRegex(spec: FilterSpec): FilterResult {
  if (spec.pattern.length > MAX_REGEX_LENGTH) {
    return fail('VALIDATION_ERROR', `The regular expression is ${spec.pattern.length} characters long; shorten it to ${MAX_REGEX_LENGTH} or fewer.`);
  }
  const risky = findNestedQuantifier(spec.pattern);
  if (risky !== undefined) {
    return fail(
      'VALIDATION_ERROR',
      `The regular expression repeats a group that itself repeats (${risky}); that can take exponential time. Remove the inner or outer repetition.`,
    );
  }
  let re: RegExp;
  try {
    re = new RegExp(spec.pattern, 'i');
  } catch (error) {
    const why = error instanceof Error ? error.message.replace(/^Invalid regular expression: /, '') : String(error);
    return fail('VALIDATION_ERROR', `The regular expression is not valid: ${why}. Fix it or switch to a plain-text filter.`);
  }
  return {
    ok: true,
    filter: {
      spec,
      usesPayload: false,
      matchesTopic: (topic) => re.test(topic.length > REGEX_TOPIC_CAP ? topic.slice(0, REGEX_TOPIC_CAP) : topic),
      matchesPayload: () => false,
    },
  };
}

function compileWildcard(spec: FilterSpec): FilterResult {
  const check = checkTopicFilter(spec.pattern);
  if (!check.ok) return fail('TOPIC_ERROR', check.message ?? 'The MQTT topic filter is not valid.');
  if (spec.pattern.startsWith('$share/')) {
    return fail('TOPIC_ERROR', 'A shared subscription ($share/...) names a group, not topics; filter with the part after the group name.');
  }
  return {
    ok: true,
    filter: { spec, usesPayload: false, matchesTopic: (topic) => topicMatchesFilter(spec.pattern, topic), matchesPayload: () => false },
  };
}

/**
 * Finds a quantified group whose body is itself quantified, like `(a+)+` or `(\w*)*`:
 * the shape behind catastrophic backtracking. Returns the offending text, or undefined.
 */
export function findNestedQuantifier(pattern: string): string | undefined {
  const stack: { start: number; quantified: boolean }[] = [];
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') {
      inClass = true;
      continue;
    }
    if (c === '(') {
      stack.push({ start: i, quantified: false });
      continue;
    }
    const next = pattern[i + 1];
    if (c === ')') {
      const group = stack.pop();
      if (group === undefined) continue;
      const outer = next === '+' || next === '*' || (next === '{' && /^\{\d*,/.test(pattern.slice(i + 1)));
      if (outer && group.quantified) return pattern.slice(group.start, i + 2);
      if (group.quantified && stack.length > 0) stack[stack.length - 1]!.quantified = true;
      continue;
    }
    if ((c === '+' || c === '*' || (c === '{' && /^\{\d*,/.test(pattern.slice(i)))) && stack.length > 0) {
      stack[stack.length - 1]!.quantified = true;
    }
  }
  return undefined;
}

function payloadText(payload: Uint8Array): string {
  return decoder.decode(payload.length > PAYLOAD_SEARCH_CAP ? payload.subarray(0, PAYLOAD_SEARCH_CAP) : payload);
}

function fail(code: FilterErrorCode, message: string): FilterResult {
  return { ok: false, code, message };
}

function assertNever(value: never): never {
  throw new Error(`Unexpected filter mode: ${String(value)}`);
}
