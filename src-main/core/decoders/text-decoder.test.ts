import { describe, expect, it } from 'vitest';
import { decodeText, findInvalidUtf8, looksLikeText } from './text-decoder';

const enc = new TextEncoder();

describe('decodeText', () => {
  it('decodes UTF-8 text with no warnings', () => {
    const result = decodeText(enc.encode('héllo ✓ 🌍'));
    expect(result).toMatchObject({ ok: true, kind: 'text', text: 'héllo ✓ 🌍', truncated: false, warnings: [] });
  });

  it('reports invalid UTF-8 sequences with their offsets', () => {
    const bytes = new Uint8Array([0x61, 0xff, 0x62, 0xc3, 0x28, 0xed, 0xa0, 0x80, 0x63]);
    const result = decodeText(bytes);
    if (!result.ok) throw new Error(result.error);
    expect(result.text.startsWith('a\uFFFDb')).toBe(true);
    expect(result.warnings[0]).toMatch(/^3 invalid UTF-8 sequences \(first at byte 1\)/);
    expect((result.value as { invalidSequences: unknown[] }).invalidSequences).toEqual([
      { offset: 1, length: 1 },
      { offset: 3, length: 1 },
      { offset: 5, length: 3 },
    ]);
  });

  it('rejects overlong encodings and truncated sequences', () => {
    expect(findInvalidUtf8(new Uint8Array([0xc0, 0xaf])).count).toBe(2); // a lead byte that can never start a character, then a stray continuation
    expect(findInvalidUtf8(new Uint8Array([0xe0, 0x80, 0xaf])).count).toBe(1);
    expect(findInvalidUtf8(new Uint8Array([0x61, 0xe2, 0x82])).count).toBe(1);
    expect(findInvalidUtf8(new Uint8Array([0xf4, 0x90, 0x80, 0x80])).count).toBe(1);
  });

  it('returns the first page of a 50 MB payload quickly and says so', () => {
    const big = new Uint8Array(50 * 1024 * 1024).fill(0x61);
    big[1000] = 0xe2; // a 3-byte character straddling nothing: still valid below
    big[1001] = 0x82;
    big[1002] = 0xac;
    const started = performance.now();
    const result = decodeText(big, { pageBytes: 64 * 1024 });
    expect(performance.now() - started).toBeLessThan(1_000);
    if (!result.ok) throw new Error(result.error);
    expect(result.truncated).toBe(true);
    expect(result.totalBytes).toBe(big.length);
    expect(result.text.length).toBe(64 * 1024 - 2);
    expect(result.warnings).toEqual(['Showing the first 64.0 KB of 50.0 MB.']);
  });

  it('never cuts a character in half at the page end', () => {
    const bytes = enc.encode('aé'); // 61 c3 a9
    const result = decodeText(bytes, { pageBytes: 2 });
    if (!result.ok) throw new Error(result.error);
    expect(result.text).toBe('a');
    expect(result.warnings.some((w) => w.includes('invalid'))).toBe(false);
  });

  it('decodes everything when the full view is asked for', () => {
    const bytes = new Uint8Array(300_000).fill(0x62);
    const result = decodeText(bytes, { full: true });
    expect(result.ok && result.text.length).toBe(300_000);
  });
});

describe('looksLikeText', () => {
  it('accepts printable text and rejects binary', () => {
    expect(looksLikeText(enc.encode('temperature=21.5\n'))).toBe(true);
    expect(looksLikeText(new Uint8Array([0, 1, 2, 3, 0x41]))).toBe(false);
    expect(looksLikeText(new Uint8Array([0x41, 0xff]))).toBe(false);
  });
});
