import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createClient, type ContractClient } from '../../../shared/ipc/client';
import { createMemoryWirePair } from '../../../shared/ipc/memory-wire';
import type { ProfilesList } from '../../../shared/ipc/profiles';
import { waitFor } from '../../test-support/wait-for';
import { createAppCore, type AppCore } from '../app-core';
import { createSafeStorageSecretStore } from '../secrets/safe-storage-secret-store';
import type { SecretStore } from '../secrets/secret-store';
import { startTlsBroker, type TlsBroker } from '../../test-support/mosquitto';
import { everyFileText } from '../../test-support/every-file-text';

let broker: TlsBroker;
let dir: string;
let core: AppCore | undefined;

beforeAll(async () => {
  broker = await startTlsBroker({ username: 'profile-user', password: 'tls-pass-7781' });
});
afterAll(async () => {
  await broker.stop();
});
beforeEach(async () => {
  dir = await fs.mkdtemp(join(tmpdir(), 'topiary-profile-service-'));
});
afterEach(async () => {
  await core?.close();
  core = undefined;
  await fs.rm(dir, { recursive: true, force: true });
});

/** A fresh core over the same user-data folder, as after a restart. */
async function startCore(secrets?: SecretStore): Promise<ContractClient> {
  await core?.close();
  core = await createAppCore({ userDataDir: dir, ...(secrets ? { secrets } : {}) });
  const [coreEnd, clientEnd] = createMemoryWirePair();
  core.attach(coreEnd);
  return createClient(clientEnd);
}


