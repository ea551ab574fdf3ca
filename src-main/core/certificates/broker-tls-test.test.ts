import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEncryptedFileSecretStore } from '../secrets/encrypted-file-secret-store';
import type { CertificateEntry } from './certificate-entry';
import { CertificateStore } from './certificate-store';
import { startMosquittoTls, type TlsMosquitto } from '../../test-support/mosquitto';
import { createTestPki, type TestPki } from '../../test-support/pki';

let pki: TestPki;
let dir: string;
let store: CertificateStore;
let broker: TlsMosquitto;
let root: CertificateEntry;
let inter: CertificateEntry;
let client: CertificateEntry;
let localCa: CertificateEntry;
let localServer: CertificateEntry;
let localClient: CertificateEntry;
let strangerClient: CertificateEntry;

const HOST = '127.0.0.1';

beforeAll(async () => {
  pki = createTestPki();
  dir = await fs.mkdtemp(join(tmpdir(), 'topiary-tls-test-'));
  store = await CertificateStore.open({
    directory: join(dir, 'certificates'),
    secrets: await openEncryptedFileSecretStore({ keyFile: join(dir, 'secret.key') }),
    // Node's bundled roots stand in for the OS store so results do not depend on this machine.
    systemTrust: { bundlePaths: [], ignoreNodeSystemStore: true },
  });
  [root] = (await store.addTrustedCas({ inputs: [{ data: pki.read('root.crt') }], label: 'Lab root' })) as [CertificateEntry];
  [inter] = (await store.addTrustedCas({ inputs: [{ data: pki.read('inter.crt') }], label: 'Lab intermediate' })) as [CertificateEntry];
  client = await store.addIdentity({ kind: 'client-identity', inputs: [{ data: pki.read('client.crt') }, { data: pki.read('client.key') }] });

  localCa = await store.generateCa({ label: 'My local CA', commonName: 'Topiary Local CA' });
  localServer = await store.issue({ caId: localCa.id, kind: 'server-identity', commonName: 'localhost' });
  localClient = await store.issue({ caId: localCa.id, kind: 'client-identity', commonName: 'dashboard' });
  const otherCa = await store.generateCa({ commonName: 'Somebody else' });
  strangerClient = await store.issue({ caId: otherCa.id, kind: 'client-identity', commonName: 'stranger' });

  const material = await store.tlsMaterial(localServer.id);
  await fs.writeFile(join(dir, 'local-server.crt'), material.cert);
  await fs.writeFile(join(dir, 'local-server.key'), material.key, { mode: 0o600 });
  await fs.writeFile(join(dir, 'local-ca.crt'), await store.exportPem(localCa.id));
  await fs.writeFile(pki.path('full-chain.crt'), pki.text('server.crt') + pki.text('inter.crt') + pki.text('root.crt'));

  broker = await startMosquittoTls([
    { name: 'good', certfile: pki.path('server-chain.crt'), keyfile: pki.path('server.key') },
    { name: 'noIntermediate', certfile: pki.path('server.crt'), keyfile: pki.path('server.key') },
    { name: 'fullChain', certfile: pki.path('full-chain.crt'), keyfile: pki.path('server.key') },
    { name: 'expired', certfile: pki.path('expired.crt'), keyfile: pki.path('expired.key') },
    { name: 'future', certfile: pki.path('future.crt'), keyfile: pki.path('future.key') },
    { name: 'wrongHost', certfile: pki.path('wrong-host.crt'), keyfile: pki.path('wrong-host.key') },
    { name: 'selfSigned', certfile: pki.path('self.crt'), keyfile: pki.path('self.key') },
    { name: 'mutual', certfile: pki.path('direct.crt'), keyfile: pki.path('direct.key'), cafile: pki.path('root.crt'), requireCertificate: true },
    { name: 'local', certfile: join(dir, 'local-server.crt'), keyfile: join(dir, 'local-server.key') },
    { name: 'localMutual', certfile: join(dir, 'local-server.crt'), keyfile: join(dir, 'local-server.key'), cafile: join(dir, 'local-ca.crt'), requireCertificate: true },
  ]);
}, 60_000);

afterAll(async () => {
  await broker?.stop();
  pki?.cleanup();
  await fs.rm(dir, { recursive: true, force: true });
});

const port = (name: string): number => broker.ports[name]!;

