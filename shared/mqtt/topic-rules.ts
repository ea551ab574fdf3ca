// Topic rules from MQTT 5.0 §4.7 and 3.1.1 §4.7: shared by the UI (validate as you type)
// and the core (validate where a request enters).

/** The most bytes a topic may take in UTF-8 ([MQTT-1.5.4-1]: a UTF-8 string is at most 65,535 bytes). */
export const MAX_TOPIC_BYTES = 65_535;

export type TopicProblem =
  | 'empty'
  | 'wildcard-in-name'
  | 'null-character'
  | 'too-long'
  | 'invalid-utf16'
  | 'misplaced-multi-level-wildcard'
  | 'misplaced-single-level-wildcard'
  | 'invalid-shared-subscription';

export interface TopicCheck {
  readonly ok: boolean;
  readonly problem?: TopicProblem;
  readonly message?: string;
}

const OK: TopicCheck = { ok: true };

function fail(problem: TopicProblem, message: string): TopicCheck {
  return { ok: false, problem, message };
}

/** UTF-8 length without TextEncoder allocation for the common ASCII case. */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

function hasLoneSurrogate(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return true;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) return true;
  }
  return false;
}

function commonChecks(text: string, what: string): TopicCheck {
  if (text.length === 0) return fail('empty', `The ${what} is empty; it needs at least one character.`);
  if (text.includes('\u0000')) return fail('null-character', `The ${what} contains a null character (U+0000), which MQTT forbids.`);
  if (hasLoneSurrogate(text)) return fail('invalid-utf16', `The ${what} contains a broken Unicode character that cannot be sent as UTF-8.`);
  const bytes = utf8Length(text);
  if (bytes > MAX_TOPIC_BYTES) return fail('too-long', `The ${what} is ${bytes} bytes long in UTF-8; MQTT allows at most ${MAX_TOPIC_BYTES}.`);
  return OK;
}

/** Checks a topic a message is published to: no wildcards ([MQTT-3.3.2-2]). */
export function checkTopicName(topic: string): TopicCheck {
  const common = commonChecks(topic, 'topic');
  if (!common.ok) return common;
  if (topic.includes('+') || topic.includes('#')) {
    return fail('wildcard-in-name', 'A publish topic cannot contain the wildcards + or #; they are only for subscriptions.');
  }
  return OK;
}

/** Checks a subscription filter ([MQTT-4.7.1-1], [MQTT-4.7.1-2], [MQTT-4.8.2-1]). */
export function checkTopicFilter(filter: string): TopicCheck {
  const common = commonChecks(filter, 'topic filter');
  if (!common.ok) return common;
  let levels = filter.split('/');
  if (levels[0] === '$share') {
    if (levels.length < 3 || levels[1] === '' || /[+#]/.test(levels[1] ?? '')) {
      return fail('invalid-shared-subscription', 'A shared subscription needs the form $share/<group>/<filter>, with a group name that has no wildcards.');
    }
    levels = levels.slice(2);
  }
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i] ?? '';
    if (level.includes('#') && (level !== '#' || i !== levels.length - 1)) {
      return fail('misplaced-multi-level-wildcard', 'The # wildcard must stand alone as the last level of a filter, as in sensors/#.');
    }
    if (level.includes('+') && level !== '+') {
      return fail('misplaced-single-level-wildcard', 'The + wildcard must fill a whole level, as in sensors/+/temperature.');
    }
  }
  return OK;
}

/**
 * Whether a topic name matches a filter, with $-topics hidden from leading wildcards ([MQTT-4.7.2-1]). The one matcher
 * the broker (retained scan, ACL), the explorer's filters and the client use; it walks both strings without splitting
 * them, since the broker calls it for every retained message a subscription scans.
 */
export function topicMatchesFilter(filter: string, topic: string): boolean {
  if (topic.charCodeAt(0) === 36 /* $ */ && startsWithWildcard(filter)) return false;
  return topicLevelsMatch(filter, topic);
}

/**
 * Whether a topic name's levels match a filter's ('+' matching an empty level too), without the $-topic rule: for
 * the broker's subscription index, whose caller applies that rule itself.
 */
export function topicLevelsMatch(filter: string, topic: string): boolean {
  let fi = 0;
  let ti = 0;
  const fl = filter.length;
  const tl = topic.length;
  while (fi < fl) {
    const fc = filter.charCodeAt(fi);
    if (fc === 35 /* # */) return true;
    if (fc === 43 /* + */) {
      while (ti < tl && topic.charCodeAt(ti) !== 47) ti++;
      fi++;
    } else {
      const fEnd = nextSlash(filter, fi);
      const tEnd = nextSlash(topic, ti);
      if (ti > tl || fEnd - fi !== tEnd - ti) return false;
      for (let k = 0; k < fEnd - fi; k++) if (filter.charCodeAt(fi + k) !== topic.charCodeAt(ti + k)) return false;
      fi = fEnd;
      ti = tEnd;
    }
    // Both sides are now at a separator or at their end.
    if (fi >= fl) return ti >= tl;
    // The filter goes on: "a/#" also matches "a".
    if (ti >= tl) return filter.charCodeAt(fi + 1) === 35 && fi + 2 === fl;
    fi++;
    ti++;
  }
  // The filter ended in an empty level ("a/"): so must the topic.
  return ti >= tl;
}

/** True when the filter's first level is a wildcard, which must not match `$` topics. */
export function startsWithWildcard(filter: string): boolean {
  const c = filter.charCodeAt(0);
  return c === 43 || c === 35;
}

function nextSlash(s: string, from: number): number {
  const i = s.indexOf('/', from);
  return i === -1 ? s.length : i;
}
