import { z } from 'zod';
import { ConnectionIdSchema, QosSchema, TopicFilterSchema, type ConnectionId, type Deleted, type MessageView } from './common';
import { request } from './define';

/** Seven days: the default age limit of a saved profile's history. */
export const DEFAULT_MAX_AGE_MS = 7 * 86_400_000;
/** One gigabyte: the default limit of the whole store. */
export const DEFAULT_MAX_TOTAL_BYTES = 1024 ** 3;

/** Where recorded messages come from: a saved profile ("profile:<id>") or a quick connection ("url:<url>"). */
export const SourceKeySchema = z.string().trim().min(1, 'A history source needs a key.').max(1000);

const TimeSchema = z.union([z.number().finite(), z.string().min(1).max(100)]);

/** A search of the store; every criterion is optional and they combine with AND. */
export const HistoryQuerySchema = z
  .object({
    /** Only these sources (all when absent). */
    sources: z.array(SourceKeySchema).max(1000).optional(),
    /** MQTT topic filters; a message matches when its topic matches any of them. */
    filters: z.array(TopicFilterSchema).min(1).max(1000).default(['#']),
    /** Inclusive bounds: epoch ms, an ISO date, or relative ("last 15 min", "2h"). */
    since: TimeSchema.optional(),
    until: TimeSchema.optional(),
    /** Text the payload contains (case-insensitive), starting at a word boundary. */
    text: z.string().min(1).max(1000).optional(),
    /** A JavaScript regular expression the payload (as UTF-8 text) matches. */
    regex: z
      .object({ pattern: z.string().min(1).max(1000), flags: z.string().regex(/^[imsu]*$/, 'Regular expression flags may be i, m, s and u.').default('') })
      .strict()
      .optional(),
    qos: z.array(QosSchema).min(1).max(3).optional(),
    retain: z.boolean().optional(),
    /** An MQTT 5 user property the message carries (any value when value is absent). */
    userProperty: z.object({ key: z.string().max(65_535), value: z.string().max(65_535).optional() }).strict().optional(),
    order: z.enum(['newest', 'oldest']).default('newest'),
  })
  .strict();

export type HistoryQuery = z.output<typeof HistoryQuerySchema>;
export type HistoryQueryInput = z.input<typeof HistoryQuerySchema>;

export const HistoryPageArgsSchema = z
  .object({
    query: HistoryQuerySchema.default({ filters: ['#'], order: 'newest' }),
    limit: z.number().int().min(1).max(5000).default(100),
    /** From a previous page's nextCursor. */
    cursor: z.string().regex(/^\d+$/, 'A history cursor is the nextCursor of a previous page.').optional(),
    /**
     * Apply the user's decoder bindings: each message on a bound topic carries `decoded`, and `text` and `regex`
     * match the decoded text as well as the payload. Off by default: decoding costs time on every message.
     */
    decoded: z.boolean().default(false),
  })
  .strict();

/** What the topic's decoder binding made of a stored message (asked with `decoded`). */
export type HistoryDecoded =
  | {
      readonly ok: true;
      readonly bindingId: string;
      readonly kind: string;
      /** Compact JSON of a structured value, else the decoder's text. */
      readonly text: string;
    }
  | { readonly ok: false; readonly bindingId: string; readonly kind: string; readonly error: string };

/** One stored message: the message as the core saw it, with where it came from. */
export interface HistoryMessage extends MessageView {
  /** Unique in the store; also the arrival order. */
  readonly id: number;
  readonly source: string;
  /** Only when the search asked for `decoded` and a binding applies to the topic. */
  readonly decoded?: HistoryDecoded;
}

export interface HistoryPage {
  readonly messages: readonly HistoryMessage[];
  /** Pass back for the next page; null when the search reached the end. */
  readonly nextCursor: string | null;
  /** Rows the store looked at for this page (a rare match in a big range scans many). */
  readonly scanned: number;
}

export interface HistoryRetention {
  /** Messages older than this are pruned; null keeps them regardless of age. */
  readonly maxAgeMs: number | null;
  /** This source's messages beyond this many bytes are pruned, oldest first; null: only the store's limit. */
  readonly maxBytes: number | null;
}

