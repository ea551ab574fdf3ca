import { decode } from '@msgpack/msgpack';
import { type DecodeResult, type PageOptions, STRUCTURED_LIMIT_BYTES, errorText, failure, prettyText, tooLarge } from './decoded-payload';
import { toPlainValue } from './plain-value';

/** MessagePack, shown as pretty JSON. */
export function decodeMsgpack(payload: Uint8Array, options: PageOptions = {}): DecodeResult {
  if (payload.length === 0) return failure('msgpack', 'MessagePack', 'the payload is empty');
  if (options.full !== true && payload.length > STRUCTURED_LIMIT_BYTES) return tooLarge('msgpack', 'MessagePack', payload.length);
  let raw: unknown;
  try {
    raw = decode(payload, { useBigInt64: true });
  } catch (error) {
    return failure('msgpack', 'MessagePack', errorText(error));
  }
  const value = toPlainValue(raw);
  const pretty = prettyText(value, options.full);
  return { ok: true, kind: 'msgpack', text: pretty.text, value, totalBytes: payload.length, truncated: pretty.truncated, warnings: [] };
}
