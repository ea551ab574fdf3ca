import type { DiffLine, DiffResult } from '../../../shared/ipc/explorer';

// The inspector's diff of two messages, over a bounded Myers line diff.

/** One line of a line diff. */
export interface LineOp {
  readonly op: 'equal' | 'added' | 'removed';
  readonly text: string;
}

/** A line diff of two texts. */
export interface LineDiff {
  readonly kind: 'text';
  readonly lines: readonly LineOp[];
  readonly added: number;
  readonly removed: number;
  /** The texts differ too much for a minimal diff; shown as all old lines removed, all new added. */
  readonly approximate: boolean;
  /** Lines were cut at maxItems. */
  readonly truncated: boolean;
}

export interface DiffOptions {
  /** Most diff lines returned. */
  readonly maxItems?: number;
  /** Most edits the line diff searches for before giving up on a minimal answer. */
  readonly maxEdits?: number;
}

const DEFAULT_MAX_ITEMS = 10_000;
const DEFAULT_MAX_EDITS = 2_000;
/** Bytes of each side a line diff reads; a 50 MB payload is compared on its first megabyte. */
export const MAX_TEXT_DIFF_BYTES = 1024 * 1024;
const decoder = new TextDecoder('utf-8', { fatal: false });

/**
 * Two messages compared line by line for the inspector's diff view; JSON is normalised first
 * (sorted keys, pretty) so key order and spacing don't count. The line diff is the bounded Myers diff below.
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

/** A line diff (Myers) of two texts, with common head and tail trimmed first. */
export function diffLines(before: string, after: string, options: DiffOptions = {}): LineDiff {
  const maxItems = options.maxItems ?? DEFAULT_MAX_ITEMS;
  const a = before === '' ? [] : before.split(/\r?\n/);
  const b = after === '' ? [] : after.split(/\r?\n/);
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const midA = a.slice(head, a.length - tail);
  const midB = b.slice(head, b.length - tail);
  let middle = myers(midA, midB, options.maxEdits ?? DEFAULT_MAX_EDITS);
  const approximate = middle === undefined;
  middle ??= [...midA.map((text): LineOp => ({ op: 'removed', text })), ...midB.map((text): LineOp => ({ op: 'added', text }))];
  const all: LineOp[] = [
    ...a.slice(0, head).map((text): LineOp => ({ op: 'equal', text })),
    ...middle,
    ...a.slice(a.length - tail).map((text): LineOp => ({ op: 'equal', text })),
  ];
  let added = 0;
  let removed = 0;
  for (const l of all) {
    if (l.op === 'added') added++;
    else if (l.op === 'removed') removed++;
  }
  return { kind: 'text', lines: all.slice(0, maxItems), added, removed, approximate, truncated: all.length > maxItems };
}

/**
 * Myers' O(ND) diff keeping only the diagonals each step touched, so memory is O(D²).
 * Returns undefined when more than `maxEdits` edits would be needed.
 */
function myers(a: readonly string[], b: readonly string[], maxEdits: number): LineOp[] | undefined {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  if (max === 0) return [];
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  v[offset + 1] = 0;
  for (let d = 0; d <= Math.min(max, maxEdits); d++) {
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!) ? v[offset + k + 1]! : v[offset + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) {
        trace.push(v.slice(offset - d, offset + d + 1));
        return backtrack(a, b, trace);
      }
    }
    trace.push(v.slice(offset - d, offset + d + 1));
  }
  return undefined;
}

function backtrack(a: readonly string[], b: readonly string[], trace: readonly Int32Array[]): LineOp[] {
  const ops: LineOp[] = [];
  let x = a.length;
  let y = b.length;
  for (let d = trace.length - 1; d > 0; d--) {
    const prev = trace[d - 1]!;
    const at = (k: number): number => prev[k + d - 1]!;
    const k = x - y;
    const prevK = k === -d || (k !== d && at(k - 1) < at(k + 1)) ? k + 1 : k - 1;
    const prevX = at(prevK);
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      ops.push({ op: 'equal', text: a[x - 1]! });
      x--;
      y--;
    }
    if (x === prevX) ops.push({ op: 'added', text: b[y - 1]! });
    else ops.push({ op: 'removed', text: a[x - 1]! });
    x = prevX;
    y = prevY;
  }
  while (x > 0 && y > 0) {
    ops.push({ op: 'equal', text: a[x - 1]! });
    x--;
    y--;
  }
  return ops.reverse();
}
