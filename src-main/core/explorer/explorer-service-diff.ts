import type { DiffLine, DiffResult } from '../../../shared/ipc/explorer';
import { diffLines, MAX_TEXT_DIFF_BYTES } from './diff';

const decoder = new TextDecoder('utf-8', { fatal: false });

/**
 * Two messages compared line by line for the inspector's diff view; JSON is normalised first
 * (sorted keys, pretty) so key order and spacing don't count. The line diff itself is the data
 * core's bounded Myers diff.
 */
export function diffPayloads(a: Uint8Array, b: Uint8Array): DiffResult {
  const ja = parseJson(a);
  const jb = parseJson(b);
  const json = ja.ok && jb.ok;
  const left = json ? stableStringify(ja.value) : decoder.decode(a.subarray(0, MAX_TEXT_DIFF_BYTES));
  const right = json ? stableStringify(jb.value) : decoder.decode(b.subarray(0, MAX_TEXT_DIFF_BYTES));
  const diff = diffLines(left, right);
  const lines: DiffLine[] = diff.lines.map((l) => ({ op: l.op === 'equal' ? 'same' : l.op, text: l.text }));
  return { json, lines, added: diff.added, removed: diff.removed };
}

function parseJson(bytes: Uint8Array): { ok: true; value: unknown } | { ok: false } {
  if (bytes.length > MAX_TEXT_DIFF_BYTES * 8) return { ok: false };
  const text = decoder.decode(bytes).trim();
  if (text === '' || (text[0] !== '{' && text[0] !== '[')) return { ok: false };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

/** Pretty JSON with object keys sorted, so two equal values print the same. */
export function stableStringify(value: unknown): string {
  return JSON.stringify(sortKeys(value), null, 2);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key]);
    return out;
  }
  return value;
}