describe('profiles over the contract', () => {
  it('connects with TLS from a saved profile, again after a restart, and never writes the password in plain text', async () => {
    let client = await startCore();
    const { id } = await client.invoke('profiles.save', {
      name: 'TLS broker',
      folder: 'Tests',
      options: { url: broker.url, username: broker.username, password: broker.password, protocolVersion: 5, tls: { ca: [broker.caPem] }, subscriptions: [{ filter: '#', qos: 0 }] },
    });
    const first = await client.invoke('profiles.connect', { id });
    expect(first.state).toBe('connected');
    expect(first.name).toBe('TLS broker');
    expect((await client.invoke('profiles.list', {})).live).toEqual([{ profileId: id, connectionId: first.connectionId }]);

    client = await startCore();
    const list = await client.invoke('profiles.list', {});
    expect(list.profiles.map((p) => [p.name, p.folder, p.secrets])).toEqual([['TLS broker', 'Tests', ['password']]]);
    expect(list.live).toEqual([]);
    const again = await client.invoke('profiles.connect', { id });
    expect(again.state).toBe('connected');

    const files = await everyFileText(dir);
    expect(files).toContain('profile-user');
    expect(files).not.toContain(broker.password);
  });

  it('connects with a CA chosen from the certificate store instead of pasted PEM, and the store names the profile as its user', async () => {
    const client = await startCore();
    const { entries } = await client.invoke('certificates.import', { kind: 'trusted-ca', inputs: [{ data: broker.caPem }], label: 'Test CA' });
    const caId = entries[0]?.id as string;
    const { id } = await client.invoke('profiles.save', {
      name: 'Store CA',
      options: { url: broker.url, username: broker.username, password: broker.password, tls: { caIds: [caId] } },
    });
    expect((await client.invoke('profiles.connect', { id })).state).toBe('connected');
    expect((await client.invoke('certificates.get', { id: entries[0]!.id })).usedBy).toEqual(['Store CA']);
  });

  it('reports a wrong stored password as AUTHENTICATION_FAILED', async () => {
    const client = await startCore();
    const { id } = await client.invoke('profiles.save', {
      name: 'Wrong',
      options: { url: broker.url, username: broker.username, password: 'not-it', tls: { ca: [broker.caPem] } },
    });
    await expect(client.invoke('profiles.connect', { id })).rejects.toMatchObject({ code: 'AUTHENTICATION_FAILED' });
  });

  it('fails with TLS_ERROR when the profile does not trust the broker\'s CA', async () => {
    const client = await startCore();
    const { id } = await client.invoke('profiles.save', {
      name: 'Untrusted',
      options: { url: broker.url, username: broker.username, password: broker.password, tls: { systemCa: true } },
    });
    await expect(client.invoke('profiles.connect', { id })).rejects.toMatchObject({ code: 'TLS_ERROR' });
  });

  it('drops a profile from the live list once its connection is closed', async () => {
    const client = await startCore();
    const { id } = await client.invoke('profiles.save', {
      name: 'Short',
      options: { url: broker.url, username: broker.username, password: broker.password, tls: { ca: [broker.caPem] } },
    });
    const info = await client.invoke('profiles.connect', { id });
    await client.invoke('connections.disconnect', { connectionId: info.connectionId });
    expect((await client.invoke('profiles.list', {})).live).toEqual([]);
  });

  it('saves a quick connection as a profile in one request, password sealed, and the live connection becomes the profile\'s', async () => {
    const client = await startCore();
    const info = await client.invoke('connections.connect', {
      url: broker.url,
      name: 'Quick one',
      username: broker.username,
      password: broker.password,
      tls: { ca: [broker.caPem] },
    });
    const { id, list } = await client.invoke('profiles.saveConnection', { connectionId: info.connectionId });
    const saved = list.profiles.find((p) => p.id === id);
    expect(saved).toMatchObject({ name: 'Quick one', folder: '', secrets: ['password'] });
    expect(saved?.options).not.toHaveProperty('password');
    expect(list.live).toEqual([{ profileId: id, connectionId: info.connectionId }]);
    expect(await everyFileText(dir)).not.toContain(broker.password);
    // The saved profile connects by itself, with the sealed password.
    await client.invoke('connections.disconnect', { connectionId: info.connectionId });
    expect((await client.invoke('profiles.connect', { id })).state).toBe('connected');
    await expect(client.invoke('profiles.saveConnection', { connectionId: 'no-such-connection' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('pushes profiles.changed to every window after a change', async () => {
    const client = await startCore();
    const [otherCore, otherClient] = createMemoryWirePair();
    core?.attach(otherCore);
    const other = createClient(otherClient);
    let seen: ProfilesList | undefined;
    other.on('profiles.changed', (list) => {
      seen = list;
    });
    await client.invoke('profiles.save', { name: 'Seen elsewhere', options: { url: 'mqtt://127.0.0.1:1' } });
    const pushed = await waitFor(() => seen, { what: 'profiles.changed' });
    expect(pushed.profiles.map((p) => p.name)).toEqual(['Seen elsewhere']);
  });

  it('exports without secrets unless asked, and imports its own export into a fresh folder', async () => {
    let client = await startCore();
    await client.invoke('profiles.save', { name: 'A', folder: 'X', options: { url: 'mqtts://a.example:8883', password: 'pw-export-1', tls: { ca: [broker.caPem], pkcs12: new Uint8Array([1, 2, 3]) } } });
    await client.invoke('profiles.save', { name: 'B', folder: 'X', options: { url: 'mqtt://b.example:1883' } });
    const plain = await client.invoke('profiles.export', {});
    expect(plain.count).toBe(2);
    expect(plain.text).not.toContain('pw-export-1');
    expect(plain.includesSecrets).toBe(false);
    const full = await client.invoke('profiles.export', { includeSecrets: true });
    expect(full.text).toContain('pw-export-1');

    await core?.close();
    core = undefined;
    await fs.rm(dir, { recursive: true, force: true });
    dir = await fs.mkdtemp(join(tmpdir(), 'topiary-profile-service-'));
    client = await startCore();
    const result = await client.invoke('profiles.import', { text: full.text });
    expect(result.imported.map((p) => p.name)).toEqual(['A', 'B']);
    expect(result.list.profiles.map((p) => [p.folder, p.name, p.order, p.secrets])).toEqual([
      ['X', 'A', 0, ['password', 'tls.pkcs12']],
      ['X', 'B', 1, []],
    ]);
    const again = await client.invoke('profiles.export', { includeSecrets: true });
    expect(JSON.parse(again.text).profiles[0].options).toEqual(JSON.parse(full.text).profiles[0].options);
  });

  it('imports MQTTX and MQTT Explorer files, sealing their passwords and reporting what was skipped', async () => {
    const client = await startCore();
    const mqttx = await client.invoke('profiles.importForeign', { text: await fs.readFile(join(__dirname, '../../test-support/fixtures/importers/mqttx-export.json'), 'utf8') });
    expect(mqttx.format).toBe('mqttx');
    expect(mqttx.imported.map((p) => p.name)).toEqual(['Factory TLS', 'Dashboard over WebSocket', 'Cloud with CA files']);
    expect(mqttx.skipped.map((s) => s.name)).toEqual(['No host at all']);
    const explorer = await client.invoke('profiles.importForeign', { text: await fs.readFile(join(__dirname, '../../test-support/fixtures/importers/mqtt-explorer-settings.json'), 'utf8'), format: 'mqtt-explorer' });
    expect(explorer.imported).toHaveLength(3);
    const factory = explorer.list.profiles.find((p) => p.name === 'Factory TLS');
    expect(factory?.secrets).toEqual(['password', 'tls.key']);
    expect(explorer.list.folders).toEqual(['MQTT Explorer', 'MQTTX']);
    const files = await everyFileText(dir);
    for (const secret of ['mqttx-secret-pw', 'explorer-secret-pw', 'MIIEfixtureClientKeyMQTTX', 'MIIEfixtureClientKeyExplorer']) expect(files).not.toContain(secret);
  });

  it('refuses to import a file that is not a Topiary export, with a sentence pointing to the other importer', async () => {
    const client = await startCore();
    await expect(client.invoke('profiles.import', { text: '[{"host":"x","mqttVersion":"5.0"}]' })).rejects.toMatchObject({
      code: 'VALIDATION_ERROR',
      message: expect.stringContaining('Import from another app'),
    });
  });

  it('keeps secrets sealed by the file vault readable when the shell hands in the OS keychain', async () => {
    let client = await startCore();
    await client.invoke('profiles.save', { name: 'Old', options: { url: 'mqtt://old:1883', password: 'sealed-by-file-vault' } });
    const keychain = createSafeStorageSecretStore({
      isEncryptionAvailable: () => true,
      encryptString: (text) => Buffer.from(`kc:${text}`),
      decryptString: (sealed) => {
        if (!sealed.toString().startsWith('kc:')) throw new Error('not sealed by this keychain');
        return sealed.toString().slice(3);
      },
    });
    client = await startCore(keychain);
    expect((await client.invoke('profiles.getSecretStore', {})).kind).toBe('safe-storage');
    const exported = await client.invoke('profiles.export', { includeSecrets: true });
    expect(exported.text).toContain('sealed-by-file-vault');
  });

  it('reports the vault in use', async () => {
    const client = await startCore();
    const info = await client.invoke('profiles.getSecretStore', {});
    expect(info.kind).toBe('encrypted-file');
    expect(info.description).toContain(join(dir, 'secret.key'));
    expect((await fs.stat(join(dir, 'secret.key'))).mode & 0o777).toBe(0o600);
  });
});
