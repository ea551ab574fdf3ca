import { Decoder } from 'cbor-x';
import { type DecodeResult, type PageOptions, STRUCTURED_LIMIT_BYTES, errorText, failure, prettyText, tooLarge } from './decoded-payload';
import { toPlainValue } from './plain-value';

// Records (a cbor-x extension) off: we read other people's CBOR, not our own.
const decoder = new Decoder({ useRecords: false, mapsAsObjects: false });

/** CBOR (RFC 8949), shown as pretty JSON; maps, byte strings, tags and bigints made plain. */
export function decodeCbor(payload: Uint8Array, options: PageOptions = {}): DecodeResult {
  if (payload.length === 0) return failure('cbor', 'CBOR', 'the payload is empty');
  if (options.full !== true && payload.length > STRUCTURED_LIMIT_BYTES) return tooLarge('cbor', 'CBOR', payload.length);
  let raw: unknown;
  try {
    raw = decoder.decode(payload);
  } catch (error) {
    return failure('cbor', 'CBOR', errorText(error));
  }
  const value = toPlainValue(raw);
  const pretty = prettyText(value, options.full);
  return { ok: true, kind: 'cbor', text: pretty.text, value, totalBytes: payload.length, truncated: pretty.truncated, warnings: [] };
}
