import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CertificateId, CertificatesList } from '../../../shared/ipc/certificates';
import { createClient, type ContractClient } from '../../../shared/ipc/client';
import type { Handlers } from '../../../shared/ipc/contract';
import { TopiaryError } from '../../../shared/ipc/errors';
import { createMemoryWirePair } from '../../../shared/ipc/memory-wire';
import { createAppCore } from '../app-core';
import { certificatesHandlers } from './certificates-handlers';
import { CertificatesService } from './certificates-service';
import { startMosquittoTls, type TlsMosquitto } from '../../test-support/mosquitto';
import { createTestPki, type TestPki } from '../../test-support/pki';
import { serve } from '../ipc/serve';
import { openEncryptedFileSecretStore } from '../secrets/encrypted-file-secret-store';
import { failureOf as failure } from '../../test-support/failure-of';

let pki: TestPki;
let broker: TlsMosquitto;

beforeAll(async () => {
  pki = createTestPki();
  const o = (args: readonly string[]): string => pki.openssl(args);
  o(['pkcs12', '-export', '-in', 'client.crt', '-inkey', 'client.key', '-certfile', 'root.crt', '-out', 'client.p12', '-passout', 'pass:p12pw']);
  o(['pkcs8', '-topk8', '-in', 'client.key', '-out', 'client-enc.key', '-passout', 'pass:keypw', '-v2', 'aes-256-cbc']);
  broker = await startMosquittoTls([
    { name: 'mtls', certfile: pki.path('direct.crt'), keyfile: pki.path('direct.key'), cafile: pki.path('root.crt'), requireCertificate: true },
  ]);
});

afterAll(async () => {
  await broker.stop();
  pki.cleanup();
});

let dir: string;
let users: Map<string, string[]>;
let changes: CertificatesList[];
let client: ContractClient;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'topiary-certs-service-'));
  users = new Map();
  changes = [];
  const secrets = await openEncryptedFileSecretStore({ keyFile: path.join(dir, 'secret.key') });
  const service = await CertificatesService.open({
    userDataDir: dir,
    secrets,
    usedBy: (id) => users.get(id) ?? [],
    changed: (list) => changes.push(list),
  });
  const [coreEnd, clientEnd] = createMemoryWirePair();
  // Only the certificates.* handlers exist here; the test calls nothing else.
  serve(coreEnd, certificatesHandlers(service) as Handlers, { clientId: 'test' });
  client = createClient(clientEnd);
});

afterEach(async () => {
  client.close();
  await rm(dir, { recursive: true, force: true });
});


async function importClientP12(): Promise<CertificateId> {
  const { entries } = await client.invoke('certificates.import', {
    kind: 'client-identity',
    inputs: [{ data: new Uint8Array(pki.read('client.p12')), passphrase: 'p12pw', name: 'client.p12' }],
  });
  return entries[0]!.id;
}

async function importRoot(): Promise<CertificateId> {
  const { entries } = await client.invoke('certificates.import', { kind: 'trusted-ca', inputs: [{ data: pki.text('root.crt') }], label: 'Test root' });
  return entries[0]!.id;
}

