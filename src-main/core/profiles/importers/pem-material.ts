import { X509Certificate, createPrivateKey } from 'node:crypto';
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

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n[\s\S]*?-----END \1-----/g;
const KEY_LABELS = new Set(['PRIVATE KEY', 'RSA PRIVATE KEY', 'EC PRIVATE KEY', 'ENCRYPTED PRIVATE KEY']);

function parsesAsCertificate(pemOrDer: string | Buffer): boolean {
  try {
    new X509Certificate(pemOrDer);
    return true;
  } catch {
    return false;
  }
}

function parsesAsPrivateKey(der: Buffer, type: 'pkcs8' | 'pkcs1' | 'sec1'): boolean {
  try {
    createPrivateKey({ key: der, format: 'der', type });
    return true;
  } catch {
    return false;
  }
}

/**
 * Only what parses as the material asked for, as PEM: every certificate block of a PEM bundle
 * (each parsed), a DER certificate, or one private-key block / DER key. Anything else in the
 * file (comments, other blocks) is dropped; a file holding none gives undefined.
 */
export function certificateMaterial(bytes: Buffer, label: 'CERTIFICATE' | 'PRIVATE KEY'): string | undefined {
  const text = bytes.toString('utf8');
  const blocks = [...text.matchAll(PEM_BLOCK)].map((m) => ({ label: m[1]!, pem: m[0] }));
  if (label === 'CERTIFICATE') {
    const certs = blocks.filter((b) => b.label === 'CERTIFICATE' && parsesAsCertificate(b.pem));
    if (certs.length > 0) return certs.map((b) => `${b.pem}\n`).join('');
    if (blocks.length === 0 && parsesAsCertificate(bytes)) return new X509Certificate(bytes).toString();
    return undefined;
  }
  const key = blocks.find((b) => KEY_LABELS.has(b.label));
  if (key) {
    // An encrypted key cannot be parsed without its passphrase; its label and base64 body still have to hold.
    if (key.label === 'ENCRYPTED PRIVATE KEY' || /Proc-Type: 4,ENCRYPTED/.test(key.pem)) return `${key.pem}\n`;
    try {
      createPrivateKey(key.pem);
      return `${key.pem}\n`;
    } catch {
      return undefined;
    }
  }
  if (blocks.length > 0) return undefined;
  for (const [type, der] of [['pkcs8', 'PRIVATE KEY'], ['pkcs1', 'RSA PRIVATE KEY'], ['sec1', 'EC PRIVATE KEY']] as const) {
    if (parsesAsPrivateKey(bytes, type)) return derToPem(bytes, der);
  }
  return undefined;
}

/**
 * Reads material another tool stored either inline (PEM text) or as a file path. A path is read
 * only when the file parses as the certificate or key it is named as, and only that material is
 * kept: an export naming /etc/passwd or a private file as its "ca" or "key" must never carry that
 * file's contents into a profile. Every file read, or refused, is named in a warning so the user
 * knows exactly what was taken from their disk.
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
  let bytes: Buffer;
  try {
    const stat = await fs.stat(trimmed);
    if (!stat.isFile() || stat.size > MAX_FILE_BYTES) throw new Error('not a certificate-sized file');
    bytes = await fs.readFile(trimmed);
  } catch {
    warnings.push(`${owner}: the ${what} file ${trimmed} could not be read on this machine; add it to the profile by hand.`);
    return undefined;
  }
  const material = certificateMaterial(bytes, label);
  if (material === undefined) {
    warnings.push(`${owner}: the ${what} file ${trimmed} is not a ${label === 'CERTIFICATE' ? 'certificate' : 'private key'}, so nothing was taken from it; add the right file to the profile by hand.`);
    return undefined;
  }
  warnings.push(`${owner}: read the ${what} from ${trimmed}${label === 'PRIVATE KEY' ? ' (stored sealed, like a password)' : ''}.`);
  return material;
}
