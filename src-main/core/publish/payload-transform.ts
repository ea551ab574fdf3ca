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
 * Messages of a job computed in one crossing to the sandbox worker at most: half a QoS 0 burst's window, so one batch
 * is computed while the one before it is being published (a whole window in one batch left the socket idle meanwhile).
 */
export const TRANSFORM_BATCH_MAX = 250;

export interface PayloadTransformsOptions {
  /**
   * Messages per crossing to the worker at most (default TRANSFORM_BATCH_MAX). 1 makes one crossing per message,
   * as before batching: the benchmark's "before".
   */
  readonly batchMax?: number;
}

interface Waiting {
  readonly rendered: RenderedMessage;
  readonly resolve: (output: TransformOutput) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * The composer's payload scripts, in one sandbox worker of their own (started on first use), so a runaway
 * script stops only the composer's work, never decoders or responders.
 */
export class PayloadTransforms {
  private sandbox: ScriptSandbox | undefined;
  private readonly batchMax: number;

  constructor(
    private readonly workerFile: string,
    options: PayloadTransformsOptions = {},
  ) {
    this.batchMax = Math.max(1, options.batchMax ?? TRANSFORM_BATCH_MAX);
  }

  /** Compiles a script; a syntax error throws PAYLOAD_ERROR with its line and column. */
  async load(message: ParsedComposedMessage): Promise<LoadedTransform> {
    const source = message.transform?.source ?? '';
    this.sandbox ??= new ScriptSandbox({ workerFile: this.workerFile });
    const loaded = await this.sandbox.load({ name: 'payload script', source });
    if (!loaded.ok) throw transformError(loaded.error);
    const script: ScriptHandle = loaded.script;
    const batchMax = this.batchMax;
    // A burst asks for a window of messages in one turn: they wait here and go to the worker together, in order,
    // one batch at a time (the script's state sees them in the order asked), instead of one crossing each.
    const waiting: Waiting[] = [];
    let running = false;
    const runWaiting = async (): Promise<void> => {
      if (running || waiting.length === 0) return;
      running = true;
      const batch = waiting.splice(0, batchMax);
      try {
        const outcomes = await script.runBatch(
          batch.map(({ rendered }) => {
            // JSON and Protobuf payloads are read as the JSON text the user wrote, not as their CBOR, MessagePack or Protobuf bytes.
            const readsText = (message.payload.form === 'json' || message.payload.form === 'protobuf') && rendered.text !== undefined;
            return { topic: rendered.topic, payload: readsText ? utf8.encode(rendered.text) : rendered.payload, qos: message.qos, retain: message.retain };
          }),
        );
        batch.forEach(({ rendered, resolve, reject }, i) => {
          const outcome = outcomes[i]!;
          if (!outcome.ok) return reject(transformError(outcome.error));
          try {
            resolve({ topic: rendered.topic, payload: transformedPayload(message, outcome.value), logs: outcome.logs.map((l: ScriptLogLine) => ({ level: l.level, text: l.text })) });
          } catch (error) {
            reject(error);
          }
        });
      } catch (error) {
        for (const { reject } of batch) reject(error);
      } finally {
        running = false;
        void runWaiting();
      }
    };
    return {
      apply(rendered) {
        return new Promise<TransformOutput>((resolve, reject) => {
          waiting.push({ rendered, resolve, reject });
          // After the current turn, so every message asked for in it joins the batch.
          if (!running && waiting.length === 1) queueMicrotask(() => void runWaiting());
        });
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
