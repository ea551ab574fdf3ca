import { z } from 'zod';
import { ConnectionIdSchema, type ConnectionId, type MessageProperties, type MessageView, type Qos } from './common';
import { request } from './define';
import { SubscriptionSchema } from './connections';

const PathSchema = z.string().max(65_535);

/** One visible row of the topic tree. Expansion lives in the core, per UI client. */
export interface TreeRow {
  /** The full topic path of this node. */
  readonly path: string;
  /** The last level's name ('' for an empty level). */
  readonly name: string;
  readonly depth: number;
  readonly hasChildren: boolean;
  readonly expanded: boolean;
  /** Messages on this topic and below it. */
  readonly messageCount: number;
  /** Messages on exactly this topic. */
  readonly ownMessageCount: number;
  /** Topics with messages below this one. */
  readonly subtopicCount: number;
  readonly retained: boolean;
  /** When this topic's own last message arrived (ms since epoch), or 0. */
  readonly lastReceivedAt: number;
  /** When anything at or below this node last changed (ms since epoch): flash rows newer than your last look. */
  readonly changedAt: number;
  /** A short text of the last value, '' when the node has no message of its own. */
  readonly preview: string;
  /** True when `preview` is the last value decoded by the user's decoder binding for the topic. */
  readonly previewDecoded?: boolean;
}

export const TreeSortSchema = z.enum(['name', 'messages', 'topics', 'recent']);
export type TreeSort = z.infer<typeof TreeSortSchema>;

export const TreeFilterSchema = z
  .object({
    mode: z.enum(['substring', 'regex', 'wildcard']),
    pattern: z.string().max(4_096),
    /** Substring mode only: also match the last payload's text. */
    searchPayload: z.boolean().optional(),
  })
  .strict();
export type TreeFilter = z.infer<typeof TreeFilterSchema>;

/** One change to a client's view of the tree; applied in order. */
export const ViewOpSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('expand'), path: PathSchema }).strict(),
  z.object({ op: z.literal('collapse'), path: PathSchema }).strict(),
  z.object({ op: z.literal('toggle'), path: PathSchema }).strict(),
  z.object({ op: z.literal('expandToDepth'), depth: z.number().int().min(0).max(64), under: PathSchema.optional() }).strict(),
  z.object({ op: z.literal('collapseAll') }).strict(),
  z.object({ op: z.literal('sort'), sort: TreeSortSchema }).strict(),
  z.object({ op: z.literal('filter'), filter: TreeFilterSchema.nullable() }).strict(),
]);
export type ViewOp = z.infer<typeof ViewOpSchema>;

export const ViewArgsSchema = z.object({ connectionId: ConnectionIdSchema, ops: z.array(ViewOpSchema).max(100).default([]) }).strict();

/** The state of one client's view after its ops were applied. */
export interface ViewState {
  readonly viewVersion: number;
  readonly total: number;
  readonly sort: TreeSort;
  readonly filter: TreeFilter | null;
}

export const RowsArgsSchema = z
  .object({
    connectionId: ConnectionIdSchema,
    start: z.number().int().min(0),
    count: z.number().int().min(0).max(2000),
  })
  .strict();

export interface RowsResult {
  readonly version: number;
  /** Bumped by expand, collapse, sort and filter changes. */
  readonly viewVersion: number;
  readonly total: number;
  readonly start: number;
  readonly rows: readonly TreeRow[];
}

/** A message as the inspector gets it: big payloads come as their first bytes; fetch the rest in chunks. */
export interface InspectedMessage extends MessageView {
  /** The payload's full size; `payload` holds only its first bytes when this is larger. */
  readonly size: number;
  /** Which message of the topic this is (1 = first seen); names it for decode, payload and diff requests. */
  readonly n: number;
  /**
   * The payload as the inspector shows it by default: what `explorer.decode` answers for this message with `auto`
   * (the topic's decoder binding, else the built-in pick; a big payload as its first page). Sent with the newest
   * message of a watch batch and with a topic's detail, so the window shows a new value without a round trip; absent
   * when the view would be large (a big payload decoded whole, such as JSON over 64 KiB): then ask `explorer.decode`.
   */
  readonly decoded?: DecodedView;
}

export interface TopicDetail {
  readonly topic: string;
  readonly messageCount: number;
  readonly lastMessage: InspectedMessage | null;
}

/** A batch of messages for the topic the UI is watching; many messages per frame. */
export interface MessageBatch {
  readonly connectionId: ConnectionId;
  readonly messages: readonly InspectedMessage[];
}

