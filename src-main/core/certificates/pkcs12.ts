import { contractError } from '../../../shared/ipc/errors';
import { createPrivateKey, randomBytes, type KeyObject } from 'node:crypto';
import forge from 'node-forge';

/** What a PKCS#12 file holds once opened: certificates as DER and at most one private key. */
export interface Pkcs12Contents {
  readonly certificates: readonly Buffer[];
  readonly privateKeys: readonly KeyObject[];
}

const OID = {
  data: '1.2.840.113549.1.7.1',
  certBag: '1.2.840.113549.1.12.10.1.3',
  shroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  localKeyId: '1.2.840.113549.1.9.21',
  friendlyName: '1.2.840.113549.1.9.20',
  sha256: '2.16.840.1.101.3.4.2.1',
} as const;

/**
 * Opens a PKCS#12/PFX file, modern (AES, PBKDF2) or legacy (RC2/3DES).
 *
 * node-forge does the work because Node can only hand a PFX to OpenSSL's TLS context, never open it.
 * forge cannot model EC keys or certificates, so those come back as raw ASN.1 and Node reads them.
 */
export function readPkcs12(der: Buffer, password: string): Pkcs12Contents {
  let asn: forge.asn1.Asn1;
  try {
    asn = forge.asn1.fromDer(forge.util.createBuffer(der.toString('binary')));
  } catch {
    throw contractError('CORRUPT_INPUT', 'This PKCS#12 file is damaged or incomplete. Export it again from its source.');
  }
  let p12: forge.pkcs12.Pkcs12Pfx;
  try {
    p12 = forge.pkcs12.pkcs12FromAsn1(asn, false, password);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (/password|MAC could not be verified|decrypt/i.test(message)) {
      throw contractError(
        password === '' ? 'PASSPHRASE_REQUIRED' : 'WRONG_PASSPHRASE',
        password === ''
          ? 'This PKCS#12 file is protected by a password. Enter the password it was exported with.'
          : 'The password does not open this PKCS#12 file. Check the password it was exported with and try again.',
      );
    }
    if (/unsupported|not supported|unknown/i.test(message)) {
      throw contractError(
        'UNSUPPORTED_FORMAT',
        `This PKCS#12 file uses an encryption Topiary cannot read (${message}). Export it again as PEM, or as PKCS#12 with AES-256.`,
      );
    }
    throw contractError('CORRUPT_INPUT', `This PKCS#12 file could not be read (${message}). Export it again from its source.`);
  }
  const certificates: Buffer[] = [];
  const privateKeys: KeyObject[] = [];
  for (const contents of p12.safeContents) {
    for (const bag of contents.safeBags) {
      const raw = bag as forge.pkcs12.Bag & { asn1?: forge.asn1.Asn1 };
      if (bag.type === forge.pki.oids.certBag) {
        const certAsn = bag.cert ? forge.pki.certificateToAsn1(bag.cert) : raw.asn1;
        if (certAsn) certificates.push(asnToBuffer(certAsn));
      } else if (bag.type === forge.pki.oids.pkcs8ShroudedKeyBag || bag.type === forge.pki.oids.keyBag) {
        if (bag.key) {
          privateKeys.push(createPrivateKey(forge.pki.privateKeyToPem(bag.key)));
        } else if (raw.asn1) {
          privateKeys.push(createPrivateKey({ key: asnToBuffer(raw.asn1), format: 'der', type: 'pkcs8' }));
        }
      }
    }
  }
  return { certificates, privateKeys };
}

export interface Pkcs12WriteRequest {
  /** Leaf first, then its chain. */
  readonly certificates: readonly Buffer[];
  readonly privateKey?: KeyObject;
  readonly password: string;
  readonly friendlyName?: string;
}

/**
 * Writes a PKCS#12 file that OpenSSL 3, Node and the OS keychains open.
 *
 * Built by hand on forge's ASN.1 because forge's own writer only takes RSA keys: the key bag holds
 * Node's PBES2 (PBKDF2-SHA256, AES-256-CBC) encrypted PKCS#8, and the MAC is HMAC-SHA256.
 */
