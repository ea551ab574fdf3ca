import cbor from 'cbor';
import { describe, expect, it } from 'vitest';
import { decodeCbor } from './cbor-decoder';

const encode = (value: unknown): Buffer => cbor.encode(value);

describe('decodeCbor', () => {
  it('decodes maps, byte strings, bigints and dates into plain values', () => {
    const payload = encode(new Map<unknown, unknown>([
      ['temp', 21.5],
      [7, 'seven'],
      ['raw', new Uint8Array([1, 2, 255])],
      ['big', 2n ** 70n],
      ['when', new Date(0)],
    ]));
    const result = decodeCbor(payload);
    if (!result.ok) throw new Error(result.error);
    expect(result.value).toEqual({
      temp: 21.5,
      '7': 'seven',
      raw: { $bytes: '0102ff', length: 3 },
      big: '1180591620717411303424',
      when: '1970-01-01T00:00:00.000Z',
    });
    expect(result.text).toContain('"temp": 21.5');
  });

  it('decodes a hand-written CBOR item', () => {
    // {"a": [1, -2]}
    const result = decodeCbor(new Uint8Array([0xa1, 0x61, 0x61, 0x82, 0x01, 0x21]));
    expect(result.ok && result.value).toEqual({ a: [1, -2] });
  });

  it('explains malformed CBOR', () => {
    for (const bytes of [[0x82, 0x01], [0xff], [0x31, 0x32], []]) {
      const result = decodeCbor(new Uint8Array(bytes));
      expect(result.ok, String(bytes)).toBe(false);
      if (!result.ok) expect(result.error).toMatch(/^cannot decode as CBOR: .+/);
    }
  });
});
