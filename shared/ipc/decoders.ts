import { z } from 'zod';
import { BytesSchema, type Deleted, QosSchema, TopicFilterSchema, TopicNameSchema } from './common';
import { request } from './define';
import { type DecodedView, DecodeOptionsShape, type DiffResult } from './explorer';

/** The decoders a binding can name: a user script, Protobuf with the user's .proto, or a built-in one. */
export const BindingDecoderSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('script'), source: z.string().max(200_000) }).strict(),
  z
    .object({
      kind: z.literal('protobuf'),
      /** The text of the user's .proto file. */
      proto: z.string().min(1).max(1_000_000),
      /** The message type, qualified with its package (`pkg.Reading`). */
      messageType: z.string().min(1).max(500),
    })
    .strict(),
  z.object({ kind: z.enum(['json', 'cbor', 'msgpack', 'sparkplug', 'text', 'hex', 'base64']) }).strict(),
]);
export type BindingDecoder = z.output<typeof BindingDecoderSchema>;

export const BindingIdSchema = z.string().min(1).max(100);

export const SaveBindingArgsSchema = z
  .object({
    /** Replaces this binding (keeping its place in the list); absent adds a new one at the end. */
    id: BindingIdSchema.optional(),
    filter: TopicFilterSchema,
    decoder: BindingDecoderSchema,
    enabled: z.boolean().default(true),
  })
  .strict();

/** Why a binding is not in force (a bad .proto or message type, a script that does not compile). */
export interface BindingProblemInfo {
  readonly message: string;
  readonly line?: number;
  readonly column?: number;
}

/** A saved binding. The first enabled binding whose filter matches a topic decodes it. */
export interface DecoderBindingInfo {
  readonly id: string;
  readonly filter: string;
  readonly decoder: BindingDecoder;
  readonly enabled: boolean;
  /** null when the binding is in force (or simply disabled). */
  readonly problem: BindingProblemInfo | null;
}

export const TestScriptArgsSchema = z
  .object({
    source: z.string().max(200_000),
    topic: TopicNameSchema,
    payload: BytesSchema.refine((b) => b.length <= 1024 * 1024, 'A sample payload holds at most 1 MB.'),
  })
  .strict();

/** Largest payload sent to be decoded or compared by value (a stored message, not one the explorer holds). */
export const PAYLOAD_BY_VALUE_MAX = 64 * 1024 * 1024;
const PayloadByValueSchema = BytesSchema.refine((b) => b.length <= PAYLOAD_BY_VALUE_MAX, 'A payload sent to be decoded holds at most 64 MB.');

/** A payload given by value (such as a message found in the History store), decoded as `explorer.decode` would. */
export const DecodePayloadArgsSchema = z
  .object({
    /** The message's topic: picks the decoder binding for `auto`, and Sparkplug B under spBv1.0/. */
    topic: TopicNameSchema,
    payload: PayloadByValueSchema,
    qos: QosSchema.optional(),
    retain: z.boolean().optional(),
    ...DecodeOptionsShape,
  })
  .strict();

/** A script's log line, as the sandbox kept it. */
export interface ScriptLogInfo {
  readonly level: 'log' | 'warn' | 'error';
  readonly text: string;
}

/** What a decoder script made of a sample payload, or its error with where it happened. */
export type ScriptTestResult =
  | { readonly ok: true; readonly text: string; readonly value?: unknown; readonly warnings: readonly string[]; readonly logs: readonly ScriptLogInfo[] }
  | { readonly ok: false; readonly error: string; readonly line?: number; readonly column?: number; readonly logs: readonly ScriptLogInfo[] };

/** The script API as a TypeScript declaration file, for the script editor's completion and checks. */
export interface ScriptApiInfo {
  readonly fileName: string;
  readonly declarations: string;
}

export const decodersRequests = {
  'decoders.getScriptApi': request<ScriptApiInfo>()(z.object({}).strict()),
  'decoders.listBindings': request<readonly DecoderBindingInfo[]>()(z.object({}).strict()),
  /** Stores a binding even when it has a problem (the user's work is kept); the answer says the problem. */
  'decoders.saveBinding': request<DecoderBindingInfo>()(SaveBindingArgsSchema),
  'decoders.deleteBinding': request<Deleted>()(z.object({ id: BindingIdSchema }).strict()),
  /** Runs a decoder script once on a sample payload, in the sandbox, without saving it. */
  'decoders.testScript': request<ScriptTestResult>()(TestScriptArgsSchema),
  /** Decodes given bytes of a topic: `auto` uses the topic's binding, as the live inspector does. */
  'decoders.decodePayload': request<DecodedView>()(DecodePayloadArgsSchema),
  /** Compares two given payloads; JSON ones as pretty JSON with sorted keys, like `explorer.diff`. */
  'decoders.diffPayloads': request<DiffResult>()(z.object({ a: PayloadByValueSchema, b: PayloadByValueSchema }).strict()),
} as const;

export interface DecodersEvents {
  /** The bindings changed (saved, deleted), from any window. */
  readonly 'decoders.bindingsChanged': readonly DecoderBindingInfo[];
}
