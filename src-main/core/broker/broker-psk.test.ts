// DTLS pre-shared keys per broker user, as the dashboard manages them (BrokerService.setPsk/deletePsk): sealed by the
// secret store at rest, used by the DTLS listener at once, signing the session in as their user, and refused once removed.
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BrokerSettingsSchema, brokerRequests } from '../../../shared/ipc/broker';
import { connect } from '../../lib';
import { waitFor } from '../../test-support/wait-for';
import { validationError } from '../ipc/serve';
import { openEncryptedFileSecretStore } from '../secrets/encrypted-file-secret-store';
import { BrokerService } from './broker-service';

vi.setConfig({ testTimeout: 30_000 });

const KEY = '5eed0123456789abcdef0123456789ab';

let dir: string;
let service: BrokerService;

const open = async (): Promise<BrokerService> =>
  BrokerService.open({
    directory: dir,
    onStatus: () => undefined,
    onStats: () => undefined,
    onLog: () => undefined,
    secrets: await openEncryptedFileSecretStore({ keyFile: path.join(dir, 'secret.key') }),
  });

/** A PSK-only DTLS listener, and no anonymous clients: only a user (here, by their key) gets in. */
async function startPskBroker(): Promise<string> {
  await service.saveSettings(BrokerSettingsSchema.parse({ allowAnonymous: false, listeners: [{ kind: 'dtls', port: 0, host: '127.0.0.1' }] }));
  await service.setUser('alice', 'alice-password', ['password']);
  const status = await service.start();
  return status.listeners[0]!.url;
}

async function filesUnder(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

function connectError(url: string, identity: string, key: string): Promise<(Error & { code?: string }) | undefined> {
  return connect({ url, clientId: `refused-${identity}`, tls: { pskIdentity: identity, psk: key }, connectTimeoutMs: 10_000 }).then(
    async (c) => {
      await c.end();
      return undefined;
    },
    (e: Error & { code?: string }) => e,
  );
}

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'topiary-broker-psk-'));
  service = await open();
});

afterEach(async () => {
  await service.close();
  await rm(dir, { recursive: true, force: true });
});

