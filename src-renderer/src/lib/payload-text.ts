/** How the slice's inspector shows a payload: pretty JSON, text, or a hex dump for binary. */
export interface FormattedPayload {
  readonly kind: 'json' | 'text' | 'hex' | 'empty';
  readonly text: string;
  readonly truncated: boolean;
}

const DISPLAY_LIMIT = 256 * 1024;
const decoder = new TextDecoder('utf-8', { fatal: true });

function isMostlyPrintable(text: string): boolean {
  let control = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) control++;
  }
  return control <= text.length * 0.02;
}

export function hexDump(bytes: Uint8Array, limit = DISPLAY_LIMIT / 4): string {
  const lines: string[] = [];
  const end = Math.min(bytes.length, limit);
  for (let offset = 0; offset < end; offset += 16) {
    const row = bytes.subarray(offset, Math.min(offset + 16, end));
    const hex = Array.from(row, (b) => b.toString(16).padStart(2, '0')).join(' ');
    const ascii = Array.from(row, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    lines.push(`${offset.toString(16).padStart(8, '0')}  ${hex.padEnd(47)}  ${ascii}`);
  }
  return lines.join('\n');
}

export function formatPayload(bytes: Uint8Array): FormattedPayload {
  if (bytes.length === 0) return { kind: 'empty', text: '', truncated: false };
  const truncated = bytes.length > DISPLAY_LIMIT;
  const head = truncated ? bytes.subarray(0, DISPLAY_LIMIT) : bytes;
  let text: string;
  try {
    text = decoder.decode(head);
  } catch {
    return { kind: 'hex', text: hexDump(bytes), truncated: bytes.length > DISPLAY_LIMIT / 4 };
  }
  if (!isMostlyPrintable(text)) return { kind: 'hex', text: hexDump(bytes), truncated: bytes.length > DISPLAY_LIMIT / 4 };
  if (!truncated) {
    const trimmed = text.trimStart();
    if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
      try {
        return { kind: 'json', text: JSON.stringify(JSON.parse(text), null, 2), truncated: false };
      } catch {
        // Not JSON after all: show it as text.
      }
    }
  }
  return { kind: 'text', text, truncated };
}
