import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { describe, expect, it } from 'vitest';
import { createBroker, hashPassword, type AclRule, type Broker, type BrokerOptions } from './index';
import { RawClient } from '../../test-support/conformance/raw-client';
import { closeAfterEach } from '../../test-support/close-after-each';
import { startMosquitto, type Mosquitto } from '../../test-support/mosquitto';
import { waitFor } from '../../test-support/wait-for';

const opened = closeAfterEach();
const { clients, raws, dirs } = opened;
let broker: Broker | undefined;
let mosquitto: Mosquitto | undefined;

const users = [
  { username: 'alice', passwordHash: hashPassword('wonderland', 1000) },
  { username: 'bob', passwordHash: hashPassword('builder', 1000) },
];
/** alice may only touch a/#; bob may read everything. */
const acl: AclRule[] = [
  { scope: 'user', subject: 'alice', access: 'readwrite', topic: 'a/#' },
  { scope: 'user', subject: 'bob', access: 'read', topic: '#' },
  { scope: 'user', subject: 'bob', access: 'read', topic: '$SYS/#' },
];
const ALICE = { username: 'alice', password: Buffer.from('wonderland') };
const BOB = { username: 'bob', password: 'builder' };

async function startEmbedded(extra: Partial<BrokerOptions> = {}): Promise<number> {
  broker = opened.stopAfter(createBroker({ sysInterval: 0, listeners: [{ kind: 'tcp', port: 0 }], allowAnonymous: false, users, acl, ...extra }));
  const [l] = await broker.start();
  return l!.port;
}

/** The same users and rules in a real mosquitto, from files mosquitto_passwd wrote. */
async function startMosquittoTwin(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'topiary-bypass-'));
  dirs.push(dir);
  execFileSync('mosquitto_passwd', ['-b', '-c', join(dir, 'pw'), 'alice', 'wonderland']);
  execFileSync('mosquitto_passwd', ['-b', join(dir, 'pw'), 'bob', 'builder']);
  writeFileSync(join(dir, 'acl'), 'user alice\ntopic readwrite a/#\n\nuser bob\ntopic read #\ntopic read $SYS/#\n');
  mosquitto = opened.stopAfter(await startMosquitto({ config: [`password_file ${join(dir, 'pw')}`, `acl_file ${join(dir, 'acl')}`] }));
  // startMosquitto's default listener allows anonymous; these files make every name known.
  return mosquitto.port;
}

async function watcher(port: number, filters: string[]): Promise<{ client: MqttClient; got: string[] }> {
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0, clientId: `watch-${Math.random()}`, ...BOB });
  clients.push(client);
  const got: string[] = [];
  client.on('message', (topic, payload) => got.push(`${topic}=${String(payload)}`));
  await client.subscribeAsync(filters, { qos: 1 });
  return { client, got };
}

/** Connects alice with a will, then drops her socket without DISCONNECT so the will is due. */
async function aliceDropsWithWill(port: number, version: 4 | 5, willTopic: string): Promise<number> {
  const { client, connack } = await RawClient.connected(port, version, {
    clientId: `alice-${version}-${Math.random()}`,
    ...ALICE,
    will: { topic: willTopic, payload: Buffer.from('intruder'), qos: 1, retain: true },
  });
  raws.push(client);
  client.close();
  return version === 5 ? connack.reasonCode! : connack.returnCode!;
}

/** Publishes a marker as alice (allowed) and waits until the watcher has it: anything due before it has arrived by then. */
async function marker(port: number, w: { got: string[] }): Promise<void> {
  const a = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0, ...ALICE, password: 'wonderland' });
  clients.push(a);
  const tag = `mark-${Math.random()}`;
  await a.publishAsync('a/marker', tag, { qos: 1 });
  await waitFor(() => w.got.includes(`a/marker=${tag}`), { what: 'the marker' });
}