describe('certificates.* over the contract', () => {
  it('imports a pasted CA and lists it with its expiry status, no users, and announces the change', async () => {
    const id = await importRoot();
    const list = await client.invoke('certificates.list', {});
    expect(list.rows).toHaveLength(1);
    const row = list.rows[0]!;
    expect(row.status).toBe('ok');
    if (row.status !== 'ok') return;
    expect(row.entry).toMatchObject({ id, label: 'Test root', kind: 'trusted-ca', hasPrivateKey: false, usedBy: [] });
    expect(row.entry.expiry.state).toBe('valid');
    expect(row.entry.certificate.subject.commonName).toBe('Topiary Test Root');
    expect(changes.at(-1)?.rows).toHaveLength(1);
  });

  it('imports a PKCS#12 file as bytes and shows every detail of its certificate', async () => {
    const id = await importClientP12();
    const entry = await client.invoke('certificates.get', { id });
    const node = new X509Certificate(pki.read('client.crt'));
    expect(entry.kind).toBe('client-identity');
    expect(entry.hasPrivateKey).toBe(true);
    expect(entry.certificate.subject.commonName).toBe('topiary-client');
    expect(entry.certificate.issuer.commonName).toBe('Topiary Test Root');
    expect(entry.certificate.publicKey.text).toBe('EC P-256');
    expect(entry.certificate.extendedKeyUsage).toContain('clientAuth');
    expect(entry.certificate.fingerprints.sha256).toBe(node.fingerprint256);
    expect(entry.certificate.serialNumber).toBe(node.serialNumber.toUpperCase());
    expect(entry.chain.map((c) => c.subject.commonName)).toEqual(['Topiary Test Root']);
  });

  it('filters the list by kind, as a profile picker needs', async () => {
    await importRoot();
    const clientId = await importClientP12();
    const identities = await client.invoke('certificates.list', { kind: 'client-identity' });
    expect(identities.rows.map((r) => (r.status === 'ok' ? r.entry.id : r.id))).toEqual([clientId]);
    const cas = await client.invoke('certificates.list', { kind: 'trusted-ca' });
    expect(cas.rows.map((r) => (r.status === 'ok' ? r.entry.kind : 'corrupt'))).toEqual(['trusted-ca']);
  });

  it('asks for a passphrase, then refuses a wrong one with its own code', async () => {
    const data = new Uint8Array(pki.read('client.p12'));
    const missing = await failure(client.invoke('certificates.import', { kind: 'client-identity', inputs: [{ data }] }));
    expect(missing.code).toBe('PASSPHRASE_REQUIRED');
    const wrong = await failure(client.invoke('certificates.import', { kind: 'client-identity', inputs: [{ data, passphrase: 'nope' }] }));
    expect(wrong.code).toBe('WRONG_PASSPHRASE');
    expect(wrong.message.length).toBeGreaterThan(20);
    expect(wrong.details?.['reason']).toBe('WRONG_PASSPHRASE');
    const encryptedKey = await failure(
      client.invoke('certificates.import', { kind: 'client-identity', inputs: [{ data: pki.text('client.crt') }, { data: pki.text('client-enc.key'), passphrase: 'bad' }] }),
    );
    expect(encryptedKey.code).toBe('WRONG_PASSPHRASE');
    expect((await client.invoke('certificates.list', {})).rows).toHaveLength(0);
  });

  it('refuses a key that belongs to another certificate with KEY_MISMATCH', async () => {
    const error = await failure(
      client.invoke('certificates.import', { kind: 'client-identity', inputs: [{ data: pki.text('client.crt') }, { data: pki.text('server.key') }] }),
    );
    expect(error.code).toBe('KEY_MISMATCH');
  });

  it('reports unreadable material as CERTIFICATE_ERROR with the reason', async () => {
    const error = await failure(client.invoke('certificates.import', { kind: 'trusted-ca', inputs: [{ data: 'hello, not a certificate' }] }));
    expect(error.code).toBe('CERTIFICATE_ERROR');
    expect(error.details?.['reason']).toBe('UNSUPPORTED_FORMAT');
  });

  it('rejects arguments that fail the schema before they reach the store', async () => {
    const notBytes = await failure(client.invoke('certificates.import', { kind: 'trusted-ca', inputs: [{ data: 42 as unknown as string }] }));
    expect(notBytes.code).toBe('VALIDATION_ERROR');
    const badPort = await failure(client.invoke('certificates.testBroker', { host: '127.0.0.1', port: 70_000 }));
    expect(badPort.code).toBe('VALIDATION_ERROR');
    const emptyLabel = await failure(client.invoke('certificates.rename', { id: 'x' as CertificateId, label: '   ' }));
    expect(emptyLabel.code).toBe('VALIDATION_ERROR');
  });

  it('renames an entry and reports an unknown id as NOT_FOUND', async () => {
    const id = await importRoot();
    const renamed = await client.invoke('certificates.rename', { id, label: 'Lab root' });
    expect(renamed.label).toBe('Lab root');
    const missing = await failure(client.invoke('certificates.get', { id: '00000000-0000-0000-0000-000000000000' as CertificateId }));
    expect(missing.code).toBe('NOT_FOUND');
  });

  it('refuses to delete an entry a profile uses, naming it, until forced', async () => {
    const id = await importClientP12();
    users.set(id, ['Plant broker']);
    const listed = await client.invoke('certificates.list', {});
    expect(listed.rows[0]?.status === 'ok' && listed.rows[0].entry.usedBy).toEqual(['Plant broker']);
    const refused = await failure(client.invoke('certificates.delete', { id }));
    expect(refused.code).toBe('IN_USE');
    expect(refused.message).toContain('Plant broker');
    expect(refused.details?.['users']).toEqual(['Plant broker']);
    expect((await client.invoke('certificates.list', {})).rows).toHaveLength(1);
    await client.invoke('certificates.delete', { id, force: true });
    expect((await client.invoke('certificates.list', {})).rows).toHaveLength(0);
  });

  it('exports PEM without the key unless asked, and a PKCS#12 that opens with its password', async () => {
    const id = await importClientP12();
    const plain = await client.invoke('certificates.exportPem', { id });
    expect(plain.fileName).toBe('topiary-client.pem');
    expect(plain.text).toContain('BEGIN CERTIFICATE');
    expect(plain.text).not.toContain('PRIVATE KEY');
    const withKey = await client.invoke('certificates.exportPem', { id, includePrivateKey: true, keyPassphrase: 'kp' });
    expect(withKey.text).toContain('BEGIN ENCRYPTED PRIVATE KEY');
    const p12 = await client.invoke('certificates.exportPkcs12', { id, password: 'out-pw' });
    expect(p12.fileName).toBe('topiary-client.p12');
    expect(p12.bytes).toBeInstanceOf(Uint8Array);
    const again = await client.invoke('certificates.import', { kind: 'client-identity', inputs: [{ data: new Uint8Array(p12.bytes), passphrase: 'out-pw' }], label: 'Copy' });
    expect(again.entries[0]?.certificate.fingerprints.sha256).toBe(new X509Certificate(pki.read('client.crt')).fingerprint256);
    const noPassword = await failure(client.invoke('certificates.exportPkcs12', { id, password: '' }));
    expect(noPassword.code).toBe('VALIDATION_ERROR');
  });

  it('builds a chain from the store up to a trusted root', async () => {
    const { entries } = await client.invoke('certificates.import', {
      kind: 'server-identity',
      inputs: [{ data: pki.text('server.crt') + pki.text('server.key') }],
    });
    const id = entries[0]!.id;
    const before = await client.invoke('certificates.checkChain', { id, useSystemCAs: false });
    expect(before.complete).toBe(false);
    expect(before.missingIssuer).toContain('Topiary Test Intermediate');
    await client.invoke('certificates.import', { kind: 'trusted-ca', inputs: [{ data: pki.text('inter.crt') + pki.text('root.crt') }] });
    const after = await client.invoke('certificates.checkChain', { id, useSystemCAs: false });
    expect(after.complete).toBe(true);
    expect(after.trusted).toBe(true);
    expect(after.links.map((l) => l.certificate.subject.commonName)).toEqual(['localhost', 'Topiary Test Intermediate', 'Topiary Test Root']);
    expect(after.links.slice(1).every((l) => l.origin === 'store')).toBe(true);
  });

  it('generates a local CA, then a server certificate with localhost and 127.0.0.1 and a client certificate', async () => {
    const ca = await client.invoke('certificates.generateCa', { commonName: 'Workbench CA' });
    expect(ca).toMatchObject({ kind: 'trusted-ca', hasPrivateKey: true });
    expect(ca.certificate.publicKey.text).toBe('EC P-256');
    expect(ca.certificate.isCa).toBe(true);
    const server = await client.invoke('certificates.issue', { caId: ca.id, kind: 'server-identity', commonName: 'broker.local' });
    expect(server.certificate.subjectAltNames.dns).toContain('localhost');
    expect(server.certificate.subjectAltNames.ip).toContain('127.0.0.1');
    expect(server.certificate.issuer.commonName).toBe('Workbench CA');
    const rsaClient = await client.invoke('certificates.issue', { caId: ca.id, kind: 'client-identity', commonName: 'sensor-7', keyAlgorithm: 'rsa-2048' });
    expect(rsaClient.certificate.publicKey.text).toBe('RSA 2048');
    expect(rsaClient.certificate.extendedKeyUsage).toContain('clientAuth');
    const root = await importRoot();
    const cannotSign = await failure(client.invoke('certificates.issue', { caId: root, kind: 'client-identity', commonName: 'x' }));
    expect(cannotSign.code).toBe('CERTIFICATE_ERROR');
    expect(cannotSign.details?.['reason']).toBe('NOT_A_CA');
  });

  it('lists the OS trust store read-only with where it came from', async () => {
    const listing = await client.invoke('certificates.listSystemRoots', {});
    expect(listing.label.length).toBeGreaterThan(10);
    expect(listing.roots.length).toBeGreaterThan(10);
    expect(listing.roots.every((r) => r.isCa || r.selfSigned)).toBe(true);
  });

  it('tests a mutual-TLS broker: a client certificate is asked for, then the store identity is accepted', async () => {
    const rootId = await importRoot();
    const port = broker.ports['mtls']!;
    const without = await client.invoke('certificates.testBroker', { host: '127.0.0.1', port, caIds: [rootId], useSystemCAs: false });
    expect(without.ok).toBe(false);
    expect(['client-certificate-required', 'client-certificate-rejected']).toContain(without.verdict);
    expect(without.fix?.message.length ?? 0).toBeGreaterThan(10);
    const identityId = await importClientP12();
    const withIdentity = await client.invoke('certificates.testBroker', { host: '127.0.0.1', port, caIds: [rootId], useSystemCAs: false, clientIdentityId: identityId });
    expect(withIdentity.verdict).toBe('verified');
    expect(withIdentity.ok).toBe(true);
    expect(withIdentity.serverChain[0]?.subject.commonName).toBe('localhost');
  });
});