export const RetentionSchema = z
  .object({
    maxAgeMs: z.number().int().min(1000).max(100 * 365 * 86_400_000).nullable(),
    maxBytes: z.number().int().min(1024 * 1024).max(2 ** 50).nullable(),
  })
  .strict();

export interface HistorySourceRow {
  readonly key: string;
  readonly label: string;
  readonly messages: number;
  /** Payload, properties and a fixed per-row overhead: what size retention counts. */
  readonly bytes: number;
  readonly oldest: number | null;
  readonly newest: number | null;
  readonly retention: HistoryRetention;
  /** A saved profile's connections are recorded as they connect. */
  readonly recordOnConnect: boolean;
}

export interface HistoryRecordingRow {
  readonly connectionId: ConnectionId;
  readonly sourceKey: string;
  readonly recorded: number;
  readonly dropped: number;
}

export type HistoryState = 'closed' | 'open' | 'recording-failed' | 'unavailable';

export interface HistoryStatus {
  /** closed: nothing opened it yet; recording-failed: writes fail (disk full, unwritable), recording paused; unavailable: the store could not be opened at all (another instance holds it). */
  readonly state: HistoryState;
  readonly file: string;
  /** The database file and its write-ahead log on disk. */
  readonly fileBytes: number;
  readonly messages: number;
  readonly maxTotalBytes: number;
  /** Recording is paused by the user (live views go on). */
  readonly paused: boolean;
  /** Messages that could not be recorded (a failed write, a worker too far behind) since the app started. */
  readonly lost: number;
  readonly recording: readonly HistoryRecordingRow[];
  readonly sources: readonly HistorySourceRow[];
  /** A corrupt or foreign store found at start was moved here and a new one started. */
  readonly movedAside: string | null;
  readonly error: { readonly code: string; readonly message: string } | null;
}

export type ExportFormat = 'json' | 'ndjson' | 'csv';

export const ExportArgsSchema = z
  .object({
    query: HistoryQuerySchema.default({ filters: ['#'], order: 'oldest' }),
    format: z.enum(['json', 'ndjson', 'csv']),
    /** An absolute path of the file to write (replaced if it exists). */
    file: z.string().min(1).max(4096).refine((p) => p.startsWith('/') || /^[a-zA-Z]:[\\/]/.test(p), 'The export file must be an absolute path.'),
    /** Stop after this many messages. */
    limit: z.number().int().min(1).optional(),
    /** Apply the user's decoder bindings, as `history.query` does: a `decoded` field (a CSV column) beside the payload. */
    decoded: z.boolean().default(false),
  })
  .strict();

export interface ExportProgress {
  readonly jobId: string;
  readonly state: 'running' | 'done' | 'cancelled' | 'failed';
  readonly exported: number;
  /** 0–1, from how far the scan is through the time range. */
  readonly fraction: number;
  readonly file: string;
  readonly error?: string;
}

const AbsolutePathSchema = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => p.startsWith('/') || /^[a-zA-Z]:[\\/]/.test(p), 'The file must be an absolute path.');

/** A record or replay job's progress, and at the end its report. */
export interface CaptureJobProgress {
  readonly jobId: string;
  readonly kind: 'record' | 'replay';
  readonly state: 'running' | 'paused' | 'done' | 'cancelled' | 'failed';
  readonly file: string;
  /** Messages written to the capture (record). */
  readonly recorded: number;
  /** Replay: published, acknowledged by the broker (QoS 1/2), refused (a failure reason code or error). */
  readonly sent: number;
  readonly acknowledged: number;
  readonly refused: number;
  /** Messages the whole replay sends (all loops). */
  readonly total: number;
  readonly errors: readonly string[];
  readonly skipped: readonly { readonly line: number; readonly message: string }[];
  /** A malformed line that failed the replay. */
  readonly line?: number;
}