/** How full the pause buffer is and what it had to drop. */
export interface BufferGauge {
  readonly paused: boolean;
  readonly bufferedMessages: number;
  /** 0..1 */
  readonly fill: number;
  readonly received: number;
  readonly dropped: number;
  /** The budget: most messages, and most bytes, held while paused. */
  readonly capacityMessages: number;
  readonly capacityBytes: number;
  readonly bufferedBytes: number;
}

/** Said a few times a second at most: the tree changed, ask for the rows you show. */
export interface ExplorerChanged {
  readonly connectionId: ConnectionId;
  /** Moves when the tree changed, or when decoded previews of its rows arrived. */
  readonly version: number;
  readonly topicCount: number;
  readonly messageCount: number;
  readonly buffer: BufferGauge;
}

export const DecoderKindSchema = z.enum(['auto', 'text', 'json', 'hex', 'base64', 'cbor', 'msgpack', 'sparkplug', 'protobuf']);
export type DecoderChoice = z.infer<typeof DecoderKindSchema>;

const MessageRefSchema = {
  connectionId: ConnectionIdSchema,
  topic: PathSchema,
  /** A message number from InspectedMessage.n or a history entry; the last message when omitted. */
  n: z.number().int().min(1).optional(),
};

/** How to decode a payload, whether it is named by reference (`explorer.decode`) or sent by value (`decoders.decodePayload`). */
export const DecodeOptionsShape = {
  kind: DecoderKindSchema,
  /** Decode everything regardless of size. */
  full: z.boolean().optional(),
  /** Hex page start and length. */
  offset: z.number().int().min(0).optional(),
  length: z.number().int().min(1).max(16 * 1024 * 1024).optional(),
  protobuf: z.object({ proto: z.string().max(1_000_000), messageType: z.string().min(1).max(500) }).strict().optional(),
};

export const DecodeArgsSchema = z.object({ ...MessageRefSchema, ...DecodeOptionsShape }).strict();

/** Which decoder made a view: a built-in one, or a user script bound to the topic. */
export type DecodedKind = Exclude<DecoderChoice, 'auto'> | 'script';

/** A payload decoded in the core, or why it could not be. */
export type DecodedView =
  | {
      readonly ok: true;
      readonly kind: DecodedKind;
      /** The decoder binding that decoded it (asked with `auto` on a bound topic). */
      readonly bindingId?: string;
      /** What to show: text, pretty JSON or a hex dump (possibly one page of it). */
      readonly text: string;
      /** Structured data as plain JSON-safe values, for tree or table views. */
      readonly value?: unknown;
      readonly totalBytes: number;
      /** True when `text` covers only part of the payload; ask again with `full` or the next page. */
      readonly truncated: boolean;
      /** Where the next page starts (paged views only). */
      readonly nextOffset?: number;
      /** Things a person should know, such as invalid UTF-8 sequences. */
      readonly warnings: readonly string[];
    }
  /** Always `cannot decode as <X>: <why>`. */
  | {
      readonly ok: false;
      readonly kind: DecodedKind;
      readonly error: string;
      readonly bindingId?: string;
      /** Where a decoder script failed, in its own source. */
      readonly line?: number;
      readonly column?: number;
    };

/** Largest chunk of payload bytes one request returns. */
export const PAYLOAD_CHUNK_MAX = 4 * 1024 * 1024;

export const PayloadArgsSchema = z
  .object({ ...MessageRefSchema, offset: z.number().int().min(0).default(0), length: z.number().int().min(1).max(PAYLOAD_CHUNK_MAX).default(PAYLOAD_CHUNK_MAX) })
  .strict();

export interface PayloadChunk {
  readonly size: number;
  readonly offset: number;
  readonly bytes: Uint8Array;
}

export interface HistoryItem {
  readonly n: number;
  readonly receivedAt: number;
  /** Milliseconds since the topic's previous message, null for the first one remembered. */
  readonly deltaMs: number | null;
  readonly qos: Qos;
  readonly retain: boolean;
  readonly size: number;
  readonly preview: string;
  readonly dup?: boolean;
  /** The MQTT 5 properties the message carried (every remembered message keeps its own). */
  readonly properties?: MessageProperties;
}

export interface HistoryPage {
  readonly topic: string;
  /** Newest last. */
  readonly items: readonly HistoryItem[];
  readonly budgetBytes: number;
  readonly usedBytes: number;
  readonly evicted: number;
}

export interface DiffLine {
  readonly op: 'same' | 'added' | 'removed';
  readonly text: string;
}

/** Two messages of a topic compared; JSON payloads are compared as pretty JSON with sorted keys. */
export interface DiffResult {
  readonly json: boolean;
  readonly lines: readonly DiffLine[];
  readonly added: number;
  readonly removed: number;
}

