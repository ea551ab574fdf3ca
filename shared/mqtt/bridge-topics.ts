import { checkTopicFilter } from './topic-rules';

/** One forwarding rule, as mosquitto's bridge `topic` line has it. */
export interface BridgeTopic {
  readonly pattern: string;
  readonly direction: 'in' | 'out' | 'both';
  readonly qos: 0 | 1 | 2;
  /** Prepended on this side: local topic = localPrefix + topic. */
  readonly localPrefix: string;
  /** Prepended on the remote side: remote topic = remotePrefix + topic. */
  readonly remotePrefix: string;
}

export type ParsedTopicLines = { readonly ok: true; readonly topics: BridgeTopic[] } | { readonly ok: false; readonly line: number; readonly message: string };

function unquote(word: string): string {
  return word === '""' ? '' : word;
}

/**
 * Reads mosquitto's bridge `topic` lines: `topic pattern [[[ out | in | both ] qos-level] local-prefix remote-prefix]`
 * (the leading word `topic` is optional; `""` is an empty prefix, which lets the pattern be empty too).
 */
export function parseBridgeTopicLines(text: string): ParsedTopicLines {
  const topics: BridgeTopic[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = (lines[i] ?? '').trim();
    if (raw === '' || raw.startsWith('#')) continue;
    const words = raw.split(/\s+/);
    if (words[0] === 'topic') words.shift();
    const [pattern = '', direction = 'out', qosText = '0', localPrefix = '', remotePrefix = ''] = words;
    const fail = (message: string): ParsedTopicLines => ({ ok: false, line: i + 1, message: `Line ${i + 1}: ${message}` });
    if (words.length > 5) return fail('too many words; expected: pattern [in|out|both [qos [local-prefix remote-prefix]]].');
    if (direction !== 'in' && direction !== 'out' && direction !== 'both') return fail(`direction must be in, out or both, not "${direction}".`);
    const qos = Number(qosText);
    if (qos !== 0 && qos !== 1 && qos !== 2) return fail(`QoS must be 0, 1 or 2, not "${qosText}".`);
    if (words.length === 4) return fail('give both a local and a remote prefix, or neither.');
    const p = unquote(pattern);
    const local = unquote(localPrefix);
    const remote = unquote(remotePrefix);
    for (const [what, filter] of [
      ['local', local + p],
      ['remote', remote + p],
    ] as const) {
      const check = checkTopicFilter(filter);
      if (!check.ok) return fail(`the ${what} filter "${filter}" is invalid: ${check.message}`);
    }
    if (/[+#]/.test(local + remote)) return fail('prefixes cannot contain wildcards.');
    topics.push({ pattern: p, direction, qos, localPrefix: local, remotePrefix: remote });
  }
  return { ok: true, topics };
}

/** Maps a topic received on one side to the other side's name, or undefined if the prefix doesn't fit. */
export function remapTopic(topic: string, fromPrefix: string, toPrefix: string): string | undefined {
  if (!topic.startsWith(fromPrefix)) return undefined;
  const mapped = toPrefix + topic.slice(fromPrefix.length);
  return mapped === '' ? undefined : mapped;
}