describe('resolveTlsMaterial', () => {
  it('turns store references into the PEM a TLS connection needs', async () => {
    const secrets = await openEncryptedFileSecretStore({ keyFile: path.join(dir, 'secret2.key') });
    const service = await CertificatesService.open({ userDataDir: path.join(dir, 'other'), secrets });
    const [root] = await service.store.addTrustedCas({ inputs: [{ data: pki.text('root.crt') }] });
    const identity = await service.store.addIdentity({ kind: 'client-identity', inputs: [{ data: pki.text('client.crt') + pki.text('client.key') }] });
    const material = await service.resolveTlsMaterial({ caIds: [root!.id], identityId: identity.id });
    expect(material.ca).toHaveLength(1);
    expect(new X509Certificate(material.ca[0]!).subject).toContain('Topiary Test Root');
    expect(material.cert).toContain('BEGIN CERTIFICATE');
    expect(material.key).toContain('BEGIN PRIVATE KEY');
    const missing = await service.resolveTlsMaterial({ identityId: '00000000-0000-0000-0000-000000000000' as CertificateId }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(TopiaryError);
    expect((missing as TopiaryError).code).toBe('NOT_FOUND');
  });
});

describe('certificates in the app core', () => {
  it('a profile connects to a mutual-TLS broker with a CA and identity from the store, and the store names that profile as a user', async () => {
    const core = await createAppCore({ userDataDir: dir, autoStartBroker: false });
    const [coreEnd, clientEnd] = createMemoryWirePair();
    core.attach(coreEnd);
    const app = createClient(clientEnd);
    try {
      const ca = await app.invoke('certificates.import', { kind: 'trusted-ca', inputs: [{ data: pki.text('root.crt') }] });
      const identity = await app.invoke('certificates.import', {
        kind: 'client-identity',
        inputs: [{ data: new Uint8Array(pki.read('client.p12')), passphrase: 'p12pw' }],
      });
      const caId = ca.entries[0]!.id;
      const identityId = identity.entries[0]!.id;
      const saved = await app.invoke('profiles.save', {
        name: 'Plant broker',
        options: { url: `mqtts://127.0.0.1:${broker.ports['mtls']!}`, tls: { caIds: [caId], identityId, systemCa: false } },
      });
      const info = await app.invoke('profiles.connect', { id: saved.id });
      expect(info.state).toBe('connected');

      const listed = await app.invoke('certificates.list', { kind: 'client-identity' });
      expect(listed.rows[0]?.status === 'ok' && listed.rows[0].entry.usedBy).toEqual(['Plant broker']);
      const refused = await failure(app.invoke('certificates.delete', { id: caId }));
      expect(refused.code).toBe('IN_USE');
      expect(refused.details?.['users']).toEqual(['Plant broker']);
    } finally {
      app.close();
      await core.close();
    }
  });
});
