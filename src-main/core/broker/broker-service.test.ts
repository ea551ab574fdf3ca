import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BrokerSettingsSchema, type BrokerLogEntry, type BrokerStatsSample } from '../../../shared/ipc/broker';
import { TopiaryError } from '../../../shared/ipc/errors';
import { waitFor } from '../../test-support/wait-for';
import { startMosquitto } from '../../test-support/mosquitto';
import { createAppCore } from '../app-core';
import { openEncryptedFileSecretStore } from '../secrets/encrypted-file-secret-store';
import { readdir, readFile, stat } from 'node:fs/promises';
import { BrokerService } from './broker-service';
import { connect as connectLibrary } from '../../lib';

describe('BrokerService', () => {
  let dir: string;
  let service: BrokerService;
  let log: BrokerLogEntry[];
  let samples: BrokerStatsSample[];

  const open = (): Promise<BrokerService> =>
    BrokerService.open({
      directory: dir,
      onStatus: () => undefined,
      onStats: (s) => samples.push(s),
      onLog: (entries) => log.push(...entries),
      sampleIntervalMs: 40,
    });

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'topiary-broker-service-'));
    log = [];
    samples = [];
    service = await open();
  });

  afterEach(async () => {
    await service.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('starts on a free port bound to 127.0.0.1 by default', async () => {
    const status = await service.start();
    expect(status.running).toBe(true);
    expect(status.listeners).toHaveLength(1);
    expect(status.listeners[0]).toMatchObject({ kind: 'tcp', host: '127.0.0.1', exposed: false });
    expect(status.listeners[0]?.port).toBeGreaterThan(0);
    expect(service.connectUrl()).toBe(`mqtt://127.0.0.1:${status.listeners[0]?.port}`);
  });

  it('lists connected clients, disconnects one on request, and logs both', async () => {
    await service.start();
    const client = await mqtt.connectAsync(service.connectUrl() ?? '', { clientId: 'dash-test', protocolVersion: 5 });
    await client.subscribeAsync('plant/#', { qos: 1 });
    const row = await waitFor(() => service.clients().find((c) => c.clientId === 'dash-test' && c.subscriptions.length === 1));
    expect(row).toMatchObject({ protocolVersion: 5, keepalive: 60, subscriptions: ['plant/# (QoS 1)'] });
    expect(row.remoteAddress).toContain('127.0.0.1');

    const gone = new Promise<number | undefined>((resolve) => client.once('disconnect', (packet) => resolve(packet.reasonCode)));
    expect(service.disconnectClient('dash-test')).toBe(true);
    expect(await gone).toBe(0x98);
    client.end(true);
    await waitFor(() => service.clients().length === 0);
    await waitFor(() => log.some((e) => e.type === 'client.disconnected' && e.clientId === 'dash-test'));
    expect(log.find((e) => e.type === 'client.connected')?.text).toMatch(/dash-test connected from 127\.0\.0\.1.*MQTT 5\.0/);
  });

  it('sends clients to another server while "moved" is set, shows it in the status, and admits them again once it is cleared', async () => {
    await service.start();
    const live = await mqtt.connectAsync(service.connectUrl() ?? '', { clientId: 'moved-live', protocolVersion: 5, reconnectPeriod: 0 });
    const told = new Promise<{ code: number | undefined; reference: string | undefined }>((resolve) =>
      live.once('disconnect', (packet) => resolve({ code: packet.reasonCode, reference: packet.properties?.serverReference })),
    );
    const status = service.setMoved({ serverReference: 'other.example:1883', permanent: true });
    expect(status.moved).toEqual({ serverReference: 'other.example:1883', permanent: true });
    expect(await told).toEqual({ code: 0x9d, reference: 'other.example:1883' });
    live.end(true);
    // It survives a restart of the broker (not of the app: it is never saved).
    await service.restart();
    const refused = await mqtt.connectAsync(service.connectUrl() ?? '', { protocolVersion: 5, reconnectPeriod: 0 }).then(
      () => undefined,
      (e: unknown) => (e as { code?: number }).code,
    );
    expect(refused).toBe(0x9d);
    expect(service.setMoved(null).moved).toBeUndefined();
    const back = await mqtt.connectAsync(service.connectUrl() ?? '', { protocolVersion: 5, reconnectPeriod: 0 });
    expect(back.connected).toBe(true);
    await back.endAsync();
  });

  it('browses retained messages and deletes a subtree, reporting the count', async () => {
    await service.start();
    const client = await mqtt.connectAsync(service.connectUrl() ?? '');
    for (const t of ['home/a', 'home/b/c', 'home/b/d', 'other']) await client.publishAsync(t, `v-${t}`, { retain: true, qos: 1 });
    await client.endAsync();
    const all = service.retained('', 100);
    expect(all.total).toBe(4);
    expect(all.rows.map((r) => r.topic)).toEqual(['home/a', 'home/b/c', 'home/b/d', 'other']);
    expect(all.rows[0]).toMatchObject({ size: 8, preview: 'v-home/a' });
    expect(service.deleteRetained('home/b', true)).toBe(2);
    expect(service.retained('home', 100).rows.map((r) => r.topic)).toEqual(['home/a']);
  });

  it('samples totals while running so the UI can chart rates', async () => {
    await service.start();
    const client = await mqtt.connectAsync(service.connectUrl() ?? '');
    for (let i = 0; i < 50; i++) client.publish('rate/x', 'x');
    await client.endAsync();
    await waitFor(() => samples.some((s) => s.messagesReceived >= 50));
    expect(service.stats().length).toBeGreaterThan(0);
  });

  it('keeps saved settings across a new instance, and a running broker restarts with them', async () => {
    await service.start();
    const settings = BrokerSettingsSchema.parse({ listeners: [{ kind: 'tcp', port: 0 }, { kind: 'ws', port: 0 }], autoStart: false });
    const status = await service.saveSettings(settings);
    expect(status.running).toBe(true);
    expect(status.listeners.map((l) => l.kind)).toEqual(['tcp', 'ws']);
    const ws = status.listeners[1];
    const client = await mqtt.connectAsync(`ws://127.0.0.1:${ws?.port}/mqtt`);
    await client.endAsync();
    await service.close();

    service = await open();
    expect(service.status().settings).toMatchObject({ autoStart: false, listeners: [{ kind: 'tcp' }, { kind: 'ws', path: '/mqtt' }] });
  });

  it('moves the retained messages and sessions into the store when persistence switches from memory to disk', async () => {
    await service.start();
    const url = service.connectUrl()!;
    const sub = await mqtt.connectAsync(url, { clientId: 'kept-session', clean: false, reconnectPeriod: 0 });
    await sub.subscribeAsync('moved/#', { qos: 1 });
    await sub.endAsync();
    const pub = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
    for (let i = 0; i < 4; i++) await pub.publishAsync(`moved/${i}`, `r${i}`, { qos: 1, retain: true });
    await pub.endAsync();
    await service.saveSettings({ ...service.status().settings, persistence: 'disk' });
    expect(service.retained('moved', 100).total).toBe(4);
    await service.close();
    // A new app run reads them from disk, with the session and its queued messages.
    service = await open();
    await service.start();
    expect(service.retained('moved', 100).total).toBe(4);
    const got: string[] = [];
    const back = mqtt.connect(service.connectUrl()!, { clientId: 'kept-session', clean: false, reconnectPeriod: 0 });
    back.on('message', (_t, p) => got.push(String(p)));
    back.on('error', () => undefined);
    await waitFor(() => got.length === 4, { what: () => `4 queued messages, got ${got.length}` });
    await back.endAsync();
    const folder = path.join(dir, 'broker-state');
    expect((await stat(folder)).mode & 0o777).toBe(0o700);
    for (const name of await readdir(folder)) expect((await stat(path.join(folder, name))).mode & 0o777).toBe(0o600);
  });

  it('says which port is taken when it cannot start, and keeps that reason in its status', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      await service.saveSettings(BrokerSettingsSchema.parse({ listeners: [{ kind: 'tcp', port }] }));
      const error = await service.start().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(TopiaryError);
      expect((error as TopiaryError).code).toBe('BROKER_ERROR');
      expect((error as TopiaryError).message).toMatch(/already in use/);
      expect(service.status()).toMatchObject({ running: false, error: { code: 'BROKER_ERROR' } });
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('runs a bridge from its settings, shows its status, and never writes its password in plain text', async () => {
    const remote = await startMosquitto();
    try {
      const secrets = await openEncryptedFileSecretStore({ keyFile: path.join(dir, 'secret.key') });
      await service.close();
      service = await BrokerService.open({ directory: dir, onStatus: () => undefined, onStats: () => undefined, onLog: () => undefined, secrets });
      const settings = BrokerSettingsSchema.parse({
        bridges: [{ name: 'site', remoteUrl: remote.url, topics: 'sensors/# in 1 site/ ""', username: 'bridge-user', password: 'hunter2-bridge' }],
      });
      await service.saveSettings(settings);
      const status = await service.start();
      expect(status.settings.bridges[0]).toMatchObject({ name: 'site', passwordStored: true });
      expect(status.settings.bridges[0]).not.toHaveProperty('password');
      await waitFor(() => service.status().bridges[0]?.state === 'connected');

      const local = await mqtt.connectAsync(service.connectUrl() ?? '');
      const seen: string[] = [];
      local.on('message', (topic) => seen.push(topic));
      await local.subscribeAsync('site/#');
      const pub = await mqtt.connectAsync(remote.url);
      await waitFor(async () => {
        await pub.publishAsync('sensors/a', '1', { qos: 1 });
        return seen.includes('site/sensors/a');
      });
      await pub.endAsync();
      await local.endAsync();

      for (const name of await readdir(dir)) {
        if (name.endsWith('.json')) expect(await readFile(path.join(dir, name), 'utf8')).not.toContain('hunter2-bridge');
      }
      // Saved again without a password: the stored one is kept.
      const again = await service.saveSettings(BrokerSettingsSchema.parse({ bridges: [{ name: 'site', remoteUrl: remote.url, topics: 'sensors/# in 1' }] }));
      expect(again.settings.bridges[0]?.passwordStored).toBe(true);
    } finally {
      await service.close();
      await remote.stop();
    }
  });

  it('refuses bridge topic lines it cannot read, naming the line', () => {
    const parsed = BrokerSettingsSchema.safeParse({ bridges: [{ name: 'x', remoteUrl: 'mqtt://h', topics: 'ok/#\nbad/# sideways' }] });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toMatch(/Line 2: direction must be in, out or both/);
  });

  it('keeps the ports it chose for port-0 listeners across a restart, so clients can reconnect', async () => {
    const first = await service.start();
    const restarted = await service.restart();
    expect(restarted.listeners[0]?.port).toBe(first.listeners[0]?.port);
  });

  it('adds users as salted hashes, refuses anonymous clients when told, and applies it without a restart', async () => {
    await service.start();
    await service.saveSettings(BrokerSettingsSchema.parse({ allowAnonymous: false }));
    const status = await service.setUser('alice', 'wonderland');
    expect(status.settings.users).toHaveLength(1);
    expect(status.settings.users[0]?.passwordHash).toMatch(/^\$7\$/);
    expect(await readFile(path.join(dir, 'broker-settings.json'), 'utf8')).not.toContain('wonderland');
    const url = service.connectUrl() ?? '';
    const good = await mqtt.connectAsync(url, { username: 'alice', password: 'wonderland', protocolVersion: 5 });
    await good.endAsync();
    const refused = await mqtt.connectAsync(url, { username: 'alice', password: 'wrong', protocolVersion: 5, reconnectPeriod: 0 }).then(
      () => 0,
      (e: { code?: number }) => e.code,
    );
    expect(refused).toBe(0x86);
    const anonymous = await mqtt.connectAsync(url, { protocolVersion: 5, reconnectPeriod: 0 }).then(
      () => 0,
      (e: { code?: number }) => e.code,
    );
    expect(anonymous).toBe(0x87);
  });

  it('imports an old $6$ hash from mosquitto_passwd with a warning naming the user to re-hash, and the user still logs in', async () => {
    await service.start();
    await service.saveSettings(BrokerSettingsSchema.parse({ allowAnonymous: false }));
    const file = path.join(dir, 'passwd');
    execFileSync('mosquitto_passwd', ['-H', 'sha512', '-c', '-b', file, 'olduser', 'legacy']);
    const { imported, warnings } = await service.importUsers(await readFile(file, 'utf8'));
    expect(imported).toBe(1);
    expect(warnings).toEqual([expect.stringMatching(/user "olduser".*\$6\$.*re-hash/)]);
    const client = await mqtt.connectAsync(service.connectUrl() ?? '', { username: 'olduser', password: 'legacy', reconnectPeriod: 0 });
    await client.endAsync();
    // Set again in the app, the password gets a current $7$ hash.
    expect((await service.setUser('olduser', 'legacy')).settings.users[0]?.passwordHash).toMatch(/^\$7\$/);
  });

  it('keeps SCRAM keys for the methods a user may use, and a SCRAM-only user signs in by SCRAM alone', async () => {
    await service.start();
    await service.saveSettings(BrokerSettingsSchema.parse({ allowAnonymous: false }));
    const status = await service.setUser('sam', 'scram-secret', ['SCRAM-SHA-256']);
    const sam = status.settings.users.find((u) => u.username === 'sam');
    expect(sam).toMatchObject({ passwordHash: '', authMethods: ['SCRAM-SHA-256'], scram: [{ mechanism: 'SCRAM-SHA-256', iterations: 4096 }] });
    const saved = await readFile(path.join(dir, 'broker-settings.json'), 'utf8');
    expect(saved).not.toContain('scram-secret');
    expect(BrokerSettingsSchema.safeParse((JSON.parse(saved) as { settings: unknown }).settings).success).toBe(true);
    const url = service.connectUrl() ?? '';
    const byPassword = await mqtt.connectAsync(url, { username: 'sam', password: 'scram-secret', protocolVersion: 5, reconnectPeriod: 0 }).then(
      () => 0,
      (e: { code?: number }) => e.code,
    );
    expect(byPassword).toBe(0x86);
    const c = await connectLibrary({ url, username: 'sam', password: 'scram-secret', authMethod: 'SCRAM-SHA-256' });
    await c.end();
    await expect(connectLibrary({ url, username: 'sam', password: 'scram-secret', authMethod: 'SCRAM-SHA-1' })).rejects.toMatchObject({ code: 'AUTHENTICATION_FAILED' });
  });

  it("imports and exports mosquitto's password and acl files, naming a bad line", async () => {
    const passwd = 'bob:' + (await service.setUser('bob', 'builder')).settings.users[0]?.passwordHash + '\n';
    await service.deleteUser('bob');
    const { imported, warnings } = await service.importUsers(`# from mosquitto_passwd\n${passwd}`);
    expect(imported).toBe(1);
    expect(warnings).toEqual([]);
    expect(service.exportUsers()).toBe(passwd);
    await expect(service.importUsers('carol:plaintext')).rejects.toMatchObject({ code: 'VALIDATION_ERROR', message: expect.stringMatching(/Line 1/) });

    await service.setAcl('topic read $SYS/#\nuser bob\ntopic readwrite bob/#\npattern write devices/%c/out');
    expect(service.status().settings.acl).toEqual([
      { scope: 'anonymous', access: 'read', topic: '$SYS/#' },
      { scope: 'user', subject: 'bob', access: 'readwrite', topic: 'bob/#' },
      { scope: 'pattern', access: 'write', topic: 'devices/%c/out' },
    ]);
    expect(service.exportAcl()).toContain('user bob');
    await expect(service.setAcl('topic read a\nbogus line here')).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
  });

  it('enforces the ACL on a running broker: a user reads and writes only its own subtree', async () => {
    await service.start();
    await service.setUser('bob', 'builder');
    await service.setAcl('user bob\ntopic readwrite bob/#');
    const url = service.connectUrl() ?? '';
    const bob = await mqtt.connectAsync(url, { username: 'bob', password: 'builder', protocolVersion: 5 });
    const granted = await bob.subscribeAsync('bob/#');
    expect(granted[0]?.qos).toBe(0);
    await expect(bob.subscribeAsync('alice/#')).rejects.toThrow(/Not authorized/);
    await bob.endAsync();
  });

  it('refuses operations while stopped with a sentence saying so', async () => {
    expect(() => service.disconnectClient('x')).toThrow(/not running; start it first/);
  });
});

describe('the app core with the embedded broker', () => {
  it('starts the broker with the app and connects to it, so a newcomer sees a live tree', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'topiary-first-start-'));
    const core = await createAppCore({ userDataDir: dir, autoStartBroker: true });
    try {
      const [connection] = await core.handlers['connections.list']({}, { clientId: 't' });
      expect(connection).toMatchObject({ name: 'Embedded broker', state: 'connected' });
      const status = await core.handlers['broker.getStatus']({}, { clientId: 't' });
      expect(status.running).toBe(true);
      expect(connection?.url).toBe(`mqtt://127.0.0.1:${status.listeners[0]?.port}`);
      const clients = await core.handlers['broker.listClients']({}, { clientId: 't' });
      expect(clients).toHaveLength(1);
      // A restart from the dashboard keeps the port, and the app's own connection comes back.
      await core.handlers['broker.restart']({}, { clientId: 't' });
      await waitFor(async () => (await core.handlers['broker.listClients']({}, { clientId: 't' })).length === 1, { timeoutMs: 15_000 });
      await waitFor(async () => (await core.handlers['connections.list']({}, { clientId: 't' }))[0]?.state === 'connected');
    } finally {
      await core.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
