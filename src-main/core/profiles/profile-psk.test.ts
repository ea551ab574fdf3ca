// A connection profile with a DTLS pre-shared key: the key is sealed like the password, left out of plain exports, and the
// saved profile signs in to the embedded broker's DTLS listener as the broker user the key belongs to.
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createClient, type ContractClient } from '../../../shared/ipc/client';
import { createMemoryWirePair } from '../../../shared/ipc/memory-wire';
import { createAppCore, type AppCore } from '../app-core';

vi.setConfig({ testTimeout: 30_000 });

const KEY = '7a11ce0123456789abcdef0123456789';

let dir: string;
let core: AppCore | undefined;

beforeEach(async () => {
  dir = await fs.mkdtemp(join(tmpdir(), 'topiary-profile-psk-'));
});
afterEach(async () => {
  await core?.close();
  core = undefined;
  await fs.rm(dir, { recursive: true, force: true });
});

async function startCore(): Promise<ContractClient> {
  await core?.close();
  core = await createAppCore({ userDataDir: dir });
  const [coreEnd, clientEnd] = createMemoryWirePair();
  core.attach(coreEnd);
  return createClient(clientEnd);
}

/** The embedded broker with a PSK-only DTLS listener, no anonymous clients, and alice's key. */
async function startPskBroker(client: ContractClient): Promise<string> {
  const status = await client.invoke('broker.getStatus', {});
  await client.invoke('broker.saveSettings', { settings: { ...status.settings, allowAnonymous: false, listeners: [{ kind: 'dtls', port: 0, host: '127.0.0.1' }] } });
  await client.invoke('broker.setUser', { username: 'alice', password: 'alice-password-1', authMethods: ['password'] });
  await client.invoke('broker.setPsk', { username: 'alice', identity: 'alice-dtls', key: KEY });
  const started = await client.invoke('broker.start', {});
  return started.listeners[0]!.url;
}

async function filesHolding(folder: string, needles: readonly (string | Buffer)[]): Promise<string[]> {
  const entries = await fs.readdir(folder, { withFileTypes: true, recursive: true });
  const found: string[] = [];
  for (const e of entries.filter((x) => x.isFile())) {
    const file = join(e.parentPath, e.name);
    const bytes = await fs.readFile(file).catch(() => Buffer.alloc(0));
    if (needles.some((n) => bytes.includes(n))) found.push(file);
  }
  return found;
}

describe('connection profiles with a DTLS pre-shared key', () => {
  it('connects to the embedded broker as the key\'s user, again after a restart, and never writes the key in plain form', async () => {
    let client = await startCore();
    const url = await startPskBroker(client);
    const { id } = await client.invoke('profiles.save', { name: 'PSK device', options: { url, clientId: 'psk-profile', tls: { pskIdentity: 'alice-dtls', psk: KEY } } });

    const listed = (await client.invoke('profiles.list', {})).profiles[0]!;
    expect(listed.secrets).toEqual(['tls.psk']);
    expect(listed.options.tls).toEqual({ pskIdentity: 'alice-dtls' });
    expect(JSON.stringify(listed)).not.toContain(KEY);

    const info = await client.invoke('profiles.connect', { id });
    expect(info.state).toBe('connected');
    expect((await client.invoke('broker.listClients', {})).find((c) => c.clientId === 'psk-profile')?.username).toBe('alice');
    await client.invoke('connections.disconnect', { connectionId: info.connectionId });

    client = await startCore();
    const restarted = await client.invoke('broker.start', {});
    // A port chosen at run time may change at restart: point the profile at the new one, the stored key kept.
    const newUrl = restarted.listeners[0]!.url;
    await client.invoke('profiles.save', { id, name: 'PSK device', options: { url: newUrl, clientId: 'psk-profile', tls: { pskIdentity: 'alice-dtls' } } });
    expect((await client.invoke('profiles.list', {})).profiles[0]!.secrets).toEqual(['tls.psk']);
    expect((await client.invoke('profiles.connect', { id })).state).toBe('connected');

    const raw = Buffer.from(KEY, 'hex');
    expect(await filesHolding(dir, [KEY, KEY.toUpperCase(), raw, raw.toString('base64')])).toEqual([]);
  });

  it('leaves the key out of a plain export and carries it, as passwords are carried, in an export with secrets', async () => {
    const client = await startCore();
    await client.invoke('profiles.save', { name: 'PSK device', options: { url: 'mqtts-dtls://127.0.0.1:5684', password: 'pw-123', tls: { pskIdentity: 'alice-dtls', psk: KEY } } });

    const plain = await client.invoke('profiles.export', { includeSecrets: false });
    expect(plain.text).not.toContain(KEY);
    expect(plain.text).not.toContain('pw-123');
    expect(JSON.parse(plain.text).profiles[0].options.tls).toEqual({ pskIdentity: 'alice-dtls' });

    const full = await client.invoke('profiles.export', { includeSecrets: true });
    const options = JSON.parse(full.text).profiles[0].options;
    expect(options.password).toBe('pw-123');
    expect(options.tls.psk).toBe(KEY);

    // Imported on another machine, the key is sealed again there.
    await client.invoke('profiles.import', { text: full.text });
    const imported = (await client.invoke('profiles.list', {})).profiles;
    expect(imported).toHaveLength(2);
    expect(imported.every((p) => p.secrets.includes('tls.psk'))).toBe(true);
  });

  it('refuses a key that is not 1–64 bytes of hex with a sentence, and keeps nothing', async () => {
    const client = await startCore();
    const failure = await client.invoke('profiles.save', { name: 'Bad', options: { url: 'mqtts-dtls://127.0.0.1:5684', tls: { pskIdentity: 'x', psk: 'not hex' } } }).then(
      () => undefined,
      (e: { code?: string; message?: string }) => e,
    );
    expect(failure?.message).toMatch(/pre-shared key is 1–64 bytes written in hex/);
    expect((await client.invoke('profiles.list', {})).profiles).toEqual([]);
  });
});
