const MAX_DEPTH = 200;
const BYTES_SHOWN = 64;

/**
 * Turns what a binary decoder produced (Maps, byte arrays, bigints, Dates, tags) into
 * plain JSON-safe values, so every structured view renders the same way.
 */
export function toPlainValue(value: unknown, depth = 0): unknown {
  if (depth > MAX_DEPTH) return '[nested too deeply]';
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'bigint':
      return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
    case 'symbol':
    case 'function':
      return String(value);
    default:
      break;
  }
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (value instanceof Uint8Array) return { $bytes: bytesHex(value), length: value.length };
  if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<number>, (v) => toPlainValue(v, depth + 1));
  if (Array.isArray(value)) return value.map((v) => toPlainValue(v, depth + 1));
  if (value instanceof Map) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of value) out[typeof k === 'string' ? k : JSON.stringify(toPlainValue(k, depth + 1))] = toPlainValue(v, depth + 1);
    return out;
  }
  if (value instanceof Set) return [...value].map((v) => toPlainValue(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = toPlainValue(v, depth + 1);
  return out;
}

function bytesHex(bytes: Uint8Array): string {
  let hex = '';
  const n = Math.min(bytes.length, BYTES_SHOWN);
  for (let i = 0; i < n; i++) hex += bytes[i]!.toString(16).padStart(2, '0');
  return bytes.length > n ? `${hex}…` : hex;
}
