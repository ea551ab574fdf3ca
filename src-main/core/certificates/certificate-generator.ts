import { contractError } from '../../../shared/ipc/errors';
import { createPrivateKey, randomBytes, webcrypto, X509Certificate, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import { x509 } from './x509-runtime';

/** Key types offered when generating; EC P-256 is the default (fast, small, accepted everywhere). */
export type GeneratedKeyAlgorithm = 'ec-p256' | 'rsa-2048' | 'rsa-4096';

/** A freshly made certificate with its private key. */
export interface GeneratedIdentity {
  readonly certificatePem: string;
  readonly privateKey: KeyObject;
}

export interface CertificateAuthorityRequest {
  readonly commonName: string;
  readonly organization?: string;
  readonly validityDays?: number;
  readonly keyAlgorithm?: GeneratedKeyAlgorithm;
}

/** What an issued certificate says about its subject, and its key, whoever signs it: a CA's, plus a server's names. */
export interface CertificateSubjectRequest extends CertificateAuthorityRequest {
  /** Server certificates only; default ['localhost']. */
  readonly dnsNames?: readonly string[];
  /** Server certificates only; default ['127.0.0.1']. */
  readonly ipAddresses?: readonly string[];
}

export interface IssueRequest extends CertificateSubjectRequest {
  readonly issuer: GeneratedIdentity;
  readonly purpose: 'server' | 'client';
}

const subtle = webcrypto.subtle;
const DAY_MS = 86_400_000;
// Backdating absorbs small clock differences between the machine that issues and the one that verifies.
const BACKDATE_MS = 5 * 60_000;

/** Makes a self-signed local CA that may sign end-entity certificates only (pathlen 0). */
export async function generateCertificateAuthority(request: CertificateAuthorityRequest): Promise<GeneratedIdentity> {
  const algorithm = request.keyAlgorithm ?? 'ec-p256';
  const keys = await generateKeyPair(algorithm);
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: distinguishedName(request.commonName, request.organization),
    notBefore: new Date(now - BACKDATE_MS),
    notAfter: new Date(now + (request.validityDays ?? 3650) * DAY_MS),
    keys,
    signingAlgorithm: signingAlgorithm(algorithm),
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certificatePem: cert.toString('pem'), privateKey: await toKeyObject(keys.privateKey) };
}

/** Issues a server or client certificate signed by the given CA. */
export async function issueCertificate(request: IssueRequest): Promise<GeneratedIdentity> {
  const issuerCert = new x509.X509Certificate(request.issuer.certificatePem);
  const issuerNode = new X509Certificate(request.issuer.certificatePem);
  if (!issuerNode.ca) {
    throw contractError('NOT_A_CA', `"${issuerNode.subject.replace(/\n/g, ', ')}" is not a CA certificate, so it cannot sign others. Pick or generate a CA first.`);
  }
  const algorithm = request.keyAlgorithm ?? 'ec-p256';
  const keys = await generateKeyPair(algorithm);
  const signingKey = await toCryptoKey(request.issuer.privateKey);
  const now = Date.now();
  const notAfter = Math.min(now + (request.validityDays ?? 825) * DAY_MS, issuerCert.notAfter.getTime());
  const isServer = request.purpose === 'server';
  const usage = algorithm === 'ec-p256'
    ? x509.KeyUsageFlags.digitalSignature
    : x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment;
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(usage, true),
    new x509.ExtendedKeyUsageExtension([isServer ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth]),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    await x509.AuthorityKeyIdentifierExtension.create(issuerCert.publicKey),
  ];
  if (isServer) {
    const dns = request.dnsNames ?? ['localhost'];
    const ips = request.ipAddresses ?? ['127.0.0.1'];
    for (const ip of ips) {
      if (isIP(ip) === 0) throw contractError('INVALID_REQUEST', `"${ip}" is not an IP address. Put host names in the DNS names list instead.`);
    }
    const names = [...dns.map((value) => ({ type: 'dns' as const, value })), ...ips.map((value) => ({ type: 'ip' as const, value }))];
    if (names.length === 0) throw contractError('INVALID_REQUEST', 'A server certificate needs at least one DNS name or IP address clients will connect to.');
    extensions.push(new x509.SubjectAlternativeNameExtension(names));
  }
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: distinguishedName(request.commonName, request.organization),
    issuer: issuerCert.subjectName,
    notBefore: new Date(now - BACKDATE_MS),
    notAfter: new Date(notAfter),
    publicKey: keys.publicKey,
    signingKey,
    signingAlgorithm: signingAlgorithmForKey(request.issuer.privateKey),
    extensions,
  });
  return { certificatePem: cert.toString('pem'), privateKey: await toKeyObject(keys.privateKey) };
}

function distinguishedName(commonName: string, organization?: string): x509.JsonName {
  return organization ? [{ CN: [commonName] }, { O: [organization] }] : [{ CN: [commonName] }];
}

async function generateKeyPair(algorithm: GeneratedKeyAlgorithm): Promise<webcrypto.CryptoKeyPair> {
  switch (algorithm) {
    case 'ec-p256':
      return subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']) as Promise<webcrypto.CryptoKeyPair>;
    case 'rsa-2048':
    case 'rsa-4096':
      return subtle.generateKey(
        {
          name: 'RSASSA-PKCS1-v1_5',
          modulusLength: algorithm === 'rsa-2048' ? 2048 : 4096,
          publicExponent: new Uint8Array([1, 0, 1]),
          hash: 'SHA-256',
        },
        true,
        ['sign', 'verify'],
      ) as Promise<webcrypto.CryptoKeyPair>;
  }
}

function signingAlgorithm(algorithm: GeneratedKeyAlgorithm): { name: string; hash: string } {
  return algorithm === 'ec-p256' ? { name: 'ECDSA', hash: 'SHA-256' } : { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
}

function signingAlgorithmForKey(key: KeyObject): { name: string; hash: string } {
  return key.asymmetricKeyType === 'ec' ? { name: 'ECDSA', hash: 'SHA-256' } : { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
}

// Signing with a stored CA key: Node's KeyObject has to become a WebCrypto key for @peculiar/x509.
async function toCryptoKey(key: KeyObject): Promise<webcrypto.CryptoKey> {
  const pkcs8 = key.export({ type: 'pkcs8', format: 'der' });
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    const namedCurve = curve === 'prime256v1' ? 'P-256' : curve === 'secp384r1' ? 'P-384' : curve === 'secp521r1' ? 'P-521' : undefined;
    if (!namedCurve) throw contractError('UNSUPPORTED_FORMAT', `The CA key uses the curve ${String(curve)}, which Topiary cannot sign with. Use a P-256, P-384 or P-521 CA.`);
    return subtle.importKey('pkcs8', pkcs8, { name: 'ECDSA', namedCurve }, false, ['sign']) as Promise<webcrypto.CryptoKey>;
  }
  if (key.asymmetricKeyType === 'rsa') {
    return subtle.importKey('pkcs8', pkcs8, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['sign']) as Promise<webcrypto.CryptoKey>;
  }
  throw contractError('UNSUPPORTED_FORMAT', `Topiary can sign with RSA and EC CA keys, not ${String(key.asymmetricKeyType)}. Generate a new local CA.`);
}

async function toKeyObject(key: webcrypto.CryptoKey): Promise<KeyObject> {
  const pkcs8 = Buffer.from(await subtle.exportKey('pkcs8', key as webcrypto.CryptoKey));
  return createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
}

// Positive 128-bit serial: the top bit cleared so DER does not read it as negative.
function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f | 0x10;
  return bytes.toString('hex');
}
