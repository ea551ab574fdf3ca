import { X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TopiaryError } from '../../../shared/ipc/errors';
import { assertKeyMatches, parseInput, parseInputs, type ImportInput } from './certificate-import';
import { createTestPki, type TestPki } from '../../test-support/pki';
import { readPkcs12, writePkcs12 } from './pkcs12';

let pki: TestPki;

beforeAll(() => {
  pki = createTestPki();
  const o = (args: string[]): string => pki.openssl(args);
  o(['x509', '-in', 'server.crt', '-outform', 'DER', '-out', 'server.der']);
  o(['rsa', '-in', 'root.key', '-traditional', '-out', 'root-pkcs1.key']);
  o(['ec', '-in', 'server.key', '-out', 'server-sec1.key']);
  o(['pkcs8', '-topk8', '-in', 'server.key', '-out', 'server-enc8.key', '-passout', 'pass:s3cret']);
  o(['rsa', '-in', 'root.key', '-traditional', '-aes256', '-out', 'root-legacy-enc.key', '-passout', 'pass:s3cret']);
  o(['pkey', '-in', 'server.key', '-outform', 'DER', '-out', 'server-pkcs8.der']);
  o(['pkcs12', '-export', '-in', 'server.crt', '-inkey', 'server.key', '-certfile', 'inter.crt', '-out', 'modern.p12', '-passout', 'pass:p12pw']);
  o(['pkcs12', '-export', '-legacy', '-in', 'server.crt', '-inkey', 'server.key', '-certfile', 'inter.crt', '-out', 'legacy.p12', '-passout', 'pass:p12pw']);
  o(['pkcs12', '-export', '-legacy', '-in', 'root.crt', '-inkey', 'root.key', '-out', 'legacy-rsa.p12', '-passout', 'pass:p12pw']);
  o(['req', '-new', '-key', 'server.key', '-subj', '/CN=csr', '-out', 'request.csr']);
  o(['x509', '-in', 'root.crt', '-addtrust', 'serverAuth', '-trustout', '-out', 'root-trusted.pem']);
});
afterAll(() => pki.cleanup());

function errorCode(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(TopiaryError);
    expect((err as TopiaryError).message).toMatch(/\. |\.$/);
    return (err as TopiaryError).reason ?? '(no reason)';
  }
  throw new Error('expected the call to fail');
}

const fingerprint = (der: Buffer): string => new X509Certificate(der).fingerprint256;

