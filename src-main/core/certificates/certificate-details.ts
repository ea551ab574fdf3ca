import { X509Certificate as NodeX509Certificate } from 'node:crypto';
import forge from 'node-forge';
import { x509 } from './x509-runtime';
import type { CertificateDetails, DistinguishedName, KeyUsageName, NameAttribute, PublicKeySummary, SubjectAltNames } from '../../../shared/ipc/certificates';
export type { CertificateDetails, DistinguishedName, KeyUsageName, NameAttribute, PublicKeySummary, SubjectAltNames };

const NAME_TYPES: Readonly<Record<string, string>> = {
  '2.5.4.3': 'CN',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.5': 'serialNumber',
  '1.2.840.113549.1.9.1': 'E',
  '0.9.2342.19200300.100.1.25': 'DC',
};

const SIGNATURE_ALGORITHMS: Readonly<Record<string, string>> = {
  '1.2.840.113549.1.1.4': 'md5WithRSAEncryption',
  '1.2.840.113549.1.1.5': 'sha1WithRSAEncryption',
  '1.2.840.113549.1.1.10': 'rsassaPss',
  '1.2.840.113549.1.1.11': 'sha256WithRSAEncryption',
  '1.2.840.113549.1.1.12': 'sha384WithRSAEncryption',
  '1.2.840.113549.1.1.13': 'sha512WithRSAEncryption',
  '1.2.840.10045.4.1': 'ecdsa-with-SHA1',
  '1.2.840.10045.4.3.2': 'ecdsa-with-SHA256',
  '1.2.840.10045.4.3.3': 'ecdsa-with-SHA384',
  '1.2.840.10045.4.3.4': 'ecdsa-with-SHA512',
  '1.3.101.112': 'ED25519',
  '1.3.101.113': 'ED448',
};

const EXTENDED_KEY_USAGES: Readonly<Record<string, string>> = {
  '1.3.6.1.5.5.7.3.1': 'serverAuth',
  '1.3.6.1.5.5.7.3.2': 'clientAuth',
  '1.3.6.1.5.5.7.3.3': 'codeSigning',
  '1.3.6.1.5.5.7.3.4': 'emailProtection',
  '1.3.6.1.5.5.7.3.8': 'timeStamping',
  '1.3.6.1.5.5.7.3.9': 'OCSPSigning',
  '2.5.29.37.0': 'anyExtendedKeyUsage',
};

const KEY_USAGE_BITS: readonly (readonly [number, KeyUsageName])[] = [
  [x509.KeyUsageFlags.digitalSignature, 'digitalSignature'],
  [x509.KeyUsageFlags.nonRepudiation, 'nonRepudiation'],
  [x509.KeyUsageFlags.keyEncipherment, 'keyEncipherment'],
  [x509.KeyUsageFlags.dataEncipherment, 'dataEncipherment'],
  [x509.KeyUsageFlags.keyAgreement, 'keyAgreement'],
  [x509.KeyUsageFlags.keyCertSign, 'keyCertSign'],
  [x509.KeyUsageFlags.cRLSign, 'cRLSign'],
  [x509.KeyUsageFlags.encipherOnly, 'encipherOnly'],
  [x509.KeyUsageFlags.decipherOnly, 'decipherOnly'],
];

const CURVES: Readonly<Record<string, string>> = {
  prime256v1: 'P-256',
  secp384r1: 'P-384',
  secp521r1: 'P-521',
};

const DAY_MS = 86_400_000;

/** Reads every field the details view needs from one DER certificate. */
export function describeCertificate(der: Buffer, now: Date = new Date()): CertificateDetails {
  const node = new NodeX509Certificate(der);
  const cert = new x509.X509Certificate(der);
  const notAfter = cert.notAfter;
  const basic = cert.getExtension(x509.BasicConstraintsExtension);
  return {
    subject: readName(cert.subjectName),
    issuer: readName(cert.issuerName),
    subjectAltNames: readSubjectAltNames(cert),
    notBefore: cert.notBefore.toISOString(),
    notAfter: notAfter.toISOString(),
    daysRemaining: Math.floor((notAfter.getTime() - now.getTime()) / DAY_MS),
    publicKey: summarisePublicKey(node),
    signatureAlgorithm: readSignatureAlgorithm(der),
    keyUsage: readKeyUsage(cert),
    extendedKeyUsage: (cert.getExtension(x509.ExtendedKeyUsageExtension)?.usages ?? []).map(
      (oid) => EXTENDED_KEY_USAGES[String(oid)] ?? String(oid),
    ),
    ...(basic ? { basicConstraints: basic.pathLength === undefined ? { ca: basic.ca } : { ca: basic.ca, pathLength: basic.pathLength } } : {}),
    isCa: basic?.ca ?? false,
    serialNumber: node.serialNumber.toUpperCase(),
    fingerprints: { sha1: node.fingerprint, sha256: node.fingerprint256 },
    selfSigned: isSelfSigned(node),
    pem: node.toString(),
  };
}

