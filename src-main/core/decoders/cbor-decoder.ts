import cbor from 'cbor';
import { type DecodeResult, type PageOptions, STRUCTURED_LIMIT_BYTES, errorText, failure, prettyText, tooLarge } from './decoded-payload';
import { toPlainValue } from './plain-value';

// The pure-JS `cbor` package: cbor-x's native helper cannot be installed from this registry.

/** CBOR (RFC 8949), shown as pretty JSON; maps, byte strings, tags and bigints made plain. */
export function decodeCbor(payload: Uint8Array, options: PageOptions = {}): DecodeResult {
  if (payload.length === 0) return failure('cbor', 'CBOR', 'the payload is empty');
  if (options.full !== true && payload.length > STRUCTURED_LIMIT_BYTES) return tooLarge('cbor', 'CBOR', payload.length);
  let raw: unknown;
  try {
    const items = cbor.decodeAllSync(payload);
    // A payload is one data item; more would mean the bytes are something else (text "12" is two CBOR integers).
    if (items.length !== 1) return failure('cbor', 'CBOR', `expected one CBOR data item, found ${items.length}`);
    raw = items[0];
  } catch (error) {
    return failure('cbor', 'CBOR', errorText(error));
  }
  const value = toPlainValue(raw);
  const pretty = prettyText(value, options.full);
  return { ok: true, kind: 'cbor', text: pretty.text, value, totalBytes: payload.length, truncated: pretty.truncated, warnings: [] };
}
