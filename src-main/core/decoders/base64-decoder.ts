import { type DecodeResult, type PageOptions, STRUCTURED_LIMIT_BYTES, failure, tooLarge } from './decoded-payload';
import { decodeHex } from './hex-decoder';
import { decodeText, looksLikeText } from './text-decoder';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/**
 * A payload that is base64 text: decoded, then shown as text when that reads as text,
 * else as a hex dump. `value` carries the decoded bytes' length.
 */
export function decodeBase64(payload: Uint8Array, options: PageOptions = {}): DecodeResult {
  if (payload.length === 0) return failure('base64', 'base64', 'the payload is empty');
  if (options.full !== true && payload.length > STRUCTURED_LIMIT_BYTES) return tooLarge('base64', 'base64', payload.length);
  const text = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('latin1').replace(/\s+/g, '');
  const url = !BASE64.test(text);
  if (url && !BASE64URL.test(text)) {
    const bad = text.search(/[^A-Za-z0-9+/=_-]/);
    return failure('base64', 'base64', bad >= 0 ? `character ${JSON.stringify(text[bad])} at position ${bad} is not in the base64 alphabet` : 'padding (=) may only appear at the end');
  }
  if (!url && text.length % 4 !== 0) return failure('base64', 'base64', `its length (${text.length} characters) is not a multiple of 4`);
  if (url && text.length % 4 === 1) return failure('base64', 'base64', 'its length leaves a single dangling character');
  const decoded = new Uint8Array(Buffer.from(text, url ? 'base64url' : 'base64'));
  const view = looksLikeText(decoded) ? decodeText(decoded, options) : decodeHex(decoded, { full: options.full });
  if (!view.ok) return view;
  return { ...view, kind: 'base64', value: { decodedBytes: decoded.length, shownAs: view.kind }, totalBytes: payload.length };
}

/** The payload as base64 text, for copying binary values. */
export function encodeBase64(payload: Uint8Array): string {
  return Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('base64');
}
