import { z } from 'zod';
import { BytesSchema, ConnectionIdSchema, PublishPropertiesSchema, QosSchema, TopicNameSchema, type MessageView, type Deleted } from './common';
import { request } from './define';

/** The largest payload MQTT can carry in one packet (the remaining-length limit, less headers). */
export const MAX_PAYLOAD_BYTES = 268_435_455 - 65_535 - 8;

export const PublishArgsSchema = z
  .object({
    connectionId: ConnectionIdSchema,
    topic: TopicNameSchema,
    /** Text is sent as UTF-8; bytes as they are. */
    payload: z.union([z.string(), BytesSchema]).default(''),
    qos: QosSchema.default(0),
    retain: z.boolean().default(false),
    properties: PublishPropertiesSchema.optional(),
  })
  .strict();

export type PublishArgs = z.input<typeof PublishArgsSchema>;

export interface PublishResult {
  /** Packet id for QoS 1 and 2. */
  readonly packetId?: number;
  /** The broker's reason code from PUBACK or PUBREC (MQTT 5), 0 when accepted. */
  readonly reasonCode?: number;
  /** Milliseconds from sending to the final acknowledgement (0 for QoS 0). */
  readonly roundTripMs: number;
  /** True when the connection was down: the message waits in order and goes out on reconnect. */
  readonly queued?: boolean;
}

const TEXT_LIMIT = 64 * 1024 * 1024;

/** How the composer's text (or file) becomes the bytes on the wire. */
export const PayloadSpecSchema = z.discriminatedUnion('form', [
  /** UTF-8 text; placeholders filled. */
  z.object({ form: z.literal('text'), text: z.string().max(TEXT_LIMIT) }).strict(),
  /** JSON text (placeholders filled, then checked), sent as JSON, CBOR or MessagePack. */
  z.object({ form: z.literal('json'), text: z.string().max(TEXT_LIMIT), encoding: z.enum(['json', 'cbor', 'msgpack']).default('json') }).strict(),
  /** Hex digits; spaces, colons and a 0x prefix are ignored. */
  z.object({ form: z.literal('hex'), text: z.string().max(TEXT_LIMIT) }).strict(),
  z.object({ form: z.literal('base64'), text: z.string().max(TEXT_LIMIT) }).strict(),
  /** A file's bytes, sent as they are. */
  z.object({ form: z.literal('file'), bytes: BytesSchema, name: z.string().max(1024).optional() }).strict(),
  /** JSON text encoded as a Protobuf message of the user's .proto. */
  z
    .object({ form: z.literal('protobuf'), text: z.string().max(TEXT_LIMIT), proto: z.string().max(4 * 1024 * 1024), messageType: z.string().min(1, 'Name the message type to encode.').max(512) })
    .strict(),
]);
export type PayloadSpec = z.input<typeof PayloadSpecSchema>;
export type PayloadForm = PayloadSpec['form'];

/**
 * A script that computes the payload (issue #17): the body of a function with `msg` in scope (the message with its
 * placeholders already filled), run in the QuickJS sandbox. What it returns is the payload: a string is read as the
 * payload form's text (JSON for JSON and Protobuf), bytes go as they are, any other value as JSON. `per: 'once'`
 * runs it once for a job (every message carries that payload); `'message'` runs it for each message.
 */
export const PayloadTransformSchema = z
  .object({
    source: z.string().min(1, 'Write the script that returns the payload.').max(256 * 1024),
    per: z.enum(['once', 'message']).default('message'),
  })
  .strict();
export type PayloadTransform = z.input<typeof PayloadTransformSchema>;

/** One message as the composer describes it: the topic and payload may hold placeholders. */
export const ComposedMessageSchema = z
  .object({
    /** Checked after placeholders are filled. */
    topic: z.string().min(1, 'A topic is required.').max(65_535),
    payload: PayloadSpecSchema,
    qos: QosSchema.default(0),
    retain: z.boolean().default(false),
    properties: PublishPropertiesSchema.optional(),
    /** Fill {{placeholders}} in topic and payload text (on by default). */
    template: z.boolean().default(true),
    /** Compute the payload with a script; absent, the payload is sent as composed. */
    transform: PayloadTransformSchema.optional(),
  })
  .strict();
