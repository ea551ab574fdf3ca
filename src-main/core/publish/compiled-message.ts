import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { TopiaryError } from '../../../shared/ipc/errors';
import type { ComposedMessageSchema } from '../../../shared/ipc/publish';
import { checkPublishTopic } from '../../../shared/publish/publish-topic-check';
import { parseTemplate, renderTemplate, type Template, type TemplateContext } from '../../../shared/publish/template';
import { checkTopicName } from '../../../shared/mqtt/topic-rules';
import { encodePayload, specText } from './payload-encoder';

export type ParsedComposedMessage = z.output<typeof ComposedMessageSchema>;

/** One message ready to hand to the connection. */
export interface RenderedMessage {
  readonly topic: string;
  readonly payload: Uint8Array<ArrayBuffer>;
  /** The payload's text with placeholders filled, before encoding (a file has none): what a payload script reads. */
  readonly text?: string;
}

/** A composed message with its templates parsed once; `render` fills it for the nth message. */
export interface CompiledMessage {
  readonly message: ParsedComposedMessage;
  /** True when every render gives the same bytes (no placeholders): bursts reuse one buffer. */
  readonly fixed: boolean;
  render(counter: number, context?: Partial<TemplateContext>): RenderedMessage;
}

function compileText(text: string, enabled: boolean, what: string, code: 'TOPIC_ERROR' | 'PAYLOAD_ERROR'): Template | string {
  if (!enabled) return text;
  const parsed = parseTemplate(text);
  if (!parsed.ok) throw new TopiaryError(code, `The ${what} has a bad placeholder at character ${parsed.at + 1}: ${parsed.message}`, { at: parsed.at });
  return parsed.template.dynamic ? parsed.template : text;
}

function fill(template: Template | string, context: TemplateContext): string {
  return typeof template === 'string' ? template : renderTemplate(template, context);
}

/** Checks a composed message and prepares it for many renders; throws TOPIC_ERROR or PAYLOAD_ERROR with a sentence. */
export function compileMessage(message: ParsedComposedMessage): CompiledMessage {
  if (message.template) {
    const check = checkPublishTopic(message.topic);
    if (!check.ok) throw new TopiaryError('TOPIC_ERROR', check.message ?? 'Invalid topic.', { problem: check.problem });
  }
  const topic = compileText(message.topic, message.template, 'topic', 'TOPIC_ERROR');
  const text = compileText(specText(message.payload), message.template && message.payload.form !== 'file', 'payload', 'PAYLOAD_ERROR');
  const fixedTopic = typeof topic === 'string';
  const fixedPayload = typeof text === 'string';
  const checkTopic = (rendered: string): string => {
    const check = checkTopicName(rendered);
    if (!check.ok) throw new TopiaryError('TOPIC_ERROR', check.message ?? 'Invalid topic.', { problem: check.problem, topic: rendered });
    return rendered;
  };
  // Encode what never changes now, so a mistake shows before anything is sent and bursts reuse the bytes.
  const staticTopic = fixedTopic ? checkTopic(topic) : undefined;
  const staticPayload = fixedPayload ? encodePayload(message.payload, text) : undefined;
  return {
    message,
    fixed: fixedTopic && fixedPayload,
    render(counter, overrides) {
      const context: TemplateContext = {
        now: overrides?.now ?? Date.now(),
        counter,
        random: overrides?.random ?? Math.random,
        uuid: overrides?.uuid ?? randomUUID,
      };
      const filled = fill(text, context);
      return {
        topic: staticTopic ?? checkTopic(fill(topic, context)),
        payload: staticPayload ?? encodePayload(message.payload, filled),
        ...(message.payload.form === 'file' ? {} : { text: filled }),
      };
    },
  };
}
