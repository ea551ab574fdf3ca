import { contractError, TopiaryError } from '../../../shared/ipc/errors';
import { createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import forge from 'node-forge';
import { readPkcs12 } from './pkcs12';

/** One file or paste handed to the importer. */
export interface ImportInput {
  readonly data: Buffer | string;
  /** Passphrase for an encrypted key or a PKCS#12 file. */
  readonly passphrase?: string;
  /** Shown in error messages so the user knows which file failed. */
  readonly name?: string;
}

/** Certificates (DER) and private keys found in one or more inputs, in the order they appeared. */
export interface ParsedMaterial {
  readonly certificates: readonly Buffer[];
  readonly privateKeys: readonly KeyObject[];
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/g;

const CERTIFICATE_LABELS = new Set(['CERTIFICATE', 'X509 CERTIFICATE', 'TRUSTED CERTIFICATE']);
const KEY_LABELS = new Set(['PRIVATE KEY', 'RSA PRIVATE KEY', 'EC PRIVATE KEY', 'ENCRYPTED PRIVATE KEY', 'DSA PRIVATE KEY']);
// Blocks that travel beside keys and certificates and carry nothing we need.
const IGNORED_LABELS = new Set(['EC PARAMETERS', 'DH PARAMETERS']);

/** Reads certificates and keys from several inputs (e.g. a certificate file plus a key file). */
export function parseInputs(inputs: readonly ImportInput[]): ParsedMaterial {
  const certificates: Buffer[] = [];
  const privateKeys: KeyObject[] = [];
  for (const input of inputs) {
    const parsed = parseInput(input);
    certificates.push(...parsed.certificates);
    privateKeys.push(...parsed.privateKeys);
  }
  return { certificates, privateKeys };
}

/** Reads PEM (any mix of certificates and keys), DER certificates or keys, or PKCS#12. */
export function parseInput(input: ImportInput): ParsedMaterial {
  const bytes = typeof input.data === 'string' ? Buffer.from(input.data, 'utf8') : input.data;
  const where = input.name ? ` in ${input.name}` : '';
  const text = bytes.toString('latin1');
  if (text.includes('-----BEGIN ')) return parsePem(text, input.passphrase, where);
  if (bytes.length === 0) {
    throw contractError('CORRUPT_INPUT', `The file${where} is empty. Choose the certificate or key file itself.`);
  }
  if (bytes[0] !== 0x30) {
    throw contractError(
      'UNSUPPORTED_FORMAT',
      `Topiary does not recognise the content${where}. Use a PEM file (-----BEGIN CERTIFICATE-----), a DER certificate, or a PKCS#12 (.p12/.pfx) file.`,
    );
  }
  return parseDer(bytes, input.passphrase, where);
}

/** The certificate that belongs to this private key, or undefined. */
export function findCertificateForKey(certificates: readonly Buffer[], key: KeyObject): Buffer | undefined {
  const keySpki = createPublicKey(key).export({ type: 'spki', format: 'der' });
  return certificates.find((der) => new X509Certificate(der).publicKey.export({ type: 'spki', format: 'der' }).equals(keySpki));
}

/** Throws KEY_MISMATCH unless the key is the certificate's own. */
export function assertKeyMatches(certificate: Buffer, key: KeyObject): void {
  if (!findCertificateForKey([certificate], key)) {
    const subject = new X509Certificate(certificate).subject.replace(/\n/g, ', ');
    throw contractError(
      'KEY_MISMATCH',
      `The private key does not belong to the certificate "${subject}". Choose the key file that was created together with this certificate.`,
      { subject },
    );
  }
}

function parsePem(text: string, passphrase: string | undefined, where: string): ParsedMaterial {
  const certificates: Buffer[] = [];
  const privateKeys: KeyObject[] = [];
  const unknown: string[] = [];
  for (const match of text.matchAll(PEM_BLOCK)) {
    const label = match[1] ?? '';
    const block = match[0];
    if (CERTIFICATE_LABELS.has(label)) {
      certificates.push(readPemCertificate(block, label, where));
    } else if (KEY_LABELS.has(label)) {
      privateKeys.push(readPemKey(block, label, passphrase, where));
    } else if (!IGNORED_LABELS.has(label)) {
      unknown.push(label);
    }
  }
  if (certificates.length === 0 && privateKeys.length === 0) {
    if (unknown.length > 0) throw unsupportedPem(unknown[0] ?? '', where);
    throw contractError(
      'CORRUPT_INPUT',
      `The PEM text${where} is incomplete: a BEGIN line has no matching END line. Copy the whole block, including both lines.`,
    );
  }
  return { certificates, privateKeys };
}

function readPemCertificate(block: string, label: string, where: string): Buffer {
  const body = block.replace(/-----(BEGIN|END) [A-Z0-9 ]+-----/g, '').replace(/\s+/g, '');
  const der = Buffer.from(body, 'base64');
  try {
    // A TRUSTED CERTIFICATE is OpenSSL's certificate followed by trust settings; X509Certificate reads the first part.
    return Buffer.from(new X509Certificate(label === 'TRUSTED CERTIFICATE' ? stripTrailer(der) : der).raw);
  } catch {
    throw contractError(
      'CORRUPT_INPUT',
      `A certificate${where} is damaged (its base64 does not decode to a certificate). Copy it again from its source.`,
    );
  }
}

// The certificate is the first DER element; OpenSSL's trust settings follow it.
function stripTrailer(der: Buffer): Buffer {
  return der.subarray(0, declaredLength(der));
}

// The outer element's declared size, so a cut-off download is told apart from a foreign format.
function declaredLength(der: Buffer): number {
  const lengthByte = der[1] ?? 0;
  if (lengthByte < 0x80) return 2 + lengthByte;
  const count = lengthByte & 0x7f;
  let length = 0;
  for (let i = 0; i < count; i++) length = length * 256 + (der[2 + i] ?? 0);
  return 2 + count + length;
}

function readPemKey(block: string, label: string, passphrase: string | undefined, where: string): KeyObject {
  const encrypted = label === 'ENCRYPTED PRIVATE KEY' || /Proc-Type:\s*4,ENCRYPTED/.test(block);
  if (encrypted && (passphrase === undefined || passphrase === '')) {
    throw contractError('PASSPHRASE_REQUIRED', `The private key${where} is encrypted. Enter its passphrase.`);
  }
  try {
    return createPrivateKey({ key: block, format: 'pem', ...(encrypted ? { passphrase } : {}) });
  } catch (err) {
    throw keyError(err, encrypted, where);
  }
}

function parseDer(bytes: Buffer, passphrase: string | undefined, where: string): ParsedMaterial {
  try {
    return { certificates: [Buffer.from(new X509Certificate(bytes).raw)], privateKeys: [] };
  } catch {
    // Not a certificate; try the other DER shapes below.
  }
  let asn: forge.asn1.Asn1;
  try {
    if (declaredLength(bytes) > bytes.length) throw new Error('truncated');
    asn = forge.asn1.fromDer(forge.util.createBuffer(bytes.toString('binary')), false);
  } catch {
    throw contractError('CORRUPT_INPUT', `The binary file${where} is damaged or truncated. Export it again from its source.`);
  }
  const shape = derShape(asn);
  switch (shape) {
    case 'pkcs12':
      return readPkcs12(bytes, passphrase ?? '');
    case 'encrypted-pkcs8':
      if (!passphrase) throw contractError('PASSPHRASE_REQUIRED', `The private key${where} is encrypted. Enter its passphrase.`);
      try {
        return { certificates: [], privateKeys: [createPrivateKey({ key: bytes, format: 'der', type: 'pkcs8', passphrase })] };
      } catch (err) {
        throw keyError(err, true, where);
      }
    case 'key': {
      for (const type of ['pkcs8', 'pkcs1', 'sec1'] as const) {
        try {
          return { certificates: [], privateKeys: [createPrivateKey({ key: bytes, format: 'der', type })] };
        } catch {
          // Try the next key encoding.
        }
      }
      break;
    }
    case 'unknown':
      break;
  }
  throw contractError(
    'UNSUPPORTED_FORMAT',
    `Topiary does not recognise the binary file${where}. Use a DER certificate, a DER private key, or a PKCS#12 (.p12/.pfx) file.`,
  );
}

// Tell the DER shapes apart by their outer structure, so errors can name what the file is.
function derShape(asn: forge.asn1.Asn1): 'pkcs12' | 'encrypted-pkcs8' | 'key' | 'unknown' {
  if (!Array.isArray(asn.value)) return 'unknown';
  const [first, second] = asn.value as forge.asn1.Asn1[];
  if (first?.type === forge.asn1.Type.INTEGER && first.value === String.fromCharCode(3) && second?.type === forge.asn1.Type.SEQUENCE) {
    return 'pkcs12';
  }
  if (first?.type === forge.asn1.Type.SEQUENCE && second?.type === forge.asn1.Type.OCTETSTRING && asn.value.length === 2) {
    return 'encrypted-pkcs8';
  }
  if (first?.type === forge.asn1.Type.INTEGER) return 'key';
  return 'unknown';
}

function keyError(err: unknown, encrypted: boolean, where: string): TopiaryError {
  const code = (err as { code?: string }).code ?? '';
  if (encrypted) {
    // A wrong passphrase usually fails the padding check; rarely it decrypts to garbage the decoder rejects.
    return contractError('WRONG_PASSPHRASE', `The passphrase does not unlock the private key${where}. Check it and try again.`, {
      cause: code,
    });
  }
  if (/UNSUPPORTED/.test(code)) {
    return contractError('UNSUPPORTED_FORMAT', `The private key${where} uses a type or encoding Topiary cannot read. Convert it to PKCS#8 PEM (openssl pkcs8 -topk8).`, {
      cause: code,
    });
  }
  return contractError('CORRUPT_INPUT', `The private key${where} is damaged. Copy it again from its source.`, { cause: code });
}

function unsupportedPem(label: string, where: string): TopiaryError {
  const hint =
    label === 'CERTIFICATE REQUEST' || label === 'NEW CERTIFICATE REQUEST'
      ? 'This is a certificate signing request, not a certificate: have it signed by a CA and import the result.'
      : label === 'PUBLIC KEY'
        ? 'This is a bare public key; import the certificate that contains it instead.'
        : label === 'PKCS7'
          ? 'This is a PKCS#7 bundle; convert it with "openssl pkcs7 -print_certs" and import the PEM output.'
          : 'Import a certificate (BEGIN CERTIFICATE) or a private key (BEGIN PRIVATE KEY).';
  return contractError('UNSUPPORTED_FORMAT', `The PEM block "${label}"${where} is not something Topiary imports. ${hint}`, { label });
}
