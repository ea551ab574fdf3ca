/** Characters of a value shown in a tree row. */
export const PREVIEW_CHARS = 80;

const decoder = new TextDecoder('utf-8', { fatal: false });
const HEX_HINT_BYTES = 12;

/**
 * A one-line hint of a payload for a tree row: the start of its text when it reads as
 * text, else the first bytes in hex with the size.
 */
export function previewPayload(payload: Uint8Array | undefined): string {
  if (payload === undefined || payload.length === 0) return '';
  const head = payload.subarray(0, PREVIEW_CHARS * 4);
  if (looksLikeText(head)) {
    const text = decoder.decode(head).replace(/[\u0000-\u001f\u007f]+/g, ' ');
    return text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS - 1)}…` : text;
  }
  let hex = '';
  const n = Math.min(HEX_HINT_BYTES, payload.length);
  for (let i = 0; i < n; i++) hex += (i === 0 ? '' : ' ') + payload[i]!.toString(16).padStart(2, '0');
  return `0x ${hex}${payload.length > n ? ' …' : ''} (${payload.length} bytes)`;
}

/** Mostly printable: control bytes other than tab/newline/CR, and U+FFFD from bad UTF-8, are rare. */
function looksLikeText(bytes: Uint8Array): boolean {
  let odd = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b < 0x20 && b !== 9 && b !== 10 && b !== 13) odd++;
    else if (b === 0x7f) odd++;
  }
  if (odd * 10 > bytes.length) return false;
  // Cut the check short of a multi-byte character split at the window's end.
  const text = decoder.decode(bytes);
  let bad = 0;
  for (let i = 0; i < text.length - 1; i++) if (text.charCodeAt(i) === 0xfffd) bad++;
  return bad * 10 <= text.length;
}