export const historyRequests = {
  /** With `open`, opens the store first if nothing has yet (the History view does; the store otherwise opens on first use). */
  'history.getStatus': request<HistoryStatus>()(z.object({ open: z.boolean().optional() }).strict()),
  /** Turns recording of one live connection on or off; on creates the source with default retention if new. */
  'history.setRecording': request<HistoryStatus>()(
    z
      .object({
        connectionId: ConnectionIdSchema,
        enabled: z.boolean(),
        sourceKey: SourceKeySchema.optional(),
        label: z.string().max(1000).optional(),
      })
      .strict(),
  ),
  'history.pause': request<HistoryStatus>()(z.object({ paused: z.boolean() }).strict()),
  /** Retention of one source; the store's own limit with maxTotalBytes. */
  'history.setRetention': request<HistoryStatus>()(
    z
      .object({
        sourceKey: SourceKeySchema.optional(),
        retention: RetentionSchema.optional(),
        maxTotalBytes: z.number().int().min(1024 * 1024).max(2 ** 50).optional(),
      })
      .strict(),
  ),
  'history.query': request<HistoryPage>()(HistoryPageArgsSchema),
  'history.clear': request<Deleted>()(z.object({ query: HistoryQuerySchema.optional() }).strict()),
  'history.export': request<{ readonly jobId: string }>()(ExportArgsSchema),
  'history.cancelExport': request<null>()(z.object({ jobId: z.string().min(1).max(100) }).strict()),
  /** Imports a capture file (CAPTURE-FORMAT.md) into the store under a source. */
  'history.importCapture': request<{ readonly imported: number; readonly skipped: readonly { readonly line: number; readonly message: string }[] }>()(
    z.object({ file: AbsolutePathSchema, sourceKey: SourceKeySchema, label: z.string().max(1000).optional(), skipMalformed: z.boolean().default(false) }).strict(),
  ),
  /** Records a live connection's messages to a capture file, until stopped or for a count or duration. */
  'history.recordCapture': request<{ readonly jobId: string }>()(
    z
      .object({
        connectionId: ConnectionIdSchema,
        file: AbsolutePathSchema,
        filters: z.array(TopicFilterSchema).max(1000).optional(),
        count: z.number().int().min(1).optional(),
        durationMs: z.number().int().min(1).optional(),
      })
      .strict(),
  ),
  /** Replays a capture file to a live connection. */
  'history.replayCapture': request<{ readonly jobId: string }>()(
    z
      .object({
        connectionId: ConnectionIdSchema,
        file: AbsolutePathSchema,
        speed: z.union([z.number().min(0.1, 'Replay speed must be between 0.1× and 100×.').max(100, 'Replay speed must be between 0.1× and 100×.'), z.literal('max')]).default(1),
        stripPrefix: z.string().max(65_535).optional(),
        addPrefix: z.string().max(65_535).optional(),
        loops: z.number().int().min(1).max(1_000_000).default(1),
        skipMalformed: z.boolean().default(false),
      })
      .strict(),
  ),
  /** Replays what a search finds (oldest first, at most `limit`) to a live connection, with its recorded timing. */
  'history.replaySearch': request<{ readonly jobId: string; readonly messages: number }>()(
    z
      .object({
        connectionId: ConnectionIdSchema,
        query: HistoryQuerySchema.default({ filters: ['#'], order: 'oldest' }),
        limit: z.number().int().min(1).max(1_000_000).default(100_000),
        speed: z.union([z.number().min(0.1, 'Replay speed must be between 0.1× and 100×.').max(100, 'Replay speed must be between 0.1× and 100×.'), z.literal('max')]).default(1),
        stripPrefix: z.string().max(65_535).optional(),
        addPrefix: z.string().max(65_535).optional(),
        loops: z.number().int().min(1).max(1_000_000).default(1),
      })
      .strict(),
  ),
  'history.controlCapture': request<null>()(z.object({ jobId: z.string().min(1).max(100), action: z.enum(['pause', 'resume', 'stop']) }).strict()),
} as const;

export type HistoryMethod = keyof typeof historyRequests;

export interface HistoryEvents {
  'history.statusChanged': HistoryStatus;
  'history.exportProgressed': ExportProgress;
  'history.captureProgressed': CaptureJobProgress;
}
