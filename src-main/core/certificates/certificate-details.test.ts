import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeCertificate } from './certificate-details';
import { createTestPki, type TestPki } from '../../test-support/pki';

let pki: TestPki;
beforeAll(() => {
  pki = createTestPki();
});
afterAll(() => pki.cleanup());

const der = (name: string): Buffer => Buffer.from(new X509Certificate(pki.read(name)).raw);
// openssl prints "sha256 Fingerprint=AB:CD:..."; compare against the tool rather than against Node.
const opensslField = (name: string, args: string[]): string => pki.openssl(['x509', '-in', name, '-noout', ...args]).trim();

describe('certificate details', () => {
  it('reads subject, issuer, SANs, key, usages and fingerprints of a server certificate', () => {
    const d = describeCertificate(der('server.crt'));
    expect(d.subject).toMatchObject({ commonName: 'localhost', organization: 'Topiary Tests', organizationalUnit: 'Brokers' });
    expect(d.subject.text).toContain('CN=localhost');
    expect(d.subject.text).toContain('OU=Brokers');
    expect(d.issuer).toMatchObject({ commonName: 'Topiary Test Intermediate', organization: 'Topiary Tests' });
    expect(d.issuer.text).toContain('CN=Topiary Test Intermediate');
    expect(d.subjectAltNames).toEqual({
      dns: ['localhost'],
      ip: ['127.0.0.1'],
      email: ['ops@example.com'],
      uri: ['https://broker.example/'],
    });
    expect(d.publicKey).toEqual({ type: 'ec', curve: 'P-256', bits: 256, text: 'EC P-256' });
    expect(d.signatureAlgorithm).toBe('ecdsa-with-SHA256');
    expect(d.keyUsage).toEqual(['digitalSignature', 'keyEncipherment']);
    expect(d.extendedKeyUsage).toEqual(['serverAuth']);
    expect(d.basicConstraints).toEqual({ ca: false });
    expect(d.isCa).toBe(false);
    expect(d.selfSigned).toBe(false);
    expect(d.serialNumber).toBe(opensslField('server.crt', ['-serial']).replace('serial=', ''));
    expect(`sha256 Fingerprint=${d.fingerprints.sha256}`).toBe(opensslField('server.crt', ['-fingerprint', '-sha256']));
    expect(`sha1 Fingerprint=${d.fingerprints.sha1}`).toBe(opensslField('server.crt', ['-fingerprint', '-sha1']));
    expect(d.pem.trim()).toBe(pki.text('server.crt').trim());
  });

  it('reads an RSA root: key size, signature algorithm, CA constraints with path length, and self-signature', () => {
    const d = describeCertificate(der('root.crt'));
    expect(d.publicKey).toEqual({ type: 'rsa', bits: 2048, text: 'RSA 2048' });
    expect(d.signatureAlgorithm).toBe('sha256WithRSAEncryption');
    expect(d.basicConstraints).toEqual({ ca: true, pathLength: 1 });
    expect(d.isCa).toBe(true);
    expect(d.keyUsage).toEqual(['keyCertSign', 'cRLSign']);
    expect(d.selfSigned).toBe(true);
    expect(d.subject).toMatchObject({ country: 'DE', commonName: 'Topiary Test Root' });
    expect(d.subject.text).toBe(d.issuer.text);
  });

  it('gives validity dates and days remaining relative to the time asked', () => {
    const d = describeCertificate(der('expired.crt'), new Date('2020-12-01T00:00:00Z'));
    expect(d.notBefore).toBe('2020-01-01T00:00:00.000Z');
    expect(d.notAfter).toBe('2021-01-01T00:00:00.000Z');
    expect(d.daysRemaining).toBe(31);
    expect(describeCertificate(der('expired.crt')).daysRemaining).toBeLessThan(0);
  });

  it('reports a self-signed leaf as self-signed and a client certificate with clientAuth', () => {
    expect(describeCertificate(der('self.crt')).selfSigned).toBe(true);
    const client = describeCertificate(der('client.crt'));
    expect(client.extendedKeyUsage).toEqual(['clientAuth']);
    expect(client.subjectAltNames).toEqual({ dns: [], ip: [], email: [], uri: [] });
  });
});
