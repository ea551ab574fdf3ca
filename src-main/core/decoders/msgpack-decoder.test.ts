import { encode } from '@msgpack/msgpack';
import { describe, expect, it } from 'vitest';
import { decodeMsgpack } from './msgpack-decoder';

describe('decodeMsgpack', () => {
  it('decodes MessagePack into plain values', () => {
    const result = decodeMsgpack(encode({ id: 5, tags: ['a', 'b'], raw: new Uint8Array([9]), big: 2n ** 63n }, { useBigInt64: true }));
    if (!result.ok) throw new Error(result.error);
    expect(result.value).toEqual({ id: 5, tags: ['a', 'b'], raw: { $bytes: '09', length: 1 }, big: '9223372036854775808' });
  });

  it('decodes hand-written bytes', () => {
    // fixmap(1) "x" -> 42
    expect(decodeMsgpack(new Uint8Array([0x81, 0xa1, 0x78, 0x2a]))).toMatchObject({ ok: true, value: { x: 42 } });
  });

  it('explains malformed MessagePack, including plain text', () => {
    for (const bytes of [new TextEncoder().encode('hello'), new Uint8Array([0x92, 0x01]), new Uint8Array([0xc1]), new Uint8Array(0)]) {
      const result = decodeMsgpack(bytes);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error).toMatch(/^cannot decode as MessagePack: .+/);
    }
  });
});