describe('DTLS pre-shared keys per broker user', () => {
  it('keeps the key sealed at rest: no file in the data folder holds it, in hex or as bytes', async () => {
    await startPskBroker();
    const status = await service.setPsk('alice', 'alice-dtls', KEY);
    expect(status.settings.pskIdentities).toEqual([{ identity: 'alice-dtls', username: 'alice' }]);
    expect(JSON.stringify(status)).not.toContain(KEY);
    const files = await filesUnder(dir);
    expect(files.some((f) => f.endsWith('broker-settings.json'))).toBe(true);
    const raw = Buffer.from(KEY, 'hex');
    for (const file of files) {
      const bytes = await readFile(file);
      for (const needle of [KEY, KEY.toUpperCase(), raw.toString('base64')]) expect(bytes.includes(needle), `${file} holds ${needle}`).toBe(false);
      expect(bytes.includes(raw), `${file} holds the key's bytes`).toBe(false);
    }
  });

  it('lets a PSK client in as the key\'s user, without a password, and again after the app restarts', async () => {
    const url = await startPskBroker();
    await service.setPsk('alice', 'alice-dtls', KEY);
    const client = await connect({ url, clientId: 'psk-alice', tls: { pskIdentity: 'alice-dtls', psk: KEY }, connectTimeoutMs: 10_000 });
    try {
      expect(service.clients().find((c) => c.clientId === 'psk-alice')?.username).toBe('alice');
    } finally {
      await client.end();
    }

    // A new service on the same folder unseals the key from disk at start.
    await service.close();
    service = await open();
    const again = (await service.start()).listeners[0]!.url;
    const reopened = await connect({ url: again, clientId: 'psk-alice-2', tls: { pskIdentity: 'alice-dtls', psk: KEY }, connectTimeoutMs: 10_000 });
    expect(service.clients().find((c) => c.clientId === 'psk-alice-2')?.username).toBe('alice');
    await reopened.end();
  });

  it('refuses a removed identity with unknown_psk_identity, without a restart', async () => {
    const url = await startPskBroker();
    await service.setPsk('alice', 'alice-dtls', KEY);
    await service.deletePsk('alice-dtls');
    expect(service.status().settings.pskIdentities).toEqual([]);
    const failure = await connectError(url, 'alice-dtls', KEY);
    expect(failure?.code).toBe('TLS_ERROR');
    expect(failure?.message).toMatch(/does not know this PSK identity/);
    // The dashboard's log says so too.
    await waitFor(() => service.log(50).some((e) => e.text.includes('DTLS handshake refused: Unknown DTLS PSK identity "alice-dtls"')), { what: () => `the refusal in the log (${JSON.stringify(service.log(5))})` });

    // The same refusal as an independent DTLS peer reads it.
    const port = new URL(url).port;
    const child = spawn('openssl', ['s_client', '-dtls1_2', '-connect', `127.0.0.1:${port}`, '-psk_identity', 'alice-dtls', '-psk', KEY, '-cipher', 'PSK-AES128-GCM-SHA256', '-quiet'], { stdio: ['pipe', 'ignore', 'pipe'] });
    child.on('error', () => undefined);
    let err = '';
    let exited: number | null = null;
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => (exited = code ?? -1));
    try {
      await waitFor(() => exited !== null, { timeoutMs: 10_000, what: () => `s_client to give up (${err})` });
      expect(err).toMatch(/unknown psk identity/i);
    } finally {
      child.kill();
    }
  });

  it("removes a user's keys with the user, and refuses keys for unknown users or another user's identity", async () => {
    const url = await startPskBroker();
    await service.setUser('bob', 'bob-password', ['password']);
    await service.setPsk('alice', 'alice-dtls', KEY);
    await expect(service.setPsk('nobody', 'x', KEY)).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(/There is no user "nobody"/) });
    await expect(service.setPsk('bob', 'alice-dtls', KEY)).rejects.toMatchObject({ code: 'IN_USE', message: expect.stringMatching(/already belongs to user "alice"/) });
    // Settings saved from the dashboard carry no keys, and keep the ones set.
    await service.saveSettings({ ...service.status().settings, pskIdentities: [] });
    expect(service.status().settings.pskIdentities).toEqual([{ identity: 'alice-dtls', username: 'alice' }]);

    await service.deleteUser('alice');
    expect(service.status().settings.pskIdentities).toEqual([]);
    const settingsText = await readFile(path.join(dir, 'broker-settings.json'), 'utf8');
    expect(JSON.parse(settingsText).sealedPsks).toEqual({});
    const failure = await connectError(url, 'alice-dtls', KEY);
    expect(failure?.message).toMatch(/does not know this PSK identity/);
  });

  it('says in a sentence what is wrong with a request', () => {
    const sentence = (arg: unknown): string => {
      const parsed = brokerRequests['broker.setPsk'].arg.safeParse(arg);
      if (parsed.success) return 'valid';
      return validationError(parsed.error).message;
    };
    expect(sentence({ username: 'alice', identity: 'alice-dtls', key: KEY })).toBe('valid');
    expect(sentence({ username: 'alice', identity: 'alice-dtls', key: 'xyz' })).toMatch(/pre-shared key is 1–64 bytes written in hex/);
    expect(sentence({ username: 'alice', identity: 'alice-dtls', key: 'abc' })).toMatch(/pre-shared key is 1–64 bytes written in hex/);
    expect(sentence({ username: 'alice', identity: 'two words', key: KEY })).toMatch(/PSK identity is printable ASCII without spaces/);
    expect(sentence({ username: 'alice', identity: 'x'.repeat(129), key: KEY })).toMatch(/at most 128 characters/);
    expect(sentence({ username: '', identity: 'alice-dtls', key: KEY })).toMatch(/Name the user the key belongs to/);
  });
});
