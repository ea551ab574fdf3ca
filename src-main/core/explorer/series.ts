import type { Series, SeriesPoint } from '../../../shared/ipc/explorer';
import type { MessageHistory } from './history';

/** Where the number lives: the whole payload, or a field of a JSON payload. */
export type SeriesSource = { readonly kind: 'payload' } | { readonly kind: 'json'; readonly path: string };

/** The contract's series without its topic and field: the points, and messages that held no number (gaps). */
export type SeriesValues = Pick<Series, 'points' | 'skipped'>;

/** Payloads larger than this are not parsed for a series point. */
const MAX_PARSE_BYTES = 1024 * 1024;
/** The field list looks at this many of the newest payloads, each at most this large, to at most this depth. */
const FIELD_SCAN_PAYLOADS = 10;
const FIELD_SCAN_BYTES = 64 * 1024;
const FIELD_SCAN_DEPTH = 8;
/** At most this many fields are offered; a payload with thousands of numbers is not a pick list. */
export const MAX_NUMERIC_FIELDS = 200;
const decoder = new TextDecoder('utf-8');

/**
 * Splits a field path: `sensors.0.temp`, `sensors[0].temp` and `["odd.key"].v` all work.
 * Numeric segments index arrays and also match object keys of the same name.
 */
export function parseFieldPath(path: string): string[] {
  const out: string[] = [];
  const re = /\[\s*"((?:[^"\\]|\\.)*)"\s*\]|\[\s*(\d+)\s*\]|([^.[\]]+)/g;
  for (let m = re.exec(path); m !== null; m = re.exec(path)) {
    if (m[1] !== undefined) out.push(JSON.parse(`"${m[1]}"`) as string);
    else out.push(m[2] ?? m[3]!);
  }
  return out;
}

/** The number a payload holds at a source, or undefined if there is none. */
export function numberAt(payload: Uint8Array, source: SeriesSource, segments?: readonly string[]): number | undefined {
  if (payload.length === 0 || payload.length > MAX_PARSE_BYTES) return undefined;
  const text = decoder.decode(payload);
  if (source.kind === 'payload') return toNumber(text.trim());
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  for (const key of segments ?? parseFieldPath(source.path)) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return toNumber(value);
}

/** A topic's numeric series from its history, oldest first. */
export function seriesFromHistory(history: MessageHistory, key: number, source: SeriesSource): SeriesValues {
  const segments = source.kind === 'json' ? parseFieldPath(source.path) : undefined;
  const points: SeriesPoint[] = [];
  let skipped = 0;
  history.forEach(key, (payload, t) => {
    const v = numberAt(payload, source, segments);
    if (v === undefined) skipped++;
    else points.push({ t, v });
  });
  return { points, skipped };
}

/** A field path that parseFieldPath reads back: `a.b.0`, with `["odd.key"]` for keys that hold dots or brackets. */
export function joinFieldPath(segments: readonly string[]): string {
  return segments.map((key, i) => (/^[^.[\]"\s]+$/.test(key) ? (i === 0 ? key : `.${key}`) : `[${JSON.stringify(key)}]`)).join('');
}

/**
 * The numeric fields of a topic's newest JSON payloads, newest payload first, for the chart's pick list. Only real
 * JSON numbers count (not numeric strings or booleans): those are what a user means to chart.
 */
export function numericFields(history: MessageHistory, key: number): string[] {
  const found = new Set<string>();
  const visit = (value: unknown, path: string[]): void => {
    if (found.size >= MAX_NUMERIC_FIELDS) return;
    if (typeof value === 'number') {
      if (path.length > 0 && Number.isFinite(value)) found.add(joinFieldPath(path));
      return;
    }
    if (value === null || typeof value !== 'object' || path.length >= FIELD_SCAN_DEPTH) return;
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) visit(v, [...path, k]);
  };
  const entries = history.entries(key, FIELD_SCAN_PAYLOADS).reverse();
  for (const { payload } of entries) {
    if (payload.length === 0 || payload.length > FIELD_SCAN_BYTES) continue;
    const text = decoder.decode(payload).trimStart();
    // Only objects and arrays: a plain number payload is the "whole payload" choice, not a field.
    if (!text.startsWith('{') && !text.startsWith('[')) continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      continue;
    }
    visit(value, []);
  }
  return [...found];
}

function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string') {
    const s = value.trim();
    if (s === '') return undefined;
    if (s === 'true' || s === 'false') return s === 'true' ? 1 : 0;
    const n = Number(s);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}
