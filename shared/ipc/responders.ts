import { z } from 'zod';
import { type Deleted, QosSchema, TopicFilterSchema, TopicNameSchema } from './common';
import { request } from './define';

const SCRIPT_MAX = 200_000;

/** How a rule computes its response: a template with the composer's placeholders, or a script returning the payload. */
export const ResponderResponseSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('template'), payload: z.string().max(1_000_000) }).strict(),
  z.object({ kind: z.literal('script'), source: z.string().max(SCRIPT_MAX) }).strict(),
]);
export type ResponderResponse = z.output<typeof ResponderResponseSchema>;

export const ResponderIdSchema = z.string().min(1).max(100);

/** A rule as the user edits it: when a message matches `filter` (and `predicate`), publish the response. */
export const ResponderRuleSchema = z
  .object({
    filter: TopicFilterSchema,
    enabled: z.boolean().default(true),
    /** A script returning true to answer this message. */
    predicate: z.string().max(SCRIPT_MAX).optional(),
    response: ResponderResponseSchema,
    /** A fixed topic to answer on; without it, the request's MQTT 5 response topic, with its correlation data. */
    topic: TopicNameSchema.optional(),
    qos: QosSchema.default(0),
    retain: z.boolean().default(false),
    contentType: z.string().max(1_000).optional(),
    /** Responses per second at most (a burst of as many); more are counted, not sent. */
    perSecond: z.number().positive('The rate limit must be above 0 responses per second.').max(1_000, 'A rule answers at most 1,000 times a second.').default(10),
  })
  .strict();
export type ResponderRule = z.output<typeof ResponderRuleSchema>;

export const SaveResponderArgsSchema = ResponderRuleSchema.extend({
  /** Replaces this rule (keeping its place); absent adds a new one at the end. */
  id: ResponderIdSchema.optional(),
}).strict();

/** What a rule has done since it was last put in force (saving any rule starts every count afresh). */
export interface ResponderCountersInfo {
  /** Messages on its filter. */
  readonly matched: number;
  readonly responded: number;
  /** Its predicate said no, or its script returned nothing. */
  readonly declined: number;
  /** No fixed topic and the request had no response topic. */
  readonly noResponseTopic: number;
  readonly rateLimited: number;
  readonly failed: number;
  readonly lastError: string | null;
}

/** A saved rule, whether it is in force, and its counters. Rules answer messages of every open connection, on that connection. */
export interface ResponderInfo extends ResponderRule {
  readonly id: string;
  /** Why the rule is not in force (a bad template, a script that does not compile), with where. */
  readonly problem: { readonly message: string; readonly line?: number; readonly column?: number } | null;
  readonly counters: ResponderCountersInfo;
}

export const respondersRequests = {
  'responders.list': request<readonly ResponderInfo[]>()(z.object({}).strict()),
  /** Stores a rule even when it has a problem (the user's work is kept); the answer says the problem. */
  'responders.save': request<ResponderInfo>()(SaveResponderArgsSchema),
  'responders.delete': request<Deleted>()(z.object({ id: ResponderIdSchema }).strict()),
  /** Switches a rule on or off, keeping its counters. */
  'responders.setEnabled': request<ResponderInfo>()(z.object({ id: ResponderIdSchema, enabled: z.boolean() }).strict()),
} as const;

export interface RespondersEvents {
  /** The rules changed, or their counters moved (said at most twice a second). */
  readonly 'responders.changed': readonly ResponderInfo[];
}
