import protobuf from 'protobufjs';
import { type DecodeResult, type PageOptions, STRUCTURED_LIMIT_BYTES, errorText, failure, prettyText, tooLarge } from './decoded-payload';
import { toPlainValue } from './plain-value';
import { SPARKPLUG_B_PROTO, SPARKPLUG_DATA_TYPES } from './sparkplug-b-proto';
import { WIRE_I32, WIRE_I64, WIRE_LEN, WIRE_VARINT, scanWire } from './protobuf-wire';

/** The topic namespace Sparkplug B payloads are published under. */
export const SPARKPLUG_B_TOPIC_PREFIX = 'spBv1.0/';

/** One metric, with its data type named and its value made plain. */
export interface SparkplugMetric {
  readonly name: string | null;
  readonly alias: number | string | null;
  readonly timestamp: number | string | null;
  readonly datatype: string;
  readonly datatypeId: number | null;
  readonly value: unknown;
  readonly isNull: boolean;
  readonly isHistorical: boolean;
  readonly isTransient: boolean;
  readonly properties?: unknown;
  readonly metadata?: unknown;
}

export interface SparkplugPayload {
  readonly timestamp: number | string | null;
  readonly seq: number | string | null;
  readonly uuid: string | null;
  readonly body: unknown;
  readonly metrics: readonly SparkplugMetric[];
}

let payloadType: protobuf.Type | undefined;

function sparkplugType(): protobuf.Type {
  payloadType ??= protobuf.parse(SPARKPLUG_B_PROTO, { keepCase: true }).root.lookupType('org.eclipse.tahu.protobuf.Payload');
  return payloadType;
}

/** Sparkplug B wire types by field number, for the Payload and its Metric messages. */
const PAYLOAD_FIELDS = new Map([
  [1, WIRE_VARINT],
  [2, WIRE_LEN],
  [3, WIRE_VARINT],
  [4, WIRE_LEN],
  [5, WIRE_LEN],
]);
const METRIC_FIELDS = new Map([
  [1, WIRE_LEN], [2, WIRE_VARINT], [3, WIRE_VARINT], [4, WIRE_VARINT], [5, WIRE_VARINT], [6, WIRE_VARINT], [7, WIRE_VARINT],
  [8, WIRE_LEN], [9, WIRE_LEN], [10, WIRE_VARINT], [11, WIRE_VARINT], [12, WIRE_I32], [13, WIRE_I64], [14, WIRE_VARINT],
  [15, WIRE_LEN], [16, WIRE_LEN], [17, WIRE_LEN], [18, WIRE_LEN], [19, WIRE_LEN],
]);

/** Sparkplug B (protobuf) payload: metrics with names, data types, values and timestamps, plus seq. */
export function decodeSparkplug(payload: Uint8Array, options: PageOptions = {}): DecodeResult {
  if (payload.length === 0) return failure('sparkplug', 'Sparkplug B', 'the payload is empty');
  if (options.full !== true && payload.length > STRUCTURED_LIMIT_BYTES) return tooLarge('sparkplug', 'Sparkplug B', payload.length);
  const shape = checkShape(payload);
  if (shape !== undefined) return failure('sparkplug', 'Sparkplug B', shape);
  let message: Record<string, unknown>;
  try {
    const type = sparkplugType();
    message = type.toObject(type.decode(payload), { longs: String, bytes: Array, arrays: true, oneofs: true }) as Record<string, unknown>;
  } catch (error) {
    return failure('sparkplug', 'Sparkplug B', errorText(error));
  }
  const value: SparkplugPayload = {
    timestamp: longOrNull(message.timestamp),
    seq: longOrNull(message.seq),
    uuid: typeof message.uuid === 'string' ? message.uuid : null,
    body: message.body === undefined ? null : toPlainValue(Uint8Array.from(message.body as number[])),
    metrics: ((message.metrics as Record<string, unknown>[] | undefined) ?? []).map(toMetric),
  };
  const pretty = prettyText(value, options.full);
  return { ok: true, kind: 'sparkplug', text: pretty.text, value, totalBytes: payload.length, truncated: pretty.truncated, warnings: [] };
}

/** Why the bytes are not a Sparkplug B payload on the wire, or undefined if they could be. */
function checkShape(payload: Uint8Array): string | undefined {
  const top = scanWire(payload);
  if ('error' in top) return top.error;
  let known = 0;
  for (const f of top.fields) {
    const expected = PAYLOAD_FIELDS.get(f.field);
    if (expected === undefined) {
      if (f.field < 6) return `field ${f.field} is not part of a Sparkplug B payload`;
      continue;
    }
    if (expected !== f.wireType) return `field ${f.field} has wire type ${f.wireType}, expected ${expected}`;
    known++;
    if (f.field === 2) {
      const metric = scanWire(f.bytes!);
      if ('error' in metric) return `a metric is malformed: ${metric.error}`;
      for (const m of metric.fields) {
        const mt = METRIC_FIELDS.get(m.field);
        if (mt === undefined && m.field < 20) return `a metric has unknown field ${m.field}`;
        if (mt !== undefined && mt !== m.wireType) return `a metric's field ${m.field} has wire type ${m.wireType}, expected ${mt}`;
      }
    }
  }
  return known === 0 ? 'no Sparkplug B fields (timestamp, metrics, seq) found' : undefined;
}