export type ComposedMessage = z.input<typeof ComposedMessageSchema>;

export const ComposeArgsSchema = ComposedMessageSchema.extend({ connectionId: ConnectionIdSchema }).strict();

/** Which acknowledgement ended the exchange. */
export type AckKind = 'none' | 'PUBACK' | 'PUBCOMP';

export interface ComposeResult extends PublishResult {
  readonly ack: AckKind;
  /** The topic after placeholders were filled. */
  readonly topic: string;
  readonly bytes: number;
  /** The reason code in words, e.g. "Success" or "No matching subscribers". */
  readonly reason?: string;
  /** QoS 2: the broker's PUBREC, which came before the final PUBCOMP. */
  readonly pubrec?: { readonly reasonCode: number; readonly reason: string; readonly afterMs: number };
  readonly historyId: string;
  /** The {{counter}} this send used: 1, 2, 3 … per connection and topic, until reset. */
  readonly counter: number;
}

/** Checks and encodes a message without sending it; for previews and tests. */
export interface PreviewResult {
  readonly topic: string;
  readonly payload: Uint8Array;
}

/** A transform's result without sending: the message as it would go out, and what the script logged. */
export interface TransformPreviewResult extends PreviewResult {
  readonly logs: readonly { readonly level: 'log' | 'warn' | 'error'; readonly text: string }[];
}

export const JobModeSchema = z.discriminatedUnion('kind', [
  /** Every intervalMs, `count` times or until stopped. */
  z.object({ kind: z.literal('repeat'), intervalMs: z.number().int().min(1).max(86_400_000), count: z.number().int().min(1).max(100_000_000).optional() }).strict(),
  /** `count` messages as fast as the broker acknowledges them, or in batches with a pause between. */
  z
    .object({
      kind: z.literal('burst'),
      count: z.number().int().min(1).max(100_000_000),
      batchSize: z.number().int().min(1).max(1_000_000).optional(),
      batchDelayMs: z.number().int().min(0).max(3_600_000).optional(),
    })
    .strict(),
]);
export type JobMode = z.input<typeof JobModeSchema>;

export const StartJobArgsSchema = z.object({ connectionId: ConnectionIdSchema, message: ComposedMessageSchema, mode: JobModeSchema }).strict();

export type JobState = 'running' | 'done' | 'stopped' | 'failed';

/** A job's progress; pushed a few times a second while it runs, and once more when it ends (the final report). */
export interface JobProgress {
  readonly jobId: string;
  readonly connectionId: string;
  readonly kind: 'repeat' | 'burst';
  readonly state: JobState;
  /** How many it will send; absent for a repeat without a count. */
  readonly total?: number;
  readonly sent: number;
  /** Acknowledged by the broker (QoS 1 and 2), or handed to the network (QoS 0). */
  readonly acknowledged: number;
  readonly failed: number;
  /** Messages per second over the last interval. */
  readonly ratePerSecond: number;
  readonly startedAt: number;
  readonly durationMs: number;
  /** The first failure, for the report. */
  readonly error?: { readonly code: string; readonly message: string };
}

export const JobIdArgsSchema = z.object({ jobId: z.string().min(1).max(100) }).strict();

export const RequestArgsSchema = ComposeArgsSchema.extend({
  responseTopic: TopicNameSchema,
  /** Correlation data as text (UTF-8); a fresh UUID when absent. */
  correlation: z.string().max(65_535).optional(),
  timeoutMs: z.number().int().min(10).max(600_000).default(10_000),
}).strict();

export interface RequestResult {
  readonly sent: ComposeResult;
  readonly correlation: string;
  readonly reply: MessageView;
  /** From publishing the request to the matching reply. */
  readonly latencyMs: number;
}

export const SuggestTopicsArgsSchema = z
  .object({ connectionId: ConnectionIdSchema, prefix: z.string().max(65_535), limit: z.number().int().min(1).max(500).default(20) })
  .strict();

export interface TopicSuggestion {
  readonly topic: string;
  /** The topic has levels below it: completing to `topic/` goes further. */
  readonly hasChildren: boolean;
  /** The topic itself has had a message. */
  readonly hasMessage: boolean;
}

