import { promises as fs } from 'node:fs';

const MAX_FILE_BYTES = 1_000_000;

/** Whether text is PEM (one or more BEGIN/END blocks). */
export function isPem(text: string): boolean {
  return /-----BEGIN [A-Z0-9 ]+-----/.test(text);
}

/** Wraps DER bytes as PEM of the given label. */
export function derToPem(der: Uint8Array, label: string): string {
  const b64 = Buffer.from(der).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** Certificate or key material as PEM text: decoded base64, raw DER wrapped, PEM kept as it is. */
export function pemFromBytes(bytes: Uint8Array, label: 'CERTIFICATE' | 'PRIVATE KEY'): string {
  const text = Buffer.from(bytes).toString('utf8');
  return isPem(text) ? text : derToPem(bytes, label);
}

/**
 * Reads material another tool stored either inline (PEM text) or as a file path.
 * Returns undefined with a warning when a path cannot be read, so the rest of the profile still imports.
 */
export async function materialFromContentOrPath(
  value: string,
  label: 'CERTIFICATE' | 'PRIVATE KEY',
  owner: string,
  what: string,
  warnings: string[],
): Promise<string | undefined> {
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  if (isPem(trimmed)) return trimmed + '\n';
  try {
    const stat = await fs.stat(trimmed);
    if (!stat.isFile() || stat.size > MAX_FILE_BYTES) throw new Error('not a certificate-sized file');
    return pemFromBytes(await fs.readFile(trimmed), label);
  } catch {
    warnings.push(`${owner}: the ${what} file ${trimmed} could not be read on this machine; add it to the profile by hand.`);
    return undefined;
  }
}
