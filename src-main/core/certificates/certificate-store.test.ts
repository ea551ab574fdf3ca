import type { CertificateId } from '../../../shared/ipc/certificates';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSecureContext } from 'node:tls';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TopiaryError } from '../../../shared/ipc/errors';
import { openEncryptedFileSecretStore } from '../secrets/encrypted-file-secret-store';
import type {  } from './certificate-entry';
import { parseInput } from './certificate-import';
import { CertificateStore } from './certificate-store';
import { createTestPki, type TestPki } from '../../test-support/pki';

let pki: TestPki;
let dir: string;
let inUse: Map<string, string[]>;
let store: CertificateStore;

beforeAll(() => {
  pki = createTestPki();
  pki.openssl(['pkcs12', '-export', '-in', 'server.crt', '-inkey', 'server.key', '-certfile', 'inter.crt', '-out', 'server.p12', '-passout', 'pass:pw']);
});
afterAll(() => pki.cleanup());

async function openStore(now?: () => Date): Promise<CertificateStore> {
  return CertificateStore.open({
    directory: join(dir, 'certificates'),
    secrets: await openEncryptedFileSecretStore({ keyFile: join(dir, 'secret.key') }),
    usedBy: (id) => inUse.get(id) ?? [],
    systemTrust: { bundlePaths: [], ignoreNodeSystemStore: true },
    ...(now ? { now } : {}),
  });
}

