const decoder = new TextDecoder('utf-8', { fatal: false });

/** Payloads longer than this are not read as one number or JSON document for a chart. */
const SERIES_PAYLOAD_LIMIT = 256 * 1024;

/**
 * The number a payload holds: the whole payload as a number, or with `field` (a dotted path
 * such as `sensor.temps.0`) the number at that place in its JSON. Booleans count as 0/1.
 */
export function numberAt(payload: Uint8Array, field: string | null): number | undefined {
  if (payload.length === 0 || payload.length > SERIES_PAYLOAD_LIMIT) return undefined;
  const text = decoder.decode(payload).trim();
  if (field === null || field === '') {
    if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) return Number(text);
    return asNumber(tryParse(text));
  }
  let value = tryParse(text);
  for (const key of field.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return asNumber(value);
}

function tryParse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function asNumber(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return undefined;
}
