import { checkTopicName } from '../mqtt/topic-rules';
import { parseTemplate } from './template';

/** Each illegal form of a publish topic, named so the UI and tests can tell them apart. */
export type PublishTopicProblem =
  | 'empty'
  | 'single-level-wildcard'
  | 'multi-level-wildcard'
  | 'null-character'
  | 'invalid-utf16'
  | 'too-long'
  | 'bad-placeholder';

export interface PublishTopicCheck {
  readonly ok: boolean;
  readonly problem?: PublishTopicProblem;
  readonly message?: string;
  /** Allowed but worth a word: a leading `$` (brokers reserve those topics), empty levels, spaces at the ends. */
  readonly warning?: string;
}

/**
 * Checks a topic as the user types it in the composer: every illegal form has its own sentence,
 * and placeholders ({{counter}}, ...) are checked as placeholders, the rest as a topic name.
 */
export function checkPublishTopic(topic: string): PublishTopicCheck {
  const parsed = parseTemplate(topic);
  if (!parsed.ok) return { ok: false, problem: 'bad-placeholder', message: parsed.message };
  // Placeholders render to text without wildcards; check the literal parts with a neutral stand-in.
  const literal = parsed.template.parts.map((p) => (p.kind === 'text' ? p.text : 'x')).join('');
  if (literal.includes('+')) {
    return { ok: false, problem: 'single-level-wildcard', message: 'A publish topic cannot contain the wildcards + or #; this one has +, the single-level wildcard, which only subscriptions may use.' };
  }
  if (literal.includes('#')) {
    return { ok: false, problem: 'multi-level-wildcard', message: 'A publish topic cannot contain the wildcards + or #; this one has #, the multi-level wildcard, which only subscriptions may use.' };
  }
  const check = checkTopicName(literal);
  if (!check.ok) {
    const problem: PublishTopicProblem =
      check.problem === 'empty' || check.problem === 'null-character' || check.problem === 'invalid-utf16' || check.problem === 'too-long' ? check.problem : 'empty';
    return { ok: false, problem, message: check.message ?? 'Invalid topic.' };
  }
  if (literal.startsWith('$')) return { ok: true, warning: 'Topics starting with $ are reserved by brokers ($SYS, ...); many refuse publishes to them.' };
  if (literal !== literal.trim()) return { ok: true, warning: 'The topic starts or ends with a space; MQTT keeps it as part of the name.' };
  if (literal.split('/').some((level) => level === '') && literal !== '/') {
    return { ok: true, warning: 'The topic has an empty level (a leading, trailing or doubled /); it is legal but easy to mistype.' };
  }
  return { ok: true };
}