describe('will messages and the publish ACL', () => {
  for (const target of ['embedded', 'mosquitto'] as const) {
    it(`${target}: a retained will on topics the user may not publish to never reaches anyone, nor the retained store`, async () => {
      const port = target === 'embedded' ? await startEmbedded() : await startMosquittoTwin();
      const w = await watcher(port, ['secret/#', '$SYS/broker/version', 'a/#']);
      const v3 = await aliceDropsWithWill(port, 4, 'secret/will');
      await aliceDropsWithWill(port, 4, '$SYS/broker/version');
      const v5 = await aliceDropsWithWill(port, 5, 'secret/will');
      await marker(port, w);
      expect(w.got.filter((m) => m.endsWith('=intruder'))).toEqual([]);
      // mosquitto 2.0 accepts a 3.1.1 client whose will it will not publish; the embedded broker matches it.
      expect(v3).toBe(0);
      if (target === 'embedded') {
        // MQTT 5 can say why: CONNACK 0x87 Not authorized (mosquitto 2.0.11 accepts and drops the will later).
        expect(v5).toBe(0x87);
        expect(broker!.listRetained().map((r) => r.topic)).toEqual([]);
      }
      const late = await watcher(port, ['secret/#', '$SYS/broker/version', 'a/#']);
      await marker(port, late);
      expect(late.got.filter((m) => m.endsWith('=intruder'))).toEqual([]);
    });
  }

  it('checks the will again when it is published: a will allowed at CONNECT but forbidden by then is dropped and counted', async () => {
    const port = await startEmbedded();
    const w = await watcher(port, ['a/#']);
    const { client, connack } = await RawClient.connected(port, 4, {
      clientId: 'alice-late',
      ...ALICE,
      will: { topic: 'a/will', payload: Buffer.from('intruder'), qos: 0, retain: false },
    });
    raws.push(client);
    expect(connack.returnCode).toBe(0);
    broker!.setAclRules([...acl.filter((r) => r.subject !== 'alice'), { scope: 'user', subject: 'alice', access: 'readwrite', topic: 'a/marker' }]);
    const dropped = broker!.getStats().publishDropped;
    client.close();
    await waitFor(() => broker!.getStats().publishDropped === dropped + 1, { what: 'the will to be dropped' });
    await marker(port, w);
    expect(w.got.filter((m) => m.endsWith('=intruder'))).toEqual([]);
  });

  it('still publishes a will the user may publish', async () => {
    const port = await startEmbedded();
    const w = await watcher(port, ['a/#']);
    await aliceDropsWithWill(port, 5, 'a/gone');
    await waitFor(() => w.got.includes('a/gone=intruder'), { what: 'the permitted will' });
  });
});

describe('persistent sessions and who resumes them', () => {
  const shared: AclRule[] = [
    { scope: 'user', subject: 'alice', access: 'readwrite', topic: '#' },
    { scope: 'user', subject: 'bob', access: 'readwrite', topic: 'public/#' },
  ];

  async function aliceQueues(port: number): Promise<void> {
    const a = await RawClient.connected(port, 4, { clientId: 'device-9', clean: false, ...ALICE });
    raws.push(a.client);
    a.client.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'secret/#', qos: 1 }] });
    await a.client.next('suback');
    a.client.send({ cmd: 'disconnect' });
    await a.client.waitClosed();
    // Queued for alice's offline session.
    expect(broker!.publish({ topic: 'secret/queued', payload: 'for-alice', qos: 1 })).toBe(1);
  }

  it("starts a session clean when a different user resumes it, so bob never gets alice's queued messages", async () => {
    const port = await startEmbedded({ acl: shared });
    await aliceQueues(port);
    const b = await RawClient.connected(port, 4, { clientId: 'device-9', clean: false, username: 'bob', password: Buffer.from('builder') });
    raws.push(b.client);
    expect(b.connack.returnCode).toBe(0);
    expect(b.connack.sessionPresent).toBe(false);
    expect(await b.client.expectNone('publish', 300)).toBe(true);
    // And alice's subscription did not carry over to bob either.
    broker!.publish({ topic: 'secret/later', payload: 'x', qos: 1 });
    expect(await b.client.expectNone('publish', 200)).toBe(true);
  });

  it('refuses the resume instead, with 0x87 (v5) / 0x05 (3.1.1), when the broker is set to', async () => {
    const port = await startEmbedded({ acl: shared, sessionOwnerMismatch: 'refuse' });
    await aliceQueues(port);
    const v4 = await RawClient.connected(port, 4, { clientId: 'device-9', clean: false, username: 'bob', password: Buffer.from('builder') });
    raws.push(v4.client);
    expect(v4.connack.returnCode).toBe(0x05);
    const v5 = await RawClient.connected(port, 5, { clientId: 'device-9', clean: false, username: 'bob', password: Buffer.from('builder'), properties: { sessionExpiryInterval: 60 } });
    raws.push(v5.client);
    expect(v5.connack.reasonCode).toBe(0x87);
    // alice herself still gets her message.
    const a = await RawClient.connected(port, 4, { clientId: 'device-9', clean: false, ...ALICE });
    raws.push(a.client);
    expect(a.connack.sessionPresent).toBe(true);
    expect(String((await a.client.next('publish')).payload)).toBe('for-alice');
  });

  it('checks queued and in-flight messages against the ACL in force when they are delivered', async () => {
    const port = await startEmbedded({ acl: shared });
    const a = await RawClient.connected(port, 4, { clientId: 'device-9', clean: false, ...ALICE });
    raws.push(a.client);
    a.client.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'secret/#', qos: 1 }] });
    await a.client.next('suback');
    broker!.publish({ topic: 'secret/inflight', payload: 'x', qos: 1 });
    await a.client.next('publish'); // never acknowledged: stays in flight
    a.client.close();
    await waitFor(() => broker!.getStats().clientsConnected === 0);
    broker!.publish({ topic: 'secret/queued', payload: 'y', qos: 1 });
    broker!.setAclRules([{ scope: 'user', subject: 'alice', access: 'readwrite', topic: 'public/#' }]);
    const back = await RawClient.connected(port, 4, { clientId: 'device-9', clean: false, ...ALICE });
    raws.push(back.client);
    expect(back.connack.sessionPresent).toBe(true);
    expect(await back.client.expectNone('publish', 300)).toBe(true);
    expect(broker!.listClients()[0]).toMatchObject({ inflight: 0, queued: 0 });
  });
});
