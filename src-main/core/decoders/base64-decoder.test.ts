import { describe, expect, it } from 'vitest';
import { decodeBase64, encodeBase64 } from './base64-decoder';

const enc = new TextEncoder();

describe('decodeBase64', () => {
  it('decodes base64 text and shows it as text', () => {
    const result = decodeBase64(enc.encode('aGVsbG8gd29ybGQ='));
    expect(result).toMatchObject({ ok: true, kind: 'base64', text: 'hello world', value: { decodedBytes: 11, shownAs: 'text' } });
  });

  it('shows decoded binary as a hex dump', () => {
    const result = decodeBase64(enc.encode(encodeBase64(new Uint8Array([0, 1, 2, 255]))));
    expect(result.ok && result.text).toBe('00000000  00 01 02 ff                                       |....|');
  });

  it('accepts base64url and line breaks', () => {
    const result = decodeBase64(enc.encode('_-8\n'));
    expect(result.ok && (result.value as { decodedBytes: number }).decodedBytes).toBe(2);
  });

  it('says which character is not base64', () => {
    const result = decodeBase64(enc.encode('abc$def'));
    expect(!result.ok && result.error).toBe('cannot decode as base64: character "$" at position 3 is not in the base64 alphabet');
    const short = decodeBase64(enc.encode('abcde='));
    expect(!short.ok && short.error).toMatch(/^cannot decode as base64: its length \(6 characters\) is not a multiple of 4/);
  });
});
