import { type DecodeResult, type PageOptions, STRUCTURED_LIMIT_BYTES, errorText, failure, prettyText, tooLarge } from './decoded-payload';

const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** JSON, pretty-printed. */
export function decodeJson(payload: Uint8Array, options: PageOptions = {}): DecodeResult {
  if (payload.length === 0) return failure('json', 'JSON', 'the payload is empty');
  if (options.full !== true && payload.length > STRUCTURED_LIMIT_BYTES) return tooLarge('json', 'JSON', payload.length);
  let text: string;
  try {
    text = strict.decode(payload);
  } catch {
    return failure('json', 'JSON', 'the payload is not valid UTF-8 text');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return failure('json', 'JSON', errorText(error));
  }
  const pretty = prettyText(value, options.full);
  return { ok: true, kind: 'json', text: pretty.text, value, totalBytes: payload.length, truncated: pretty.truncated, warnings: [] };
}

/** Cheap pre-check before parsing: does the first non-space byte start a JSON value? */
export function mightBeJson(payload: Uint8Array): boolean {
  for (let i = 0; i < payload.length; i++) {
    const b = payload[i]!;
    if (b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d) continue;
    // { [ " - 0-9 t f n
    return b === 0x7b || b === 0x5b || b === 0x22 || b === 0x2d || (b >= 0x30 && b <= 0x39) || b === 0x74 || b === 0x66 || b === 0x6e;
  }
  return false;
}
