import { TopiaryError } from '../../../shared/ipc/errors';
import type { TransformPreviewResult } from '../../../shared/ipc/publish';
import { ScriptSandbox, type ScriptHandle } from '../scripts/script-sandbox';
import type { ScriptError, ScriptLogLine } from '../scripts/script-types';
import type { ParsedComposedMessage, RenderedMessage } from './compiled-message';
import { encodePayload, hexToBytes, type Bytes } from './payload-encoder';

const utf8 = new TextEncoder();

/** A computed message: the bytes to send, and what the script logged. */
export interface TransformOutput extends TransformPreviewResult {
  readonly payload: Bytes;
}

/** One transform script loaded in the sandbox: turns a filled-in message into the payload to send. */
export interface LoadedTransform {
  apply(rendered: RenderedMessage): Promise<TransformOutput>;
  unload(): Promise<void>;
}

/** A sandbox failure as the contract's PAYLOAD_ERROR, with the line and column in details when known. */
function transformError(error: ScriptError): TopiaryError {
  return new TopiaryError('PAYLOAD_ERROR', `The payload script failed: ${error.message}`, {
    scriptError: error.kind,
    ...(error.line !== undefined ? { line: error.line } : {}),
    ...(error.column !== undefined ? { column: error.column } : {}),
  });
}

/** The sandbox hands bytes back as `{ $bytes: "hex", length }` (see core/scripts/README.md). */
function isBytesValue(value: unknown): value is { $bytes: string; length: number } {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as { $bytes?: unknown; length?: unknown };
  return typeof v.$bytes === 'string' && typeof v.length === 'number' && Object.keys(value).length === 2;
}

/**
 * What the script returned, encoded as the composer would: a string is the payload form's text (hex for the Hex form,
 * JSON for JSON, CBOR, MessagePack and Protobuf), bytes go as they are, any other value as JSON text.
 */
export function transformedPayload(message: ParsedComposedMessage, value: unknown): Bytes {
  if (value === undefined) throw new TopiaryError('PAYLOAD_ERROR', 'The payload script returned nothing; return the payload (text, bytes or a JSON value).');
  if (isBytesValue(value)) return hexToBytes(value.$bytes);
  const spec = message.payload;
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  if (spec.form === 'file') return utf8.encode(text);
  // A value that is not text is JSON: the Hex and Base64 forms cannot read it, so it goes as UTF-8 JSON there.
  if (typeof value !== 'string' && (spec.form === 'hex' || spec.form === 'base64')) return utf8.encode(text);
  return encodePayload(spec, text);
}

/**
 * The composer's payload scripts, in one sandbox worker of their own (started on first use), so a runaway
 * script stops only the composer's work, never decoders or responders.
 */
export class PayloadTransforms {
  private sandbox: ScriptSandbox | undefined;

  constructor(private readonly workerFile: string) {}

  /** Compiles a script; a syntax error throws PAYLOAD_ERROR with its line and column. */
  async load(message: ParsedComposedMessage): Promise<LoadedTransform> {
    const source = message.transform?.source ?? '';
    this.sandbox ??= new ScriptSandbox({ workerFile: this.workerFile });
    const loaded = await this.sandbox.load({ name: 'payload script', source });
    if (!loaded.ok) throw transformError(loaded.error);
    const script: ScriptHandle = loaded.script;
    return {
      async apply(rendered) {
        // JSON and Protobuf payloads are read as the JSON text the user wrote, not as their CBOR, MessagePack or Protobuf bytes.
        const readsText = (message.payload.form === 'json' || message.payload.form === 'protobuf') && rendered.text !== undefined;
        const payload = readsText ? utf8.encode(rendered.text) : rendered.payload;
        const outcome = await script.run({ topic: rendered.topic, payload, qos: message.qos, retain: message.retain });
        if (!outcome.ok) throw transformError(outcome.error);
        const logs = outcome.logs.map((l: ScriptLogLine) => ({ level: l.level, text: l.text }));
        return { topic: rendered.topic, payload: transformedPayload(message, outcome.value), logs };
      },
      unload: () => script.unload(),
    };
  }

  /** Runs a script once on a message and unloads it. */
  async once(message: ParsedComposedMessage, rendered: RenderedMessage): Promise<TransformOutput> {
    const loaded = await this.load(message);
    try {
      return await loaded.apply(rendered);
    } finally {
      await loaded.unload();
    }
  }

  async close(): Promise<void> {
    await this.sandbox?.close();
    this.sandbox = undefined;
  }
}
