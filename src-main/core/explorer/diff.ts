/** One difference between two JSON values, at a path of keys and indices. */
export interface JsonChange {
  readonly op: 'added' | 'removed' | 'changed';
  readonly path: readonly (string | number)[];
  /** The path as `a.b[0].c` for display. */
  readonly pathText: string;
  readonly oldValue?: unknown;
  readonly newValue?: unknown;
}

/** One line of a line diff. */
export interface LineOp {
  readonly op: 'equal' | 'added' | 'removed';
  readonly text: string;
}

export type PayloadDiff =
  | { readonly kind: 'json'; readonly changes: readonly JsonChange[]; readonly truncated: boolean }
  | {
      readonly kind: 'text';
      readonly lines: readonly LineOp[];
      readonly added: number;
      readonly removed: number;
      /** The texts differ too much for a minimal diff; shown as all old lines removed, all new added. */
      readonly approximate: boolean;
      /** Lines were cut at maxItems, or the payloads at MAX_TEXT_DIFF_BYTES. */
      readonly truncated: boolean;
    };

export interface DiffOptions {
  /** Most JSON changes or diff lines returned. */
  readonly maxItems?: number;
  /** Most edits the line diff searches for before giving up on a minimal answer. */
  readonly maxEdits?: number;
}

const DEFAULT_MAX_ITEMS = 10_000;
const DEFAULT_MAX_EDITS = 2_000;
const MAX_JSON_BYTES = 8 * 1024 * 1024;
/** Bytes of each side a line diff reads; a 50 MB payload is compared on its first megabyte. */
export const MAX_TEXT_DIFF_BYTES = 1024 * 1024;
const strict = new TextDecoder('utf-8', { fatal: true });
const lenient = new TextDecoder('utf-8');

/** Differences between two payloads: by JSON path when both are JSON, else by line. */
export function diffPayloads(before: Uint8Array, after: Uint8Array, options: DiffOptions = {}): PayloadDiff {
  const maxItems = options.maxItems ?? DEFAULT_MAX_ITEMS;
  const a = parseJson(before);
  const b = parseJson(after);
  if (a.ok && b.ok) {
    const changes: JsonChange[] = [];
    const truncated = !diffJson(a.value, b.value, [], changes, maxItems);
    return { kind: 'json', changes, truncated };
  }
  const cut = before.length > MAX_TEXT_DIFF_BYTES || after.length > MAX_TEXT_DIFF_BYTES;
  const lines = diffLines(
    lenient.decode(before.subarray(0, MAX_TEXT_DIFF_BYTES)),
    lenient.decode(after.subarray(0, MAX_TEXT_DIFF_BYTES)),
    options,
  );
  return cut ? { ...lines, truncated: true } : lines;
}

/** A line diff (Myers) of two texts, with common head and tail trimmed first. */
export function diffLines(before: string, after: string, options: DiffOptions = {}): PayloadDiff & { kind: 'text' } {
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

function parseJson(bytes: Uint8Array): { ok: true; value: unknown } | { ok: false } {
  if (bytes.length === 0 || bytes.length > MAX_JSON_BYTES) return { ok: false };
  try {
    return { ok: true, value: JSON.parse(strict.decode(bytes)) };
  } catch {
    return { ok: false };
  }
}

/** Appends changes; returns false once `max` is reached. */
function diffJson(a: unknown, b: unknown, path: (string | number)[], out: JsonChange[], max: number): boolean {
  if (Object.is(a, b)) return true;
  const aObj = isContainer(a);
  const bObj = isContainer(b);
  if (aObj && bObj && Array.isArray(a) === Array.isArray(b)) {
    if (Array.isArray(a) && Array.isArray(b)) {
      const n = Math.max(a.length, b.length);
      for (let i = 0; i < n; i++) {
        if (!step(i < a.length, i < b.length, a[i], b[i], [...path, i], out, max)) return false;
      }
      return true;
    }
    const ra = a as Record<string, unknown>;
    const rb = b as Record<string, unknown>;
    for (const key of Object.keys(ra)) {
      if (!step(true, Object.hasOwn(rb, key), ra[key], rb[key], [...path, key], out, max)) return false;
    }
    for (const key of Object.keys(rb)) {
      if (Object.hasOwn(ra, key)) continue;
      if (!step(false, true, undefined, rb[key], [...path, key], out, max)) return false;
    }
    return true;
  }
  return push(out, { op: 'changed', path, pathText: pathText(path), oldValue: a, newValue: b }, max);
}

function step(inA: boolean, inB: boolean, a: unknown, b: unknown, path: (string | number)[], out: JsonChange[], max: number): boolean {
  if (inA && inB) return diffJson(a, b, path, out, max);
  if (inA) return push(out, { op: 'removed', path, pathText: pathText(path), oldValue: a }, max);
  return push(out, { op: 'added', path, pathText: pathText(path), newValue: b }, max);
}

function push(out: JsonChange[], change: JsonChange, max: number): boolean {
  if (out.length >= max) return false;
  out.push(change);
  return true;
}

function isContainer(v: unknown): boolean {
  return typeof v === 'object' && v !== null;
}

/** `a.b[0]["odd key"]`; the root is `$`. */
export function pathText(path: readonly (string | number)[]): string {
  if (path.length === 0) return '$';
  let text = '';
  for (const p of path) {
    if (typeof p === 'number') text += `[${p}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(p)) text += text === '' ? p : `.${p}`;
    else text += `[${JSON.stringify(p)}]`;
  }
  return text;
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