function toMetric(m: Record<string, unknown>): SparkplugMetric {
  const datatypeId = typeof m.datatype === 'number' ? m.datatype : null;
  const datatype = datatypeId === null ? 'Unknown' : (SPARKPLUG_DATA_TYPES[datatypeId] ?? `DataType ${datatypeId}`);
  const isNull = m.is_null === true;
  const out: SparkplugMetric = {
    name: typeof m.name === 'string' ? m.name : null,
    alias: longOrNull(m.alias),
    timestamp: longOrNull(m.timestamp),
    datatype,
    datatypeId,
    value: isNull ? null : metricValue(m, datatype),
    isNull,
    isHistorical: m.is_historical === true,
    isTransient: m.is_transient === true,
  };
  const extra: Record<string, unknown> = {};
  if (m.properties !== undefined) extra.properties = propertySet(m.properties as Record<string, unknown>);
  if (m.metadata !== undefined) extra.metadata = toPlainValue(m.metadata);
  return { ...out, ...extra };
}

function metricValue(m: Record<string, unknown>, datatype: string): unknown {
  switch (m.value) {
    case 'int_value':
      return signedInt(m.int_value as number, datatype);
    case 'long_value':
      return longValue(m.long_value as string, datatype);
    case 'float_value':
    case 'double_value':
    case 'boolean_value':
    case 'string_value':
      return m[m.value];
    case 'bytes_value':
      return arrayValue(Uint8Array.from(m.bytes_value as number[]), datatype);
    case 'dataset_value':
      return dataSet(m.dataset_value as Record<string, unknown>);
    case 'template_value':
    case 'extension_value':
      return toPlainValue(m[m.value]);
    default:
      return null;
  }
}

function signedInt(v: number, datatype: string): number {
  switch (datatype) {
    case 'Int8':
      return (v << 24) >> 24;
    case 'Int16':
      return (v << 16) >> 16;
    case 'Int32':
      return v | 0;
    default:
      return v;
  }
}

function longValue(v: string, datatype: string): number | string {
  const big = datatype === 'Int64' ? BigInt.asIntN(64, BigInt(v)) : BigInt(v);
  return Number.isSafeInteger(Number(big)) ? Number(big) : big.toString();
}

function longOrNull(v: unknown): number | string | null {
  if (v === undefined || v === null) return null;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : String(v);
}

/** Sparkplug 3.0 array types travel as little-endian packed bytes. */
function arrayValue(bytes: Uint8Array, datatype: string): unknown {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const read = (size: number, get: (offset: number) => number | bigint): unknown[] => {
    const out: unknown[] = [];
    for (let o = 0; o + size <= bytes.length; o += size) out.push(toPlainValue(get(o)));
    return out;
  };
  switch (datatype) {
    case 'Int8Array':
      return read(1, (o) => view.getInt8(o));
    case 'Int16Array':
      return read(2, (o) => view.getInt16(o, true));
    case 'Int32Array':
      return read(4, (o) => view.getInt32(o, true));
    case 'Int64Array':
    case 'DateTimeArray':
      return read(8, (o) => view.getBigInt64(o, true));
    case 'UInt8Array':
      return read(1, (o) => view.getUint8(o));
    case 'UInt16Array':
      return read(2, (o) => view.getUint16(o, true));
    case 'UInt32Array':
      return read(4, (o) => view.getUint32(o, true));
    case 'UInt64Array':
      return read(8, (o) => view.getBigUint64(o, true));
    case 'FloatArray':
      return read(4, (o) => view.getFloat32(o, true));
    case 'DoubleArray':
      return read(8, (o) => view.getFloat64(o, true));
    case 'BooleanArray': {
      if (bytes.length < 4) return [];
      const count = view.getUint32(0, true);
      const out: boolean[] = [];
      for (let k = 0; k < count && 4 + (k >> 3) < bytes.length; k++) out.push((bytes[4 + (k >> 3)]! & (0x80 >> (k & 7))) !== 0);
      return out;
    }
    case 'StringArray':
      return new TextDecoder().decode(bytes).split('\u0000').slice(0, -1);
    default:
      return toPlainValue(bytes);
  }
}

function dataSet(d: Record<string, unknown>): unknown {
  const columns = (d.columns as string[] | undefined) ?? [];
  const types = ((d.types as number[] | undefined) ?? []).map((t) => SPARKPLUG_DATA_TYPES[t] ?? `DataType ${t}`);
  const rows = ((d.rows as { elements?: Record<string, unknown>[] }[] | undefined) ?? []).map((row) =>
    (row.elements ?? []).map((e, i) => {
      const key = e.value as string | undefined;
      if (key === undefined) return null;
      if (key === 'int_value') return signedInt(e.int_value as number, types[i] ?? '');
      if (key === 'long_value') return longValue(e.long_value as string, types[i] ?? '');
      return toPlainValue(e[key]);
    }),
  );
  return { columns, types, rows };
}

function propertySet(p: Record<string, unknown>): Record<string, unknown> {
  const keys = (p.keys as string[] | undefined) ?? [];
  const values = (p.values as Record<string, unknown>[] | undefined) ?? [];
  const out: Record<string, unknown> = {};
  keys.forEach((key, i) => {
    const v = values[i];
    if (v === undefined || v.is_null === true) out[key] = null;
    else if (v.value === 'propertyset_value') out[key] = propertySet(v.propertyset_value as Record<string, unknown>);
    else if (v.value === 'long_value') out[key] = longOrNull(v.long_value);
    else out[key] = v.value === undefined ? null : toPlainValue(v[v.value as string]);
  });
  return out;
}
