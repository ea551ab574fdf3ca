import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createClient, type ContractClient } from '../../../shared/ipc/client';
import { createMemoryWirePair } from '../../../shared/ipc/memory-wire';
import { failureOf } from '../../test-support/failure-of';
import { waitFor } from '../../test-support/wait-for';
import { createAppCore, type AppCore } from '../app-core';

const BOB_ONLY = 'user bob\ntopic readwrite bob/#\n';

// The lock-out: one `user bob` rule denies every anonymous client, Topiary's own explorer connection among them.
describe('broker.previewAccess through the contract, with the embedded broker the app started', () => {
  let dir: string;
  let core: AppCore;
  let client: ContractClient;
  const outsiders: mqtt.MqttClient[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'topiary-access-preview-'));
    core = await createAppCore({ userDataDir: dir, autoStartBroker: true });
    const [coreEnd, clientEnd] = createMemoryWirePair();
    core.attach(coreEnd);
    client = createClient(clientEnd);
    await waitFor(async () => (await client.invoke('connections.list', {}))[0]?.state === 'connected');
  });

  afterEach(async () => {
    await Promise.all(outsiders.splice(0).map((c) => c.endAsync(true)));
    await core.close();
    await rm(dir, { recursive: true, force: true });
  });

  const connectOutsider = async (options: mqtt.IClientOptions): Promise<mqtt.MqttClient> => {
    const status = await client.invoke('broker.getStatus', {});
    const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${status.listeners[0]?.port}`, { reconnectPeriod: 0, ...options });
    outsiders.push(c);
    return c;
  };

  it('names Topiary\'s own connection and every anonymous client with what the bob rule would deny, and changes nothing', async () => {
    await client.invoke('broker.setUser', { username: 'bob', password: 'bob-secret' });
    const sensor = await connectOutsider({ clientId: 'sensor-1' });
    await sensor.subscribeAsync('cmd/#', { qos: 1 });
    await sensor.publishAsync('sensors/t1', '21', { qos: 1 });
    const bob = await connectOutsider({ clientId: 'bob-1', username: 'bob', password: 'bob-secret' });
    await bob.subscribeAsync('bob/#', { qos: 1 });
    await bob.publishAsync('bob/x', '1', { qos: 1 });
    await waitFor(async () => (await client.invoke('broker.listClients', {})).length === 3);

    const preview = await client.invoke('broker.previewAccess', { change: { aclText: BOB_ONLY } });
    expect(preview.topiaryAffected).toBe(true);
    // Topiary's own connection comes first, by its name in the connection list.
    expect(preview.losses[0]).toMatchObject({ topiaryConnection: 'Embedded broker', deniedSubscriptions: ['#', '$SYS/#'] });
    expect(preview.losses.find((l) => l.clientId === 'sensor-1')).toEqual({ clientId: 'sensor-1', deniedSubscriptions: ['cmd/#'], deniedPublishes: ['sensors/t1'] });
    // bob keeps what the rule grants him.
    expect(preview.losses.some((l) => l.clientId === 'bob-1')).toBe(false);
    expect(preview.losses).toHaveLength(2);

    // A preview applies nothing: an anonymous client may still subscribe to everything.
    expect((await client.invoke('broker.exportAcl', {})).text.trim()).toBe('');
    const granted = await (await connectOutsider({ clientId: 'late' })).subscribeAsync('#', { qos: 1 });
    expect(granted[0]?.qos).toBe(1);
  });

  it('says who would be refused at their next login when anonymous logins or a user go', async () => {
    await client.invoke('broker.setUser', { username: 'bob', password: 'bob-secret' });
    await connectOutsider({ clientId: 'bob-1', username: 'bob', password: 'bob-secret' });
    await waitFor(async () => (await client.invoke('broker.listClients', {})).length === 2);

    const anonymousOff = await client.invoke('broker.previewAccess', { change: { allowAnonymous: false } });
    expect(anonymousOff.losses).toEqual([
      expect.objectContaining({ topiaryConnection: 'Embedded broker', refusedAtConnect: 'anonymous logins would be refused', deniedSubscriptions: [] }),
    ]);
    const bobGone = await client.invoke('broker.previewAccess', { change: { deleteUser: 'bob' } });
    expect(bobGone).toEqual({ topiaryAffected: false, losses: [{ clientId: 'bob-1', username: 'bob', refusedAtConnect: 'its user "bob" would be removed', deniedSubscriptions: [], deniedPublishes: [] }] });
    // A rule set that still grants everyone what they use loses no one.
    expect(await client.invoke('broker.previewAccess', { change: { aclText: 'topic readwrite #\ntopic read $SYS/#\n' } })).toEqual({ topiaryAffected: false, losses: [] });
  });

  it('once a lock-out is applied, Topiary\'s own connection shows its subscriptions refused by the ACL, and active again when a rule grants them', async () => {
    const subs = async (): Promise<readonly { filter: string; state: string; reason?: string }[]> => (await client.invoke('connections.list', {}))[0]?.subscriptions ?? [];
    expect((await subs()).map((s) => s.state)).toEqual(['active', 'active']);
    await client.invoke('broker.setAcl', { text: BOB_ONLY });
    const refused = await waitFor(async () => {
      const list = await subs();
      return list.length === 2 && list.every((s) => s.state === 'refused') ? list : null;
    });
    expect(refused.find((s) => s.filter === '#')?.reason).toMatch(/refused "#": Not authorized \(0x87\).*access control/);
    await client.invoke('broker.setAcl', { text: `topic read #\ntopic read $SYS/#\n${BOB_ONLY}` });
    await waitFor(async () => (await subs()).every((s) => s.state === 'active'));
  });

  it('refuses an ACL it cannot parse with the line at fault', async () => {
    const failure = await failureOf(client.invoke('broker.previewAccess', { change: { aclText: 'allow everything' } }));
    expect(failure).toMatchObject({ code: 'VALIDATION_ERROR', message: expect.stringContaining('Line 1') });
  });
});
