import protobuf from 'protobufjs';
import { type DecodeResult, type PageOptions, STRUCTURED_LIMIT_BYTES, errorText, failure, prettyText, tooLarge } from './decoded-payload';
import { scanWire } from './protobuf-wire';

/** A schema the user supplied: .proto source text and the message type to read. */
export interface ProtobufSchema {
  readonly proto: string;
  /** Fully qualified or simple name, e.g. `acme.Reading` or `Reading`. */
  readonly messageType: string;
}

const typeCache = new Map<string, protobuf.Type | string>();
const MAX_CACHED_SCHEMAS = 32;

/** Parses (and caches) a schema; returns the type or a sentence about what is wrong. */
export function compileProtobufSchema(schema: ProtobufSchema): protobuf.Type | string {
  const key = `${schema.messageType}\u0000${schema.proto}`;
  const cached = typeCache.get(key);
  if (cached !== undefined) return cached;
  let result: protobuf.Type | string;
  try {
    const root = protobuf.parse(schema.proto, { keepCase: true }).root;
    const found = root.lookup(schema.messageType);
    if (found instanceof protobuf.Type) result = found;
    else {
      const names: string[] = [];
      collectTypes(root, names);
      result = `message type ${JSON.stringify(schema.messageType)} is not in the .proto${names.length > 0 ? ` (it defines ${names.slice(0, 10).join(', ')})` : ' (it defines no messages)'}`;
    }
  } catch (error) {
    result = `the .proto does not parse: ${errorText(error)}`;
  }
  if (typeCache.size >= MAX_CACHED_SCHEMAS) typeCache.clear();
  typeCache.set(key, result);
  return result;
}

/** Protobuf with the user's schema, shown as pretty JSON (64-bit integers as strings, enums by name). */
export function decodeProtobuf(payload: Uint8Array, schema: ProtobufSchema, options: PageOptions = {}): DecodeResult {
  if (options.full !== true && payload.length > STRUCTURED_LIMIT_BYTES) return tooLarge('protobuf', 'Protobuf', payload.length);
  const type = compileProtobufSchema(schema);
  if (typeof type === 'string') return failure('protobuf', 'Protobuf', type);
  const wire = scanWire(payload);
  if ('error' in wire) return failure('protobuf', 'Protobuf', wire.error);
  let value: unknown;
  try {
    const message = type.decode(payload);
    value = type.toObject(message, { longs: String, enums: String, bytes: String, defaults: false, arrays: false });
  } catch (error) {
    return failure('protobuf', 'Protobuf', errorText(error));
  }
  const pretty = prettyText(value, options.full);
  return { ok: true, kind: 'protobuf', text: pretty.text, value, totalBytes: payload.length, truncated: pretty.truncated, warnings: [] };
}

function collectTypes(ns: protobuf.NamespaceBase, out: string[]): void {
  for (const nested of ns.nestedArray) {
    if (nested instanceof protobuf.Type) out.push(nested.fullName.replace(/^\./, ''));
    if (nested instanceof protobuf.Namespace || nested instanceof protobuf.Type) collectTypes(nested, out);
  }
}