export function writePkcs12(request: Pkcs12WriteRequest): Buffer {
  const { asn1 } = forge;
  const localKeyId = randomBytes(20);
  const attributes = (withKeyId: boolean): forge.asn1.Asn1 => {
    const list: forge.asn1.Asn1[] = [];
    if (request.friendlyName) {
      list.push(attribute(OID.friendlyName, asn1.create(asn1.Class.UNIVERSAL, asn1.Type.BMPSTRING, false, request.friendlyName)));
    }
    if (withKeyId) list.push(attribute(OID.localKeyId, octets(localKeyId)));
    return asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SET, true, list);
  };
  const certBags = request.certificates.map((der, index) =>
    safeBag(
      OID.certBag,
      seq([oid(OID.x509Certificate), explicit0(octets(der))]),
      index === 0 && request.privateKey !== undefined ? attributes(true) : undefined,
    ),
  );
  const contentInfos = [dataContentInfo(seq(certBags))];
  if (request.privateKey) {
    const shrouded = request.privateKey.export({
      type: 'pkcs8',
      format: 'der',
      cipher: 'aes-256-cbc',
      passphrase: request.password,
    });
    const keyBag = safeBag(OID.shroudedKeyBag, bufferToAsn(shrouded), attributes(true));
    contentInfos.push(dataContentInfo(seq([keyBag])));
  }
  const authSafe = asnToBuffer(seq(contentInfos));

  const salt = randomBytes(16);
  const iterations = 2048;
  const macKey = forge.pkcs12.generateKey(request.password, forge.util.createBuffer(salt.toString('binary')), 3, iterations, 32, forge.md.sha256.create());
  const hmac = forge.hmac.create();
  hmac.start('sha256', macKey);
  hmac.update(authSafe.toString('binary'));
  const mac = Buffer.from(hmac.digest().getBytes(), 'binary');

  const pfx = seq([
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, String.fromCharCode(3)),
    seq([oid(OID.data), explicit0(octets(authSafe))]),
    seq([
      seq([seq([oid(OID.sha256), asn1.create(asn1.Class.UNIVERSAL, asn1.Type.NULL, false, '')]), octets(mac)]),
      octets(salt),
      asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, asn1.integerToDer(iterations).getBytes()),
    ]),
  ]);
  return asnToBuffer(pfx);
}

function seq(items: forge.asn1.Asn1[]): forge.asn1.Asn1 {
  return forge.asn1.create(forge.asn1.Class.UNIVERSAL, forge.asn1.Type.SEQUENCE, true, items);
}
function oid(value: string): forge.asn1.Asn1 {
  return forge.asn1.create(forge.asn1.Class.UNIVERSAL, forge.asn1.Type.OID, false, forge.asn1.oidToDer(value).getBytes());
}
function octets(value: Buffer): forge.asn1.Asn1 {
  return forge.asn1.create(forge.asn1.Class.UNIVERSAL, forge.asn1.Type.OCTETSTRING, false, value.toString('binary'));
}
function explicit0(inner: forge.asn1.Asn1): forge.asn1.Asn1 {
  return forge.asn1.create(forge.asn1.Class.CONTEXT_SPECIFIC, 0, true, [inner]);
}
function attribute(type: string, value: forge.asn1.Asn1): forge.asn1.Asn1 {
  return seq([oid(type), forge.asn1.create(forge.asn1.Class.UNIVERSAL, forge.asn1.Type.SET, true, [value])]);
}
function safeBag(type: string, value: forge.asn1.Asn1, attrs?: forge.asn1.Asn1): forge.asn1.Asn1 {
  return seq([oid(type), explicit0(value), ...(attrs ? [attrs] : [])]);
}
function dataContentInfo(safeContents: forge.asn1.Asn1): forge.asn1.Asn1 {
  return seq([oid(OID.data), explicit0(octets(asnToBuffer(safeContents)))]);
}
function asnToBuffer(node: forge.asn1.Asn1): Buffer {
  return Buffer.from(forge.asn1.toDer(node).getBytes(), 'binary');
}
function bufferToAsn(der: Buffer): forge.asn1.Asn1 {
  return forge.asn1.fromDer(forge.util.createBuffer(der.toString('binary')));
}
