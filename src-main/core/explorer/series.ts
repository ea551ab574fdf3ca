import type { Series, SeriesPoint } from '../../../shared/ipc/explorer';
import type { MessageHistory } from './history';

/** Where the number lives: the whole payload, or a field of a JSON payload. */
export type SeriesSource = { readonly kind: 'payload' } | { readonly kind: 'json'; readonly path: string };

/** The contract's series without its topic and field: the points, and messages that held no number (gaps). */
export type SeriesValues = Pick<Series, 'points' | 'skipped'>;

/** Payloads larger than this are not parsed for a series point. */
const MAX_PARSE_BYTES = 1024 * 1024;
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