beforeEach(async () => {
  dir = await fs.mkdtemp(join(tmpdir(), 'topiary-store-'));
  inUse = new Map();
  store = await openStore();
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function codeOf(promise: Promise<unknown>): Promise<string> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(TopiaryError);
  return (err as TopiaryError).reason ?? '(no reason)';
}

const okEntries = async () => (await store.list()).flatMap((i) => (i.status === 'ok' ? [i.entry] : []));

describe('certificate store', () => {
  it('adds a client identity from separate certificate and key files and lists it with details', async () => {
    const entry = await store.addIdentity({
      kind: 'client-identity',
      label: 'Factory gateway',
      inputs: [{ data: pki.read('client.crt'), name: 'client.crt' }, { data: pki.read('client.key'), name: 'client.key' }],
    });
    expect(entry).toMatchObject({ label: 'Factory gateway', kind: 'client-identity', hasPrivateKey: true });
    expect(entry.certificate.subject.commonName).toBe('topiary-client');
    expect(entry.expiry.state).toBe('expiring');
    const listed = await okEntries();
    expect(listed.map((e) => e.id)).toEqual([entry.id]);
    expect(await store.get(entry.id)).toEqual(entry);
  });

  it('orders a server identity chain leaf first, whatever order the files came in', async () => {
    const entry = await store.addIdentity({
      kind: 'server-identity',
      inputs: [{ data: pki.read('inter.crt') }, { data: pki.read('server.key') }, { data: pki.read('server.crt') }],
    });
    expect(entry.certificate.subject.commonName).toBe('localhost');
    expect(entry.chain.map((c) => c.subject.commonName)).toEqual(['Topiary Test Intermediate']);
    expect(entry.label).toBe('localhost');
  });

  it('imports an identity from a PKCS#12 file', async () => {
    const entry = await store.addIdentity({ kind: 'server-identity', inputs: [{ data: pki.read('server.p12'), passphrase: 'pw' }] });
    expect(entry.certificate.subject.commonName).toBe('localhost');
    expect(entry.chain).toHaveLength(1);
  });

  it('refuses an identity whose key belongs to another certificate with KEY_MISMATCH', async () => {
    const code = await codeOf(store.addIdentity({ kind: 'client-identity', inputs: [{ data: pki.read('server.crt') }, { data: pki.read('client.key') }] }));
    expect(code).toBe('KEY_MISMATCH');
    expect(await store.list()).toHaveLength(0);
  });

  it('refuses an identity without a key, and one without a certificate', async () => {
    expect(await codeOf(store.addIdentity({ kind: 'client-identity', inputs: [{ data: pki.read('client.crt') }] }))).toBe('MISSING_PRIVATE_KEY');
    expect(await codeOf(store.addIdentity({ kind: 'client-identity', inputs: [{ data: pki.read('client.key') }] }))).toBe('MISSING_CERTIFICATE');
  });

  it('adds each certificate of a CA bundle as its own trusted entry and does not duplicate on re-import', async () => {
    const bundle = pki.text('root.crt') + pki.text('inter.crt');
    const first = await store.addTrustedCas({ inputs: [{ data: bundle }] });
    expect(first.map((e) => e.label)).toEqual(['Topiary Test Root', 'Topiary Test Intermediate']);
    const again = await store.addTrustedCas({ inputs: [{ data: pki.read('root.crt') }] });
    expect(again[0]?.id).toBe(first[0]?.id);
    expect(await store.list()).toHaveLength(2);
  });

  it('does not duplicate a client identity imported again, from the same files or from a PKCS#12 of it', async () => {
    const first = await store.addIdentity({ kind: 'client-identity', inputs: [{ data: pki.read('client.crt') }, { data: pki.read('client.key') }] });
    const again = await store.addIdentity({ kind: 'client-identity', inputs: [{ data: pki.read('client.key') }, { data: pki.read('client.crt') }], label: 'Another name' });
    expect(again.id).toBe(first.id);
    expect(again.label).toBe(first.label);
    const p12 = await store.exportPkcs12(first.id, 'pw');
    const fromP12 = await store.addIdentity({ kind: 'client-identity', inputs: [{ data: p12, passphrase: 'pw' }] });
    expect(fromP12.id).toBe(first.id);
    expect(await store.list()).toHaveLength(1);
    // A different identity, or the same certificate kept as a server identity, is still added.
    await store.addIdentity({ kind: 'client-identity', inputs: [{ data: pki.read('server.crt') }, { data: pki.read('server.key') }] });
    await store.addIdentity({ kind: 'server-identity', inputs: [{ data: pki.read('client.crt') }, { data: pki.read('client.key') }] });
    expect(await store.list()).toHaveLength(3);
  });

  it('keeps private keys out of every stored file in plain form', async () => {
    await store.addIdentity({ kind: 'server-identity', inputs: [{ data: pki.read('server.crt') }, { data: pki.read('server.key') }] });
    await store.addIdentity({ kind: 'client-identity', inputs: [{ data: pki.read('client.crt') }, { data: pki.read('client.key') }] });
    await store.generateCa({ commonName: 'Local CA' });
    const keyMaterial = ['server.key', 'client.key'].map((f) => createPrivateKey(pki.read(f)).export({ type: 'pkcs8', format: 'der' }));
    const files = await fs.readdir(join(dir, 'certificates'));
    expect(files).toHaveLength(3);
    for (const file of files) {
      const bytes = await fs.readFile(join(dir, 'certificates', file));
      const text = bytes.toString('latin1');
      expect(text).not.toContain('PRIVATE KEY');
      for (const key of keyMaterial) {
        expect(bytes.includes(key)).toBe(false);
        expect(text).not.toContain(key.toString('base64').slice(0, 40));
        // The raw EC scalar sits at a fixed offset in PKCS#8; make sure it is not there either.
        expect(bytes.includes(key.subarray(36, 68))).toBe(false);
      }
      expect((await fs.stat(join(dir, 'certificates', file))).mode & 0o077).toBe(0);
    }
  });

  it('renames an entry and keeps the new name after reopening', async () => {
    const [ca] = await store.addTrustedCas({ inputs: [{ data: pki.read('root.crt') }] });
    await store.rename(ca!.id, '  Lab root  ');
    const reopened = await openStore();
    expect((await reopened.get(ca!.id)).label).toBe('Lab root');
    expect(await codeOf(store.rename(ca!.id, ' '))).toBe('INVALID_REQUEST');
  });

  it('refuses to delete an entry in use and names its users, unless forced', async () => {
    const [ca] = await store.addTrustedCas({ inputs: [{ data: pki.read('root.crt') }] });
    inUse.set(ca!.id, ['Plant floor broker', 'Staging']);
    const err = await store.delete(ca!.id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TopiaryError);
    expect((err as TopiaryError).reason).toBe('IN_USE');
    expect((err as TopiaryError).message).toContain('"Plant floor broker", "Staging"');
    expect(await store.list()).toHaveLength(1);
    await store.delete(ca!.id, { force: true });
    expect(await store.list()).toHaveLength(0);
    expect(await codeOf(store.get(ca!.id))).toBe('NOT_FOUND');
  });

  it('lists a corrupt entry as a row with a clear error while the others stay readable', async () => {
    const [ca] = await store.addTrustedCas({ inputs: [{ data: pki.read('root.crt') }] });
    const broken = await store.addTrustedCas({ inputs: [{ data: pki.read('inter.crt') }] });
    await fs.writeFile(join(dir, 'certificates', `${broken[0]!.id}.json`), '{"format":"topiary-certificate-entry", trunc');
    const items = await store.list();
    expect(items).toHaveLength(2);
    expect(items.find((i) => i.status === 'ok')).toMatchObject({ entry: { id: ca!.id } });
    const bad = items.find((i) => i.status === 'corrupt');
    expect(bad).toMatchObject({ id: broken[0]!.id, error: { code: 'CORRUPT_ENTRY' } });
    expect(await codeOf(store.get(broken[0]!.id))).toBe('CORRUPT_ENTRY');
  });

  it('rejects ids that would point outside the store', async () => {
    expect(await codeOf(store.get('../secret' as CertificateId))).toBe('NOT_FOUND');
  });

  it('exports PEM without the key unless asked, and with an encrypted key on request', async () => {
    const entry = await store.addIdentity({ kind: 'server-identity', inputs: [{ data: pki.read('server-chain.crt') }, { data: pki.read('server.key') }] });
    const certsOnly = await store.exportPem(entry.id);
    expect(certsOnly).not.toContain('PRIVATE KEY');
    expect(parseInput({ data: certsOnly }).certificates).toHaveLength(2);
    const withKey = await store.exportPem(entry.id, { includePrivateKey: true });
    expect(withKey).toContain('BEGIN PRIVATE KEY');
    const encrypted = await store.exportPem(entry.id, { includePrivateKey: true, keyPassphrase: 'k' });
    expect(encrypted).toContain('BEGIN ENCRYPTED PRIVATE KEY');
    expect(parseInput({ data: encrypted, passphrase: 'k' }).privateKeys).toHaveLength(1);
  });

  it('exports a PKCS#12 that Node TLS accepts and TLS material that matches', async () => {
    const entry = await store.addIdentity({ kind: 'server-identity', inputs: [{ data: pki.read('server-chain.crt') }, { data: pki.read('server.key') }] });
    const pfx = await store.exportPkcs12(entry.id, 'pfx-pw');
    expect(() => createSecureContext({ pfx, passphrase: 'pfx-pw' })).not.toThrow();
    expect(parseInput({ data: pfx, passphrase: 'pfx-pw' }).certificates).toHaveLength(2);
    const material = await store.tlsMaterial(entry.id);
    expect(() => createSecureContext({ cert: material.cert, key: material.key })).not.toThrow();
    const [ca] = await store.addTrustedCas({ inputs: [{ data: pki.read('root.crt') }] });
    const caOnly = parseInput({ data: await store.exportPkcs12(ca!.id, 'pw'), passphrase: 'pw' });
    expect(caOnly).toMatchObject({ privateKeys: [] });
    expect(caOnly.certificates).toHaveLength(1);
  });

  it('still opens entries written before a restart (keys sealed with the same vault key)', async () => {
    const entry = await store.addIdentity({ kind: 'client-identity', inputs: [{ data: pki.read('client.crt') }, { data: pki.read('client.key') }] });
    const reopened = await openStore();
    const material = await reopened.tlsMaterial(entry.id);
    expect(createPrivateKey(material.key).export({ type: 'pkcs8', format: 'der' })).toEqual(
      createPrivateKey(pki.read('client.key')).export({ type: 'pkcs8', format: 'der' }),
    );
  });
});

describe('expiry and chain checks', () => {
  it('classifies entries as expired, not yet valid, expiring within 30 days and valid', async () => {
    const add = async (name: string) => (await store.addTrustedCas({ inputs: [{ data: pki.read(`${name}.crt`) }] }))[0]!;
    expect((await add('expired')).expiry).toMatchObject({ state: 'expired' });
    expect((await add('expired')).expiry.message).toContain('expired on 2021-01-01');
    expect((await add('future')).expiry.state).toBe('not-yet-valid');
    expect((await add('client')).expiry).toMatchObject({ state: 'expiring', daysRemaining: 29 });
    expect((await add('root')).expiry.state).toBe('valid');
  });

  it('builds a complete, trusted chain through the store and names the root', async () => {
    await store.addTrustedCas({ inputs: [{ data: pki.read('root.crt') }] });
    const entry = await store.addIdentity({ kind: 'server-identity', inputs: [{ data: pki.read('server-chain.crt') }, { data: pki.read('server.key') }] });
    const report = await store.checkChain(entry.id);
    expect(report.complete).toBe(true);
    expect(report.trusted).toBe(true);
    expect(report.links.map((l) => [l.certificate.subject.commonName, l.origin])).toEqual([
      ['localhost', 'entry'],
      ['Topiary Test Intermediate', 'entry'],
      ['Topiary Test Root', 'store'],
    ]);
    expect(report.message).toContain('"Topiary Test Root"');
  });

  it('names the missing issuer by its subject when the chain is incomplete', async () => {
    const entry = await store.addIdentity({ kind: 'server-identity', inputs: [{ data: pki.read('server.crt') }, { data: pki.read('server.key') }] });
    const report = await store.checkChain(entry.id);
    expect(report.complete).toBe(false);
    expect(report.missingIssuer).toBe('O=Topiary Tests, CN=Topiary Test Intermediate');
    expect(report.message).toContain('O=Topiary Tests, CN=Topiary Test Intermediate');
  });

  it('says a complete chain is untrusted when its root is not a trusted CA', async () => {
    const entry = await store.addIdentity({ kind: 'client-identity', inputs: [{ data: pki.read('client.crt') }, { data: pki.read('client.key') }, { data: pki.read('root.crt') }] });
    const report = await store.checkChain(entry.id);
    expect(report).toMatchObject({ complete: true, trusted: false });
    expect(report.message).toContain('do not trust');
  });

  it('finds system roots as trust anchors when the OS store is used', async () => {
    const bundle = join(dir, 'bundle.crt');
    await fs.writeFile(bundle, pki.text('root.crt'));
    const withSystem = await CertificateStore.open({
      directory: join(dir, 'certificates'),
      secrets: await openEncryptedFileSecretStore({ keyFile: join(dir, 'secret.key') }),
      systemTrust: { bundlePaths: [bundle], ignoreNodeSystemStore: true },
    });
    const entry = await withSystem.addIdentity({ kind: 'client-identity', inputs: [{ data: pki.read('client.crt') }, { data: pki.read('client.key') }] });
    const report = await withSystem.checkChain(entry.id);
    expect(report).toMatchObject({ complete: true, trusted: true });
    expect(report.links[1]?.origin).toBe('system');
    expect((await withSystem.checkChain(entry.id, { useSystemCAs: false })).complete).toBe(false);
  });
});

describe('generated certificates', () => {
  it('generates an EC P-256 CA and a server certificate with default SANs that verifies against it', async () => {
    const ca = await store.generateCa({ commonName: 'Topiary Local CA', organization: 'Me' });
    expect(ca).toMatchObject({ kind: 'trusted-ca', hasPrivateKey: true });
    expect(ca.certificate.publicKey.text).toBe('EC P-256');
    expect(ca.certificate.basicConstraints).toEqual({ ca: true, pathLength: 0 });
    expect(ca.certificate.selfSigned).toBe(true);
    const server = await store.issue({ caId: ca.id, kind: 'server-identity', commonName: 'localhost' });
    expect(server.certificate.subjectAltNames).toMatchObject({ dns: ['localhost'], ip: ['127.0.0.1'] });
    expect(server.certificate.extendedKeyUsage).toEqual(['serverAuth']);
    expect(server.chain.map((c) => c.fingerprints.sha256)).toEqual([ca.certificate.fingerprints.sha256]);
    const leaf = new X509Certificate(server.certificate.pem);
    expect(leaf.verify(new X509Certificate(ca.certificate.pem).publicKey)).toBe(true);
    expect((await store.checkChain(server.id)).trusted).toBe(true);
    const caFile = join(dir, 'ca.pem');
    const leafFile = join(dir, 'leaf.pem');
    await fs.writeFile(caFile, ca.certificate.pem);
    await fs.writeFile(leafFile, server.certificate.pem);
    expect(pki.openssl(['verify', '-CAfile', caFile, '-purpose', 'sslserver', leafFile])).toContain('OK');
  });

  it('generates RSA keys on request with the chosen SANs and a client certificate for clientAuth', async () => {
    const ca = await store.generateCa({ commonName: 'RSA CA', keyAlgorithm: 'rsa-2048' });
    expect(ca.certificate.publicKey).toMatchObject({ type: 'rsa', bits: 2048 });
    expect(ca.certificate.signatureAlgorithm).toBe('sha256WithRSAEncryption');
    const server = await store.issue({
      caId: ca.id,
      kind: 'server-identity',
      commonName: 'broker.lan',
      dnsNames: ['broker.lan', 'mqtt.local'],
      ipAddresses: ['10.0.0.5', '::1'],
      keyAlgorithm: 'rsa-2048',
    });
    expect(server.certificate.subjectAltNames).toMatchObject({ dns: ['broker.lan', 'mqtt.local'], ip: ['10.0.0.5', '::1'] });
    expect(server.certificate.publicKey.bits).toBe(2048);
    const client = await store.issue({ caId: ca.id, kind: 'client-identity', commonName: 'sensor-7' });
    expect(client.certificate.extendedKeyUsage).toEqual(['clientAuth']);
    expect(client.certificate.publicKey.text).toBe('EC P-256');
    expect(client.certificate.signatureAlgorithm).toBe('sha256WithRSAEncryption');
    expect(await codeOf(store.issue({ caId: ca.id, kind: 'server-identity', commonName: 'x', ipAddresses: ['not-an-ip'] }))).toBe('INVALID_REQUEST');
  });

  it('imports an existing CA with its key and signs with it; a key that does not match is refused', async () => {
    const [ca] = await store.addTrustedCas({ inputs: [{ data: pki.read('inter.crt') }, { data: pki.read('inter.key') }], label: 'Imported CA' });
    expect(ca).toMatchObject({ label: 'Imported CA', hasPrivateKey: true, kind: 'trusted-ca' });
    const issued = await store.issue({ caId: ca!.id, kind: 'server-identity', commonName: 'edge' });
    expect(issued.certificate.issuer.commonName).toBe('Topiary Test Intermediate');
    expect(await codeOf(store.addTrustedCas({ inputs: [{ data: pki.read('root.crt') }, { data: pki.read('inter.key') }] }))).toBe('KEY_MISMATCH');
  });

  it('refuses to sign with a CA that has no key in the store', async () => {
    const [root] = await store.addTrustedCas({ inputs: [{ data: pki.read('root.crt') }] });
    expect(await codeOf(store.issue({ caId: root!.id, kind: 'client-identity', commonName: 'x' }))).toBe('NOT_A_CA');
  });

  it('exports a generated EC identity as PKCS#12 that openssl opens', async () => {
    const ca = await store.generateCa({ commonName: 'CA' });
    const client = await store.issue({ caId: ca.id, kind: 'client-identity', commonName: 'c1' });
    const file = join(dir, 'c1.p12');
    await fs.writeFile(file, await store.exportPkcs12(client.id, 'pw'));
    const dump = pki.openssl(['pkcs12', '-in', file, '-passin', 'pass:pw', '-nodes']);
    expect(dump).toContain('subject=CN = c1');
    expect(dump).toContain('BEGIN PRIVATE KEY');
  });
});
