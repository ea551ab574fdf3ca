import { type DecodeResult, type PageOptions, TEXT_PAGE_BYTES, formatBytes } from './decoded-payload';

/** One stretch of bytes that is not valid UTF-8. */
export interface InvalidSequence {
  readonly offset: number;
  readonly length: number;
}

const MAX_REPORTED = 100;
const lenient = new TextDecoder('utf-8', { fatal: false });

/**
 * UTF-8 text. Invalid sequences show as U+FFFD and are reported with their offsets; a
 * large payload shows its first page unless `full` is set.
 */
export function decodeText(payload: Uint8Array, options: PageOptions = {}): DecodeResult {
  const page = options.full === true ? payload.length : (options.pageBytes ?? TEXT_PAGE_BYTES);
  const end = payload.length <= page ? payload.length : utf8Boundary(payload, page);
  const shown = payload.subarray(0, end);
  const invalid = findInvalidUtf8(shown, end < payload.length);
  const warnings: string[] = [];
  if (invalid.count > 0) {
    const first = invalid.sequences[0]!;
    warnings.push(
      `${invalid.count} invalid UTF-8 sequence${invalid.count === 1 ? '' : 's'} (first at byte ${first.offset}); shown as \uFFFD.`,
    );
  }
  if (end < payload.length) warnings.push(`Showing the first ${formatBytes(end)} of ${formatBytes(payload.length)}.`);
  return {
    ok: true,
    kind: 'text',
    text: lenient.decode(shown),
    value: invalid.count > 0 ? { invalidSequences: invalid.sequences, invalidCount: invalid.count } : undefined,
    totalBytes: payload.length,
    truncated: end < payload.length,
    warnings,
  };
}

/** Scans for invalid UTF-8; `cutAtEnd` forgives a sequence cut off by the page end. */
export function findInvalidUtf8(
  bytes: Uint8Array,
  cutAtEnd = false,
): { readonly count: number; readonly sequences: readonly InvalidSequence[] } {
  const sequences: InvalidSequence[] = [];
  let count = 0;
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else {
      count++;
      if (sequences.length < MAX_REPORTED) sequences.push({ offset: i, length: 1 });
      i++;
      continue;
    }
    let cp = b & (0x3f >> need);
    let j = 1;
    for (; j <= need && i + j < n; j++) {
      const c = bytes[i + j]!;
      if ((c & 0xc0) !== 0x80) break;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (j <= need && i + j >= n && cutAtEnd) break;
    if (j <= need || cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      count++;
      if (sequences.length < MAX_REPORTED) sequences.push({ offset: i, length: Math.max(1, j) });
      i += Math.max(1, j);
      continue;
    }
    i += need + 1;
  }
  return { count, sequences };
}

/** Whether bytes are valid UTF-8 and mostly printable (so worth showing as text). */
export function looksLikeText(bytes: Uint8Array): boolean {
  if (bytes.length === 0) return true;
  if (findInvalidUtf8(bytes, false).count > 0) return false;
  let control = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if ((b < 0x20 && b !== 9 && b !== 10 && b !== 13) || b === 0x7f) control++;
  }
  return control * 20 <= bytes.length;
}

/** The largest offset ≤ `at` that does not split a UTF-8 character. */
export function utf8Boundary(bytes: Uint8Array, at: number): number {
  let i = Math.min(at, bytes.length);
  let back = 0;
  while (i > 0 && back < 3 && (bytes[i]! & 0xc0) === 0x80) {
    i--;
    back++;
  }
  return i;
}