describe('importing certificates and keys', () => {
  it('reads every certificate of a PEM bundle in order', () => {
    const parsed = parseInput({ data: pki.text('server-chain.crt') });
    expect(parsed.certificates.map(fingerprint)).toEqual([fingerprint(pki.read('server.crt')), fingerprint(pki.read('inter.crt'))]);
    expect(parsed.privateKeys).toHaveLength(0);
  });

  it('reads a certificate and key pasted together as one PEM text', () => {
    const parsed = parseInput({ data: pki.text('server.crt') + '\n' + pki.text('server.key') });
    expect(parsed.certificates).toHaveLength(1);
    expect(parsed.privateKeys).toHaveLength(1);
    expect(() => assertKeyMatches(parsed.certificates[0]!, parsed.privateKeys[0]!)).not.toThrow();
  });

  it("reads OpenSSL's TRUSTED CERTIFICATE form as the plain certificate", () => {
    expect(pki.text('root-trusted.pem')).toContain('BEGIN TRUSTED CERTIFICATE');
    const parsed = parseInput({ data: pki.read('root-trusted.pem') });
    expect(parsed.certificates.map(fingerprint)).toEqual([fingerprint(pki.read('root.crt'))]);
  });

  it('reads a DER certificate', () => {
    const parsed = parseInput({ data: pki.read('server.der') });
    expect(parsed.certificates.map(fingerprint)).toEqual([fingerprint(pki.read('server.crt'))]);
  });

  it.each([
    ['PKCS#8 PEM', 'server.key', undefined, 'ec'],
    ['PKCS#1 PEM', 'root-pkcs1.key', undefined, 'rsa'],
    ['SEC1 PEM', 'server-sec1.key', undefined, 'ec'],
    ['encrypted PKCS#8 PEM', 'server-enc8.key', 's3cret', 'ec'],
    ['legacy Proc-Type encrypted PEM', 'root-legacy-enc.key', 's3cret', 'rsa'],
    ['PKCS#8 DER', 'server-pkcs8.der', undefined, 'ec'],
  ])('reads a %s private key', (_label, file, passphrase, type) => {
    const input: ImportInput = passphrase ? { data: pki.read(file), passphrase } : { data: pki.read(file) };
    const [key] = parseInput(input).privateKeys;
    expect(key?.asymmetricKeyType).toBe(type);
  });

  it.each([
    ['encrypted PKCS#8', 'server-enc8.key'],
    ['legacy encrypted PEM', 'root-legacy-enc.key'],
  ])('reports WRONG_PASSPHRASE for a %s key with the wrong passphrase and PASSPHRASE_REQUIRED without one', (_l, file) => {
    expect(errorCode(() => parseInput({ data: pki.read(file), passphrase: 'nope' }))).toBe('WRONG_PASSPHRASE');
    expect(errorCode(() => parseInput({ data: pki.read(file) }))).toBe('PASSPHRASE_REQUIRED');
  });

  it.each([
    ['modern (AES) PKCS#12', 'modern.p12'],
    ['legacy (RC2/3DES) PKCS#12', 'legacy.p12'],
  ])('reads the certificates and EC key of a %s file', (_l, file) => {
    const parsed = parseInput({ data: pki.read(file), passphrase: 'p12pw' });
    expect(parsed.certificates.map(fingerprint).sort()).toEqual([fingerprint(pki.read('server.crt')), fingerprint(pki.read('inter.crt'))].sort());
    expect(parsed.privateKeys).toHaveLength(1);
    expect(() => assertKeyMatches(pki.read('server.crt'), parsed.privateKeys[0]!)).not.toThrow();
  });

  it('reads an RSA key and certificate from a legacy PKCS#12 byte for byte', () => {
    const parsed = parseInput({ data: pki.read('legacy-rsa.p12'), passphrase: 'p12pw' });
    expect(parsed.certificates.map(fingerprint)).toEqual([fingerprint(pki.read('root.crt'))]);
    expect(parsed.privateKeys[0]?.asymmetricKeyType).toBe('rsa');
    expect(() => assertKeyMatches(pki.read('root.crt'), parsed.privateKeys[0]!)).not.toThrow();
  });

  it('reports WRONG_PASSPHRASE for a PKCS#12 file opened with the wrong password', () => {
    expect(errorCode(() => parseInput({ data: pki.read('modern.p12'), passphrase: 'wrong' }))).toBe('WRONG_PASSPHRASE');
    expect(errorCode(() => parseInput({ data: pki.read('legacy.p12'), passphrase: 'wrong' }))).toBe('WRONG_PASSPHRASE');
  });

  it('reports KEY_MISMATCH, distinct from a wrong passphrase, when a key belongs to another certificate', () => {
    const { certificates, privateKeys } = parseInputs([{ data: pki.read('server.crt') }, { data: pki.read('client.key') }]);
    expect(errorCode(() => assertKeyMatches(certificates[0]!, privateKeys[0]!))).toBe('KEY_MISMATCH');
  });

  it('reports UNSUPPORTED_FORMAT for a signing request and for arbitrary text', () => {
    expect(errorCode(() => parseInput({ data: pki.text('request.csr') }))).toBe('UNSUPPORTED_FORMAT');
    expect(errorCode(() => parseInput({ data: 'hello, I am not a certificate' }))).toBe('UNSUPPORTED_FORMAT');
  });

  it('reports CORRUPT_INPUT for a truncated PEM, damaged base64 and a truncated DER file', () => {
    const pem = pki.text('server.crt');
    expect(errorCode(() => parseInput({ data: pem.slice(0, pem.length - 40) }))).toBe('CORRUPT_INPUT');
    expect(errorCode(() => parseInput({ data: pem.replace(/\n[A-Za-z0-9+/]{20}/, '\n!!!!') }))).toBe('CORRUPT_INPUT');
    expect(errorCode(() => parseInput({ data: pki.read('server.der').subarray(0, 100) }))).toBe('CORRUPT_INPUT');
  });
});

describe('writing PKCS#12', () => {
  it('writes an EC identity that openssl and Node both open with the password', () => {
    const key = parseInput({ data: pki.read('server.key') }).privateKeys[0]!;
    const der = [pki.read('server.der'), parseInput({ data: pki.read('inter.crt') }).certificates[0]!];
    const pfx = writePkcs12({ certificates: der, privateKey: key, password: 'export-pw', friendlyName: 'My broker' });

    const back = readPkcs12(pfx, 'export-pw');
    expect(back.certificates.map(fingerprint)).toEqual(der.map(fingerprint));
    expect(() => assertKeyMatches(der[0]!, back.privateKeys[0]!)).not.toThrow();
    expect(() => createSecureContext({ pfx, passphrase: 'export-pw' })).not.toThrow();

    const out = pki.path('written.p12');
    writeFileSync(out, pfx);
    const dump = pki.openssl(['pkcs12', '-in', out, '-passin', 'pass:export-pw', '-nodes']);
    expect(dump).toContain('friendlyName: My broker');
    expect(dump).toContain('BEGIN PRIVATE KEY');
    expect(() => pki.openssl(['pkcs12', '-in', out, '-passin', 'pass:wrong', '-nodes'])).toThrow();
  });
});