describe('testAgainstBroker against mosquitto', () => {
  it('says a correctly configured broker verifies and returns the chain it presented', async () => {
    const result = await store.testAgainstBroker(HOST, port('good'), { caIds: [root.id] });
    expect(result).toMatchObject({ ok: true, verdict: 'verified', problems: [], mqttConnackCode: 0 });
    expect(result.serverChain.map((c) => c.subject.commonName)).toEqual(['localhost', 'Topiary Test Intermediate', 'Topiary Test Root']);
    expect(result.message).toContain('verifies');
    expect(result.protocol).toMatch(/TLSv1\.[23]/);
  });

  it('reports an expired server certificate with its expiry date', async () => {
    const result = await store.testAgainstBroker(HOST, port('expired'), { caIds: [root.id] });
    expect(result).toMatchObject({ ok: false, verdict: 'expired' });
    expect(result.problems[0]?.nodeErrorCode).toBe('CERT_HAS_EXPIRED');
    expect(result.message).toBe(
      `The broker's certificate "localhost expired" expired on 2021-01-01. The broker's operator must renew it; if the date looks wrong, check this computer's clock.`,
    );
  });

  it('reports a certificate that is not yet valid', async () => {
    const result = await store.testAgainstBroker(HOST, port('future'), { caIds: [root.id] });
    expect(result.verdict).toBe('not-yet-valid');
    expect(result.message).toContain('2099-01-01');
  });

  it('reports a hostname mismatch and lists the names the certificate does have', async () => {
    const result = await store.testAgainstBroker(HOST, port('wrongHost'), { caIds: [root.id], servername: 'localhost' });
    expect(result.verdict).toBe('hostname-mismatch');
    expect(result.message).toBe(`The broker's certificate is for "wrong.example", not for "localhost".`);
    expect(result.fix?.message).toContain('"localhost"');
  });

  it('reports a missing intermediate by name and points at the store entry that has it', async () => {
    const result = await store.testAgainstBroker(HOST, port('noIntermediate'), { caIds: [root.id] });
    expect(result.verdict).toBe('missing-intermediate');
    expect(result.message).toContain('did not send the intermediate CA "O=Topiary Tests, CN=Topiary Test Intermediate"');
    expect(result.fix).toMatchObject({ entryId: inter.id, entryLabel: 'Lab intermediate' });
  });

  it('reports a self-signed server certificate with its fingerprint', async () => {
    const result = await store.testAgainstBroker(HOST, port('selfSigned'), {});
    expect(result.verdict).toBe('self-signed');
    expect(result.problems[0]?.nodeErrorCode).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    expect(result.message).toContain('self-signed certificate "localhost"');
    expect(result.fix?.message).toContain(result.serverChain[0]!.fingerprints.sha256);
  });

  it('reports a root the server sent but the user does not trust, and names the store entry to trust', async () => {
    const result = await store.testAgainstBroker(HOST, port('fullChain'), { useSystemCAs: false });
    expect(result.verdict).toBe('untrusted-root');
    expect(result.problems[0]?.nodeErrorCode).toBe('SELF_SIGNED_CERT_IN_CHAIN');
    expect(result.fix).toMatchObject({ entryId: root.id, message: 'Trust CA "Lab root" from your store.' });
  });

  it('reports an unknown CA, suggests trusting the store CA that issued it, and also notes a hostname mismatch', async () => {
    const result = await store.testAgainstBroker(HOST, port('wrongHost'), {});
    expect(result.verdict).toBe('unknown-ca');
    expect(result.problems[0]?.nodeErrorCode).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    expect(result.message).toBe(`The broker's certificate was issued by the CA "C=DE, O=Topiary Tests, CN=Topiary Test Root", which you do not trust for this connection.`);
    expect(result.fix).toMatchObject({ entryId: root.id, message: 'Trust CA "Lab root" from your store.' });
    expect(result.problems.map((p) => p.verdict)).toEqual(['unknown-ca', 'hostname-mismatch']);
  });

  it('reports the root that mosquitto appends from its cafile as untrusted when the client does not trust it', async () => {
    // mosquitto completes the server chain from its cafile, so the root arrives and is reported as untrusted.
    const result = await store.testAgainstBroker(HOST, port('mutual'), { clientIdentityId: client.id, useSystemCAs: false });
    expect(result.verdict).toBe('untrusted-root');
    expect(result.serverChain.map((c) => c.subject.commonName)).toEqual(['localhost', 'Topiary Test Root']);
  });

  it('reports that the broker requires a client certificate when none is sent', async () => {
    const result = await store.testAgainstBroker(HOST, port('mutual'), { caIds: [root.id] });
    expect(result.verdict).toBe('client-certificate-required');
    expect(result.message).toBe('The broker requires a client certificate and none was sent.');
    expect(result.mqttConnackCode).toBeUndefined();
  });

  it('passes mutual TLS with the client identity the broker trusts, and reports one it rejects', async () => {
    const good = await store.testAgainstBroker(HOST, port('mutual'), { caIds: [root.id], clientIdentityId: client.id });
    expect(good).toMatchObject({ ok: true, verdict: 'verified', mqttConnackCode: 0 });
    const rejected = await store.testAgainstBroker(HOST, port('mutual'), { caIds: [root.id], clientIdentityId: strangerClient.id });
    expect(rejected.verdict).toBe('client-certificate-rejected');
    expect(rejected.message).toContain('does not trust the CA');
  });

  it('reports a refused connection as unreachable', async () => {
    const result = await store.testAgainstBroker(HOST, 1, {});
    expect(result.verdict).toBe('unreachable');
  });
});

describe('generated certificates with mosquitto', () => {
  it('lets MQTT.js connect over mqtts with the generated CA, and says so in a broker test', async () => {
    const [ca] = await store.caCertificates([localCa.id]);
    const conn = await mqtt.connectAsync(`mqtts://${HOST}:${port('local')}`, { ca: ca!, rejectUnauthorized: true, reconnectPeriod: 0, connectTimeout: 5000 });
    expect(conn.connected).toBe(true);
    await conn.endAsync();
    const result = await store.testAgainstBroker(HOST, port('local'), { caIds: [localCa.id], useSystemCAs: false });
    expect(result.verdict).toBe('verified');
  });

  it('lets a generated client certificate pass mutual TLS, and MQTT.js without it is refused', async () => {
    const [ca] = await store.caCertificates([localCa.id]);
    const identity = await store.tlsMaterial(localClient.id);
    const conn = await mqtt.connectAsync(`mqtts://localhost:${port('localMutual')}`, {
      ca: ca!,
      cert: identity.cert,
      key: identity.key,
      rejectUnauthorized: true,
      reconnectPeriod: 0,
      connectTimeout: 5000,
    });
    expect(conn.connected).toBe(true);
    await conn.endAsync();

    const without = mqtt.connectAsync(`mqtts://localhost:${port('localMutual')}`, { ca: ca!, rejectUnauthorized: true, reconnectPeriod: 0, connectTimeout: 5000 });
    await expect(without).rejects.toThrow();
  });
});
