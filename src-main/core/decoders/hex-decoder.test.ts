import { describe, expect, it } from 'vitest';
import { decodeHex } from './hex-decoder';

describe('decodeHex', () => {
  it('prints offset, hex and ASCII columns', () => {
    const bytes = new TextEncoder().encode('Hello, MQTT world!\u0000\u0001');
    const result = decodeHex(bytes);
    if (!result.ok) throw new Error(result.error);
    expect(result.text.split('\n')).toEqual([
      '00000000  48 65 6c 6c 6f 2c 20 4d  51 54 54 20 77 6f 72 6c  |Hello, MQTT worl|',
      '00000010  64 21 00 01                                       |d!..|',
    ]);
    expect(result.truncated).toBe(false);
    expect(result.nextOffset).toBeUndefined();
  });

  it('pages through a 50 MB payload', () => {
    const big = new Uint8Array(50 * 1024 * 1024);
    big[70_000] = 0xab;
    const started = performance.now();
    const first = decodeHex(big);
    expect(performance.now() - started).toBeLessThan(1_500);
    if (!first.ok) throw new Error(first.error);
    expect(first.text.split('\n').length).toBe(4096);
    expect(first.truncated).toBe(true);
    expect(first.nextOffset).toBe(65_536);
    const second = decodeHex(big, { offset: first.nextOffset!, length: 16 * 1024 });
    if (!second.ok) throw new Error(second.error);
    expect(second.text.split('\n')[0]!.startsWith('00010000  ')).toBe(true);
    const line = second.text.split('\n').find((l) => l.startsWith('00011170'))!;
    expect(line.startsWith('00011170  ab 00 ')).toBe(true);
    expect(second.nextOffset).toBe(65_536 + 16 * 1024);
  });

  it('shows an empty payload as an empty dump', () => {
    expect(decodeHex(new Uint8Array(0))).toMatchObject({ ok: true, text: '', totalBytes: 0 });
  });
});
