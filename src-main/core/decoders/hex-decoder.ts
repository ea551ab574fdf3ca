import type { DecodeResult } from './decoded-payload';

/** Bytes per hex page unless asked otherwise: 4,096 lines. */
export const HEX_PAGE_BYTES = 64 * 1024;

export interface HexOptions {
  /** First byte of the page (rounded down to a line). */
  readonly offset?: number;
  /** Bytes on the page; default HEX_PAGE_BYTES. */
  readonly length?: number;
  /** Everything on one page. */
  readonly full?: boolean;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Offset, hex and ASCII columns, 16 bytes a line, one page at a time. */
export function decodeHex(payload: Uint8Array, options: HexOptions = {}): DecodeResult {
  const start = Math.max(0, Math.min(payload.length, (options.offset ?? 0) - ((options.offset ?? 0) % 16)));
  const length = options.full === true ? payload.length : Math.max(16, options.length ?? HEX_PAGE_BYTES);
  const end = Math.min(payload.length, start + length);
  const lines: string[] = [];
  const offsetWidth = Math.max(8, payload.length.toString(16).length);
  for (let line = start; line < end; line += 16) {
    let hex = '';
    let ascii = '';
    for (let i = 0; i < 16; i++) {
      const at = line + i;
      if (i === 8) hex += ' ';
      if (at < end) {
        const b = payload[at]!;
        hex += `${HEX[b]} `;
        ascii += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
      } else {
        hex += '   ';
      }
    }
    lines.push(`${line.toString(16).padStart(offsetWidth, '0')}  ${hex} |${ascii}|`);
  }
  const result = {
    ok: true as const,
    kind: 'hex' as const,
    text: lines.join('\n'),
    totalBytes: payload.length,
    truncated: start > 0 || end < payload.length,
    warnings: [] as string[],
  };
  return end < payload.length ? { ...result, nextOffset: end } : result;
}
