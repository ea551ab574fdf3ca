import { z } from 'zod';
import { checkTopicFilter, checkTopicName } from '../mqtt/topic-rules';
import { issueCode } from './define';

/** Identifies one live connection; branded so a topic string can't be passed by mistake. */
export type ConnectionId = string & { readonly __brand: 'ConnectionId' };

export const ConnectionIdSchema = z
  .string()
  .min(1, 'A connection id is required.')
  .max(200)
  .transform((s) => s as ConnectionId);

export const BytesSchema = z.instanceof(Uint8Array, { message: 'Expected binary data (bytes).' });

export const QosSchema = z
  .number({ message: 'QoS must be a number: 0, 1 or 2.' })
  .refine((q) => q === 0 || q === 1 || q === 2, {
    message: 'QoS must be 0 (at most once), 1 (at least once) or 2 (exactly once).',
    ...issueCode('QOS_ERROR'),
  })
  .transform((q) => q as 0 | 1 | 2);

export type Qos = 0 | 1 | 2;

export const TopicNameSchema = z.string({ message: 'A topic is required.' }).superRefine((topic, ctx) => {
  const check = checkTopicName(topic);
  if (!check.ok) ctx.addIssue({ code: 'custom', message: check.message ?? 'Invalid topic.', ...issueCode('TOPIC_ERROR') });
});

export const TopicFilterSchema = z.string({ message: 'A topic filter is required.' }).superRefine((filter, ctx) => {
  const check = checkTopicFilter(filter);
  if (!check.ok) ctx.addIssue({ code: 'custom', message: check.message ?? 'Invalid topic filter.', ...issueCode('TOPIC_ERROR') });
});

export const UserPropertiesSchema = z.array(z.tuple([z.string(), z.string()])).max(1000);

/** MQTT 5 publish properties as they arrive or are sent. */
export const PublishPropertiesSchema = z
  .object({
    payloadFormatIndicator: z.boolean().optional(),
    messageExpiryInterval: z.number().int().min(0).max(0xffffffff).optional(),
    contentType: z.string().optional(),
    responseTopic: TopicNameSchema.optional(),
    correlationData: BytesSchema.optional(),
    userProperties: UserPropertiesSchema.optional(),
    topicAlias: z.number().int().min(1).max(0xffff).optional(),
    subscriptionIdentifiers: z.array(z.number().int()).optional(),
  })
  .strict();

/** MQTT 5 publish properties of a message (what the schema above accepts, read-only). */
export interface MessageProperties {
  readonly payloadFormatIndicator?: boolean;
  readonly messageExpiryInterval?: number;
  readonly contentType?: string;
  readonly responseTopic?: string;
  readonly correlationData?: Uint8Array;
  readonly userProperties?: readonly (readonly [string, string])[];
  readonly topicAlias?: number;
  readonly subscriptionIdentifiers?: readonly number[];
}

/** One message as the core saw it. */
export interface MessageView {
  readonly topic: string;
  readonly payload: Uint8Array;
  readonly qos: Qos;
  readonly retain: boolean;
  readonly dup: boolean;
  readonly receivedAt: number;
  readonly properties?: MessageProperties;
}

/** What every delete and clear answers: how many things went (0 when nothing matched and that is not an error). */
export interface Deleted {
  readonly deleted: number;
}

/** What every `export…` request of a text format answers: a file the user can save as it is. */
export interface ExportedText {
  readonly fileName: string;
  readonly mediaType: string;
  readonly text: string;
}

/** What every `export…` request of a binary format answers. */
export interface ExportedBytes {
  readonly fileName: string;
  readonly mediaType: string;
  readonly bytes: Uint8Array;
}
