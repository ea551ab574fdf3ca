import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { decodeSparkplug, type SparkplugPayload } from './sparkplug-b-decoder';
import { SPARKPLUG_B_PROTO } from './sparkplug-b-proto';

const Payload = protobuf.parse(SPARKPLUG_B_PROTO, { keepCase: true }).root.lookupType('org.eclipse.tahu.protobuf.Payload');

function encodePayload(object: Record<string, unknown>): Uint8Array {
  return Payload.encode(Payload.fromObject(object)).finish();
}

function decoded(bytes: Uint8Array): SparkplugPayload {
  const result = decodeSparkplug(bytes);
  if (!result.ok) throw new Error(result.error);
  return result.value as SparkplugPayload;
}

describe('decodeSparkplug', () => {
  it('decodes a hand-encoded NDATA payload: timestamp, seq and typed metrics', () => {
    // timestamp 1700000000000, metrics temp(Double 21.5 @ ...001) and neg(Int8 0xff), seq 3
    const bytes = Buffer.from('0880d095ffbc3112180a0474656d701881d095ffbc31200a690000000000803540120a0a036e6567200150ff011803', 'hex');
    const payload = decoded(new Uint8Array(bytes));
    expect(payload.timestamp).toBe(1_700_000_000_000);
    expect(payload.seq).toBe(3);
    expect(payload.metrics).toEqual([
      { name: 'temp', alias: null, timestamp: 1_700_000_000_001, datatype: 'Double', datatypeId: 10, value: 21.5, isNull: false, isHistorical: false, isTransient: false },
      { name: 'neg', alias: null, timestamp: null, datatype: 'Int8', datatypeId: 1, value: -1, isNull: false, isHistorical: false, isTransient: false },
    ]);
  });

  it('converts signed and unsigned 64-bit values, nulls, strings, arrays and properties', () => {
    const int64Array = new Uint8Array(16);
    new DataView(int64Array.buffer).setBigInt64(0, -5n, true);
    new DataView(int64Array.buffer).setBigInt64(8, 7n, true);
    const payload = decoded(
      encodePayload({
        seq: 0,
        metrics: [
          { name: 'i64', datatype: 4, long_value: '18446744073709551615' },
          { name: 'u64', datatype: 8, long_value: '18446744073709551615' },
          { name: 'missing', datatype: 3, is_null: true },
          { name: 'label', alias: 9, datatype: 12, string_value: 'ok' },
          { name: 'flag', datatype: 11, boolean_value: true, is_historical: true },
          { name: 'arr', datatype: 25, bytes_value: int64Array },
          { name: 'names', datatype: 33, bytes_value: new TextEncoder().encode('a\u0000bc\u0000') },
          { name: 'f', datatype: 9, float_value: 1.5, properties: { keys: ['unit'], values: [{ type: 12, string_value: 'C' }] } },
        ],
      }),
    );
    const byName = Object.fromEntries(payload.metrics.map((m) => [m.name, m]));
    expect(byName.i64!.value).toBe(-1);
    expect(byName.u64!.value).toBe('18446744073709551615');
    expect(byName.missing).toMatchObject({ value: null, isNull: true, datatype: 'Int32' });
    expect(byName.label).toMatchObject({ value: 'ok', alias: 9 });
    expect(byName.flag).toMatchObject({ value: true, isHistorical: true });
    expect(byName.arr!.value).toEqual([-5, 7]);
    expect(byName.names!.value).toEqual(['a', 'bc']);
    expect(byName.f).toMatchObject({ value: 1.5, properties: { unit: 'C' } });
    expect(payload.seq).toBe(0);
  });

  it('unpacks a BooleanArray most significant bit first after its 4-byte count', () => {
    // The Sparkplug 3.0 specification's own example for BooleanArray.
    const bytes = new Uint8Array([0x0c, 0x00, 0x00, 0x00, 0x34, 0xd0]);
    const payload = decoded(encodePayload({ metrics: [{ name: 'bits', datatype: 32, bytes_value: bytes }] }));
    expect(payload.metrics[0]!.value).toEqual([false, false, true, true, false, true, false, false, true, true, false, true]);
  });

  it('decodes a DataSet metric into columns and rows', () => {
    const payload = decoded(
      encodePayload({
        metrics: [
          {
            name: 'table',
            datatype: 16,
            dataset_value: {
              num_of_columns: 2,
              columns: ['n', 's'],
              types: [3, 12],
              rows: [{ elements: [{ int_value: 0xfffffffe }, { string_value: 'x' }] }],
            },
          },
        ],
      }),
    );
    expect(payload.metrics[0]!.value).toEqual({ columns: ['n', 's'], types: ['Int32', 'String'], rows: [[-2, 'x']] });
  });

  it('refuses plain text and other non-Sparkplug bytes with a reason', () => {
    const samples = ['hello world', '{"temp": 21}', 'ON', '"quoted text that is long enough to look like a length"'];
    for (const s of samples) {
      const result = decodeSparkplug(new TextEncoder().encode(s));
      expect(result.ok, s).toBe(false);
      if (!result.ok) expect(result.error).toMatch(/^cannot decode as Sparkplug B: .+/);
    }
    const truncated = encodePayload({ timestamp: 1, metrics: [{ name: 'x', datatype: 10, double_value: 1 }] }).subarray(0, 8);
    const result = decodeSparkplug(truncated);
    expect(!result.ok && result.error).toMatch(/runs past the end|truncated/);
    expect(decodeSparkplug(new Uint8Array(0)).ok).toBe(false);
  });
});
