import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ProfileStore } from '../core/profiles/profile-store';
import { chooseWebSecretStore } from '../core/secrets/choose-secret-store';
import { connect, createBroker, type EmbeddedBroker, type TopiaryClient } from '../lib';
import { ensureCliBuilt } from '../test-support/built-cli';
import { createTestPki, type TestPki } from '../test-support/pki';
import { runTopiary } from '../test-support/topiary-process';
import { waitFor } from '../test-support/wait-for';

// Each test starts node processes; on a loaded two-core machine one start can take seconds.
vi.setConfig({ testTimeout: 60_000 });

let pki: TestPki;
let broker: EmbeddedBroker;
let url: string;
let watcher: TopiaryClient;
const received: string[] = [];
let userData: string;

beforeAll(async () => {
  await ensureCliBuilt();
  pki = createTestPki({ clientCn: 'cli-device' });
  // The client's certificate and key as a modern (AES) PKCS#12, the way a device's identity is handed out.
  pki.openssl(['pkcs12', '-export', '-in', 'client.crt', '-inkey', 'client.key', '-out', 'client.p12', '-passout', 'pass:p12-secret']);
  broker = await createBroker({
    allowAnonymous: true,
    listeners: [
      { kind: 'tls', port: 0, host: '127.0.0.1', cert: pki.text('server-chain.crt'), key: pki.text('server.key'), ca: pki.text('root.crt'), requireClientCertificate: true },
      { kind: 'tcp', port: 0, host: '127.0.0.1' },
    ],
  });
  // The TLS listener by name: the server certificate is for localhost and 127.0.0.1.
  url = broker.urls[0]!.replace('127.0.0.1', 'localhost');
  expect(url).toMatch(/^mqtts:\/\/localhost:\d+$/);
  watcher = await connect({ url: broker.urls[1]!, subscriptions: [{ filter: 'tls/#', qos: 1 }] });
  watcher.on('message', (m) => received.push(`${m.topic} ${Buffer.from(m.payload).toString()}`));
  userData = await mkdtemp(path.join(os.tmpdir(), 'topiary-cli-profiles-'));
}, 120_000);

afterAll(async () => {
  await watcher?.end();
  await broker?.stop();
  pki?.cleanup();
  if (userData) await rm(userData, { recursive: true, force: true });
});

describe('topiary --pfx, against a TLS listener that requires a client certificate', () => {
  it('publishes with the PKCS#12 identity and its passphrase', async () => {
    const r = await runTopiary(['pub', '-u', url, '--ca', pki.path('root.crt'), '--pfx', pki.path('client.p12'), '--key-passphrase', 'p12-secret', '-t', 'tls/pfx', '-m', 'by pfx', '-q', '1']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^tls\/pfx: PUBACK .*\(0x00\)/);
    await waitFor(() => received.includes('tls/pfx by pfx'), { what: 'the message published over TLS' });
  });

  it('exits 1 with one sentence for a wrong PKCS#12 passphrase, a missing file, and no client certificate at all', async () => {
    const wrong = await runTopiary(['pub', '-u', url, '--ca', pki.path('root.crt'), '--pfx', pki.path('client.p12'), '--key-passphrase', 'not-it', '-t', 'tls/x', '-m', 'x']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr.trim().split('\n')).toHaveLength(1);
    expect(wrong.stderr).toMatch(/^error: .*(PKCS#12|passphrase|password)/i);
    const missing = await runTopiary(['pub', '-u', url, '--pfx', '/nonexistent/client.p12', '-t', 'tls/x', '-m', 'x']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('error: --pfx /nonexistent/client.p12: no such file.\n');
    const none = await runTopiary(['pub', '-u', url, '--ca', pki.path('root.crt'), '-t', 'tls/x', '-m', 'x']);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/^error: .*(certificate|TLS)/i);
    expect(received.some((m) => m.startsWith('tls/x'))).toBe(false);
  });

  it('refuses a broker whose certificate it cannot verify unless told --insecure', async () => {
    const untrusted = await runTopiary(['pub', '-u', url, '--pfx', pki.path('client.p12'), '--key-passphrase', 'p12-secret', '-t', 'tls/untrusted', '-m', 'x']);
    expect(untrusted.code).toBe(1);
    expect(untrusted.stderr).toMatch(/^error: .*certificate/i);
    const insecure = await runTopiary(['pub', '-u', url, '--insecure', '--pfx', pki.path('client.p12'), '--key-passphrase', 'p12-secret', '-t', 'tls/insecure', '-m', 'x', '-q', '1']);
    expect(insecure.code).toBe(0);
    await waitFor(() => received.includes('tls/insecure x'), { what: 'the message published with --insecure' });
  });
});

describe('topiary --profile, a connection saved in the app', () => {
  beforeAll(async () => {
    // Saved the way the app saves it: secrets (the PKCS#12 and its password) sealed by the same vault the command opens.
    const secrets = await chooseWebSecretStore({ userDataDir: userData });
    const store = await ProfileStore.open({ file: path.join(userData, 'profiles.json'), secrets });
    await store.save({
      name: 'Plant TLS',
      folder: '',
      options: {
        url,
        clientId: 'plant-saved',
        tls: { ca: [pki.text('root.crt')], pkcs12: new Uint8Array(pki.read('client.p12')), pkcs12Password: 'p12-secret', rejectUnauthorized: true },
      },
    });
  }, 60_000);

  it('connects with the saved URL, TLS identity and client id, found by name in any case', async () => {
    const connected: string[] = [];
    const onEvent = (e: { type: string; clientId?: string }): void => {
      if (e.type === 'client.connected' && e.clientId) connected.push(e.clientId);
    };
    broker.on('event', onEvent);
    const r = await runTopiary(['pub', '--profile', 'plant tls', '-t', 'tls/profile', '-m', 'by profile', '-q', '1'], { env: { TOPIARY_USER_DATA: userData } });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    await waitFor(() => received.includes('tls/profile by profile'), { what: 'the message published through the profile' });
    broker.off('event', onEvent);
    expect(connected).toEqual(['plant-saved']);
  });

  it('lets a flag override what the profile says', async () => {
    const sub = runTopiary(['sub', '--profile', 'Plant TLS', '-i', 'overridden-id', '-t', 'tls/override', '--count', '1', '--timeout', '30'], { env: { TOPIARY_USER_DATA: userData } });
    await waitFor(() => broker.engine.listClients().some((c) => c.clientId === 'overridden-id' && c.subscriptions.length > 0), { timeoutMs: 30_000, what: 'the subscriber with the overriding id' });
    await watcher.publish('tls/override', 'seen', { qos: 1 });
    const r = await sub;
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('tls/override seen\n');
  });

  it('exits 1 naming the saved profiles when the name is unknown', async () => {
    const r = await runTopiary(['pub', '--profile', 'Nope', '-t', 'tls/x', '-m', 'x'], { env: { TOPIARY_USER_DATA: userData } });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('error: No saved profile is named "Nope"; saved: "Plant TLS".\n');
  });
});