/** Where saved messages and drafts belong: 'global', or a key the UI picks per connection profile. */
const ScopeSchema = z.string().min(1).max(1024);

export const SavedMessageSaveSchema = z
  .object({ id: z.string().max(100).optional(), name: z.string().min(1, 'Give the message a name.').max(200), scope: ScopeSchema, message: ComposedMessageSchema })
  .strict();

export interface SavedMessage {
  readonly id: string;
  readonly name: string;
  readonly scope: string;
  readonly message: ComposedMessage;
  readonly savedAt: number;
}

export interface HistoryEntry {
  readonly id: string;
  readonly at: number;
  readonly connectionName: string;
  /** As composed (placeholders unfilled), for one-click re-send. */
  readonly message: ComposedMessage;
  /** The topic as sent. */
  readonly topic: string;
  readonly bytes: number;
  readonly ack: AckKind;
  readonly reasonCode?: number;
  readonly error?: string;
}

/** What the editor keeps between runs; the text stays in Monaco while the app runs. */
export const DraftSchema = z
  .object({
    topic: z.string().max(65_535),
    text: z.string().max(TEXT_LIMIT),
    language: z.enum(['json', 'plaintext', 'xml', 'yaml']),
    form: z.enum(['text', 'json', 'hex', 'base64', 'file', 'protobuf']),
    encoding: z.enum(['json', 'cbor', 'msgpack']).optional(),
    qos: QosSchema,
    retain: z.boolean(),
    proto: z.string().max(4 * 1024 * 1024).optional(),
    messageType: z.string().max(512).optional(),
    properties: PublishPropertiesSchema.optional(),
  })
  .strict();
export type Draft = z.input<typeof DraftSchema>;

export const publishRequests = {
  'publish.send': request<PublishResult>()(PublishArgsSchema),
  /** Fills placeholders, encodes, publishes and records the send in history. */
  'publish.compose': request<ComposeResult>()(ComposeArgsSchema),
  /** Checks and encodes without sending; `connectionId` makes {{counter}} the value the next send will use. */
  'publish.preview': request<PreviewResult>()(ComposedMessageSchema.extend({ connectionId: ConnectionIdSchema.optional() }).strict()),
  /** Starts {{counter}} at 1 again for one topic of a connection, or for all of its topics. */
  /** Runs the message's transform script once on the filled-in message and answers the payload, without sending. */
  'publish.previewTransform': request<TransformPreviewResult>()(ComposedMessageSchema.extend({ connectionId: ConnectionIdSchema.optional() }).strict()),
  'publish.resetCounter': request<null>()(z.object({ connectionId: ConnectionIdSchema, topic: z.string().max(65_535).optional() }).strict()),
  'publish.startJob': request<JobProgress>()(StartJobArgsSchema),
  /** Stops a job; resolves with its final report. */
  'publish.stopJob': request<JobProgress>()(JobIdArgsSchema),
  'publish.listJobs': request<JobProgress[]>()(z.object({}).strict()),
  /** MQTT 5 request/response: subscribes to the response topic, publishes, resolves with the matching reply. */
  'publish.request': request<RequestResult>()(RequestArgsSchema),
  'publish.suggestTopics': request<TopicSuggestion[]>()(SuggestTopicsArgsSchema),
  'publish.listSavedMessages': request<SavedMessage[]>()(z.object({ scope: ScopeSchema.optional() }).strict()),
  'publish.saveMessage': request<SavedMessage>()(SavedMessageSaveSchema),
  'publish.deleteSavedMessage': request<Deleted>()(z.object({ id: z.string().min(1).max(100) }).strict()),
  'publish.listHistory': request<HistoryEntry[]>()(z.object({ limit: z.number().int().min(1).max(1000).default(100) }).strict()),
  'publish.clearHistory': request<Deleted>()(z.object({}).strict()),
  'publish.getDraft': request<Draft | null>()(z.object({ scope: ScopeSchema }).strict()),
  /** Kept in memory at once and written to disk a moment later (debounced). */
  'publish.setDraft': request<null>()(z.object({ scope: ScopeSchema, draft: DraftSchema }).strict()),
} as const;

export interface PublishEvents {
  readonly 'publish.jobProgressed': JobProgress;
}