/** Issued by itself and signed by its own key (a root, or a lone self-signed server certificate). */
export function isSelfSigned(cert: NodeX509Certificate): boolean {
  return cert.checkIssued(cert) && cert.verify(cert.publicKey);
}

function readName(name: InstanceType<typeof x509.Name>): DistinguishedName {
  const attributes: NameAttribute[] = [];
  for (const rdn of name.toJSON()) {
    for (const [type, values] of Object.entries(rdn)) {
      for (const value of values) attributes.push({ type: NAME_TYPES[type] ?? type, value });
    }
  }
  const first = (type: string): string | undefined => attributes.find((a) => a.type === type)?.value;
  const fields = {
    commonName: first('CN'),
    organization: first('O'),
    organizationalUnit: first('OU'),
    country: first('C'),
    state: first('ST'),
    locality: first('L'),
    emailAddress: first('E'),
  };
  const defined = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
  return { text: attributes.map((a) => `${a.type}=${a.value}`).join(', '), ...defined, attributes };
}

function readSubjectAltNames(cert: InstanceType<typeof x509.X509Certificate>): SubjectAltNames {
  const names = cert.getExtension(x509.SubjectAlternativeNameExtension)?.names.items ?? [];
  const pick = (type: string): string[] => names.filter((n) => n.type === type).map((n) => n.value);
  return { dns: pick('dns'), ip: pick('ip'), email: pick('email'), uri: pick('url') };
}

function readKeyUsage(cert: InstanceType<typeof x509.X509Certificate>): KeyUsageName[] {
  const ext = cert.getExtension(x509.KeyUsagesExtension);
  if (!ext) return [];
  return KEY_USAGE_BITS.filter(([bit]) => (ext.usages & bit) !== 0).map(([, name]) => name);
}

function summarisePublicKey(cert: NodeX509Certificate): PublicKeySummary {
  const key = cert.publicKey;
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'rsa':
    case 'rsa-pss':
      return { type: key.asymmetricKeyType, bits: details.modulusLength, text: `RSA ${String(details.modulusLength)}` };
    case 'ec': {
      const curve = CURVES[details.namedCurve ?? ''] ?? details.namedCurve ?? 'unknown curve';
      const bits = curve === 'P-256' ? 256 : curve === 'P-384' ? 384 : curve === 'P-521' ? 521 : undefined;
      return { type: 'ec', curve, ...(bits ? { bits } : {}), text: `EC ${curve}` };
    }
    case 'ed25519':
      return { type: 'ed25519', bits: 256, text: 'Ed25519' };
    case 'ed448':
      return { type: 'ed448', bits: 456, text: 'Ed448' };
    case 'dsa':
      return { type: 'dsa', bits: details.modulusLength, text: `DSA ${String(details.modulusLength)}` };
    default:
      return { type: 'unknown', text: key.asymmetricKeyType ?? 'unknown' };
  }
}

// Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm AlgorithmIdentifier, signature }
function readSignatureAlgorithm(der: Buffer): string {
  const root = forge.asn1.fromDer(forge.util.createBuffer(der.toString('binary')));
  const algorithm = (root.value as forge.asn1.Asn1[])[1];
  const oidNode = (algorithm?.value as forge.asn1.Asn1[] | undefined)?.[0];
  if (!oidNode || typeof oidNode.value !== 'string') return 'unknown';
  const oid = forge.asn1.derToOid(forge.util.createBuffer(oidNode.value));
  return SIGNATURE_ALGORITHMS[oid] ?? oid;
}