export interface SeriesPoint {
  readonly t: number;
  readonly v: number;
}

/** A numeric payload, or a numeric JSON field (dotted path such as `a.b.0`), over the topic's history. */
export interface Series {
  readonly topic: string;
  readonly field: string | null;
  readonly points: readonly SeriesPoint[];
  /** History entries that held no number at that place. */
  readonly skipped: number;
  /** The numeric fields of the topic's newest JSON payloads (paths as `field` takes them), for a pick list. */
  readonly fields: readonly string[];
}

export interface RetainedClearResult {
  /** Retained topics at or below the path. */
  readonly count: number;
  /** Up to 20 of them, to show before confirming. */
  readonly sample: readonly string[];
  /** Set once the clears were sent (not for a dry run). */
  readonly deleted?: number;
  readonly elapsedMs?: number;
}

/** A subscription with the MQTT 5 options: the same shape a connection subscribes with on connect. */
export const ExplorerSubscriptionSchema = SubscriptionSchema;
export type ExplorerSubscription = z.output<typeof ExplorerSubscriptionSchema>;

/** What the broker granted for one subscription (SUBACK). */
export interface SubscriptionOutcome {
  readonly filter: string;
  readonly ok: boolean;
  /** The granted QoS (0-2) or an MQTT 5 reason code (>= 0x80 is a refusal). */
  readonly reasonCode: number;
  /** A sentence for a refusal. */
  readonly reason?: string;
}

export const explorerRequests = {
  'explorer.updateView': request<ViewState>()(ViewArgsSchema),
  'explorer.listRows': request<RowsResult>()(RowsArgsSchema),
  'explorer.getTopic': request<TopicDetail>()(z.object({ connectionId: ConnectionIdSchema, topic: PathSchema }).strict()),
  'explorer.watch': request<null>()(z.object({ connectionId: ConnectionIdSchema, topic: PathSchema.nullable() }).strict()),
  'explorer.decode': request<DecodedView>()(DecodeArgsSchema),
  'explorer.getPayload': request<PayloadChunk>()(PayloadArgsSchema),
  'explorer.listHistory': request<HistoryPage>()(
    z.object({ connectionId: ConnectionIdSchema, topic: PathSchema, limit: z.number().int().min(1).max(10_000).default(500) }).strict(),
  ),
  'explorer.diff': request<DiffResult>()(
    z.object({ connectionId: ConnectionIdSchema, topic: PathSchema, a: z.number().int().min(1), b: z.number().int().min(1) }).strict(),
  ),
  'explorer.getSeries': request<Series>()(
    z.object({ connectionId: ConnectionIdSchema, topic: PathSchema, field: z.string().max(1_000).nullable().default(null) }).strict(),
  ),
  'explorer.setHistoryBudget': request<null>()(
    z.object({ connectionId: ConnectionIdSchema, budgetBytes: z.number().int().min(0).max(8 * 1024 * 1024 * 1024) }).strict(),
  ),
  'explorer.clearRetained': request<RetainedClearResult>()(
    z.object({ connectionId: ConnectionIdSchema, topic: PathSchema, subtree: z.boolean().default(false), dryRun: z.boolean().default(false) }).strict(),
  ),
  /** The pause buffer's budget, beside the history budget: what a pause may hold before it counts drops. */
  'explorer.setPauseBudget': request<BufferGauge>()(
    z
      .object({
        connectionId: ConnectionIdSchema,
        messages: z.number().int().min(1, 'The pause buffer must hold at least one message.').max(100_000_000),
        bytes: z.number().int().min(1024, 'The pause buffer needs at least 1 KiB.').max(8 * 1024 * 1024 * 1024),
      })
      .strict(),
  ),
  'explorer.pause': request<BufferGauge>()(z.object({ connectionId: ConnectionIdSchema, paused: z.boolean() }).strict()),
  'explorer.listSubscriptions': request<readonly ExplorerSubscription[]>()(z.object({ connectionId: ConnectionIdSchema }).strict()),
  'explorer.subscribe': request<readonly SubscriptionOutcome[]>()(
    z.object({ connectionId: ConnectionIdSchema, subscriptions: z.array(ExplorerSubscriptionSchema).min(1).max(100) }).strict(),
  ),
  'explorer.unsubscribe': request<null>()(z.object({ connectionId: ConnectionIdSchema, filters: z.array(z.string().max(65_535)).min(1).max(100) }).strict()),
} as const;

export interface ExplorerEvents {
  readonly 'explorer.changed': ExplorerChanged;
  readonly 'explorer.messagesReceived': MessageBatch;
}
