import type { DiffLine, DiffResult } from '../../shared/ipc/explorer';

/** Lines compared with a full LCS table only below this product; above it, a cheaper prefix/suffix diff. */
const LCS_CELL_LIMIT = 4_000_000;
const MAX_LINES = 20_000;

const decoder = new TextDecoder('utf-8', { fatal: false });

/** Compares two payloads line by line; JSON is normalised first (sorted keys, pretty) so key order and spacing don't count. */
export function diffPayloads(a: Uint8Array, b: Uint8Array): DiffResult {
  const ja = parseJson(a);
  const jb = parseJson(b);
  const json = ja.ok && jb.ok;
  const left = json ? stableStringify(ja.value) : decoder.decode(a);
  const right = json ? stableStringify(jb.value) : decoder.decode(b);
  const lines = diffLines(left.split('\n').slice(0, MAX_LINES), right.split('\n').slice(0, MAX_LINES));
  let added = 0;
  let removed = 0;
  for (const l of lines) {
    if (l.op === 'added') added++;
    else if (l.op === 'removed') removed++;
  }
  return { json, lines, added, removed };
}

function parseJson(bytes: Uint8Array): { ok: true; value: unknown } | { ok: false } {
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

/** A line diff: longest common subsequence when small enough, else common prefix and suffix around one changed block. */
export function diffLines(a: readonly string[], b: readonly string[]): DiffLine[] {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const out: DiffLine[] = a.slice(0, start).map((text) => ({ op: 'same', text }));
  const midA = a.slice(start, endA);
  const midB = b.slice(start, endB);
  if (midA.length * midB.length <= LCS_CELL_LIMIT) out.push(...lcsDiff(midA, midB));
  else {
    for (const text of midA) out.push({ op: 'removed', text });
    for (const text of midB) out.push({ op: 'added', text });
  }
  for (let i = endA; i < a.length; i++) out.push({ op: 'same', text: a[i]! });
  return out;
}

function lcsDiff(a: readonly string[], b: readonly string[]): DiffLine[] {
  const n = a.length;
  const m = b.length;
  const width = m + 1;
  const table = new Uint32Array((n + 1) * width);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      table[i * width + j] = a[i] === b[j] ? table[(i + 1) * width + j + 1]! + 1 : Math.max(table[(i + 1) * width + j]!, table[i * width + j + 1]!);
    }
  }
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      out.push({ op: 'same', text: a[i]! });
      i++;
      j++;
    } else if (table[(i + 1) * width + j]! >= table[i * width + j + 1]!) out.push({ op: 'removed', text: a[i++]! });
    else out.push({ op: 'added', text: b[j++]! });
  }
  while (i < n) out.push({ op: 'removed', text: a[i++]! });
  while (j < m) out.push({ op: 'added', text: b[j++]! });
  return out;
}
