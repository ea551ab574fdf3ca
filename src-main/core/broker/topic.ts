/** Topic name and filter rules from MQTT 5.0 section 4.7 (same in 3.1.1). */

/** A parsed `$share/{group}/{filter}` subscription. */
export interface SharedFilter {
  readonly group: string;
  readonly filter: string;
}

/** True when a PUBLISH topic name is acceptable: non-empty, no wildcards, no U+0000. */
export function isValidTopicName(topic: string): boolean {
  if (topic.length === 0) return false;
  for (let i = 0; i < topic.length; i++) {
    const c = topic.charCodeAt(i);
    // '+' (43), '#' (35) and NUL are forbidden in names; U+FFFD marks bytes that were not UTF-8.
    if (c === 43 || c === 35 || c === 0 || c === 0xfffd) return false;
  }
  return true;
}

/** True when a subscription filter is well formed ('#' last and alone, '+' alone in its level). */
export function isValidTopicFilter(filter: string): boolean {
  if (filter.length === 0) return false;
  const len = filter.length;
  for (let i = 0; i < len; i++) {
    const c = filter.charCodeAt(i);
    if (c === 0 || c === 0xfffd) return false;
    if (c === 43) {
      if ((i > 0 && filter.charCodeAt(i - 1) !== 47) || (i < len - 1 && filter.charCodeAt(i + 1) !== 47)) return false;
    } else if (c === 35) {
      if (i !== len - 1 || (i > 0 && filter.charCodeAt(i - 1) !== 47)) return false;
    }
  }
  return true;
}

/** Splits a shared subscription; undefined for an ordinary filter, null for a malformed shared one. */
export function parseSharedFilter(filter: string): SharedFilter | undefined | null {
  if (!filter.startsWith('$share/')) return undefined;
  const rest = filter.slice(7);
  const slash = rest.indexOf('/');
  if (slash <= 0) return null;
  const group = rest.slice(0, slash);
  const inner = rest.slice(slash + 1);
  if (group.includes('+') || group.includes('#') || !isValidTopicFilter(inner)) return null;
  return { group, filter: inner };
}

/** True when every topic matched by `inner` is also matched by `outer` (ACL subscribe checks). */
export function filterCovers(outer: string, inner: string): boolean {
  const o = outer.split('/');
  const n = inner.split('/');
  for (let i = 0; i < o.length; i++) {
    const ol = o[i];
    if (ol === '#') return true;
    const nl = n[i];
    if (nl === undefined) return false;
    if (nl === '#') return false;
    if (ol === '+') continue;
    if (nl === '+' || nl !== ol) return false;
  }
  return o.length === n.length;
}
