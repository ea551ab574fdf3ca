// Profiles hold bytes (DER certificates, PKCS#12 bundles); JSON has no bytes, so they travel as
// {"$bytes": "<base64>"} and come back as Uint8Array.

const BYTES_KEY = '$bytes';

/** A JSON-safe copy with every Uint8Array replaced by a tagged base64 object. */
export function bytesToJson(value: unknown): unknown {
  if (value instanceof Uint8Array) return { [BYTES_KEY]: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
  if (Array.isArray(value)) return value.map(bytesToJson);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = bytesToJson(v);
    return out;
  }
  return value;
}

/** Undoes bytesToJson. */
export function bytesFromJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(bytesFromJson);
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value);
    if (entries.length === 1 && entries[0]?.[0] === BYTES_KEY && typeof entries[0][1] === 'string') {
      return new Uint8Array(Buffer.from(entries[0][1], 'base64'));
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of entries) out[k] = bytesFromJson(v);
    return out;
  }
  return value;
}
