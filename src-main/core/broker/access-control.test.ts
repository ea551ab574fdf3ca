import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { createBroker, hashPassword, type Broker, type BrokerEvent, type BrokerOptions } from './index';
import { RawClient } from '../../test-support/conformance/raw-client';
import { closeAfterEach } from '../../test-support/close-after-each';
import { waitFor } from '../../test-support/conformance/wait-for';

const opened = closeAfterEach();
const { clients, raws, dirs } = opened;
let broker: Broker | undefined;

async function start(options: BrokerOptions): Promise<number> {
  broker = opened.stopAfter(createBroker({ sysInterval: 0, listeners: [{ kind: 'tcp', port: 0 }], ...options }));
  const [l] = await broker.start();
  return l!.port;
}

async function rawConnect(port: number, version: 4 | 5, extra: Record<string, unknown>): Promise<{ c: RawClient; code: number }> {
  const { client, connack } = await RawClient.connected(port, version, { clientId: `ac-${Math.random()}`, ...extra });
  raws.push(client);
  const a = connack as { reasonCode?: number; returnCode?: number };
  return { c: client, code: version === 5 ? a.reasonCode! : a.returnCode! };
}

const users = [{ username: 'alice', passwordHash: hashPassword('wonderland', 1000) }];

describe('who may connect', () => {
  it('refuses anonymous clients with 0x87 (v5) / 0x05 (3.1.1) when anonymous access is off', async () => {
    const port = await start({ allowAnonymous: false, users });
    expect((await rawConnect(port, 5, {})).code).toBe(0x87);
    expect((await rawConnect(port, 4, {})).code).toBe(0x05);
  });

  it('refuses a wrong password with 0x86 (v5) / 0x04 (3.1.1) and logs an auth failure', async () => {
    const port = await start({ allowAnonymous: false, users });
    const events: BrokerEvent[] = [];
    broker!.onEvent((e) => events.push(e));
    expect((await rawConnect(port, 5, { username: 'alice', password: Buffer.from('nope') })).code).toBe(0x86);
    expect((await rawConnect(port, 4, { username: 'mallory', password: Buffer.from('x') })).code).toBe(0x04);
    expect(events.filter((e) => e.type === 'auth.failed').map((e) => (e as { username?: string }).username)).toEqual(['alice', 'mallory']);
  });

  it('accepts a user whose password matches its stored hash', async () => {
    const port = await start({ allowAnonymous: false, users });
    const { code } = await rawConnect(port, 5, { username: 'alice', password: Buffer.from('wonderland') });
    expect(code).toBe(0);
  });

  it('loads users from a mosquitto password file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'topiary-auth-'));
    dirs.push(dir);
    const file = join(dir, 'passwd');
    writeFileSync(file, `bob:${hashPassword('builder', 1000)}\n`);
    const port = await start({ allowAnonymous: false, passwordFile: file });
    expect((await rawConnect(port, 4, { username: 'bob', password: Buffer.from('builder') })).code).toBe(0);
    expect(broker!.listUsers().map((u) => u.username)).toEqual(['bob']);
  });

  it('refuses protocol versions switched off: CONNACK 0x84 in v5 form, 0x01 in 3.x form', async () => {
    const port = await start({ protocolVersions: [4] });
    expect((await rawConnect(port, 5, {})).code).toBe(0x84);
    const { client, connack } = await RawClient.connected(port, 3, { clientId: 'old' });
    raws.push(client);
    expect((connack as { returnCode?: number }).returnCode).toBe(0x01);
    expect((await rawConnect(port, 4, {})).code).toBe(0);
  });

  it('fails to construct with CONFIG_FILE_UNREADABLE when the password file is missing', () => {
    expect(() => createBroker({ passwordFile: '/nonexistent/passwd' })).toThrowError(expect.objectContaining({ code: 'BROKER_ERROR', details: expect.objectContaining({ reason: 'CONFIG_FILE_UNREADABLE' }) }));
  });
});

describe('changing access at runtime', () => {
  it('applies new users, anonymous access and ACL rules to connections made afterwards', async () => {
    const port = await start({});
    expect((await rawConnect(port, 5, {})).code).toBe(0);
    broker!.setAllowAnonymous(false);
    broker!.setUsers([{ username: 'dave', passwordHash: hashPassword('pw', 1000) }]);
    expect((await rawConnect(port, 5, {})).code).toBe(0x87);
    const { c, code } = await rawConnect(port, 5, { username: 'dave', password: Buffer.from('pw') });
    expect(code).toBe(0);
    broker!.setAclRules([{ scope: 'user', subject: 'dave', access: 'read', topic: 'dave/#' }]);
    c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'dave/x', qos: 0 }, { topic: 'eve/x', qos: 0 }] });
    expect((await c.next('suback')).granted).toEqual([0, 0x87]);
  });
});

describe('ACL enforcement', () => {
  const acl = [
    { scope: 'user' as const, subject: 'alice', access: 'readwrite' as const, topic: 'alice/#' },
    { scope: 'user' as const, subject: 'alice', access: 'read' as const, topic: 'news/#' },
    { scope: 'pattern' as const, access: 'write' as const, topic: 'out/%c' },
  ];

  it('answers a forbidden v5 publish with PUBACK/PUBREC 0x87 and does not deliver it', async () => {
    const port = await start({ users, acl });
    const { c } = await rawConnect(port, 5, { username: 'alice', password: Buffer.from('wonderland') });
    c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'news/#', qos: 1 }] });
    await c.next('suback');
    c.send({ cmd: 'publish', topic: 'news/today', payload: 'x', qos: 1, messageId: 2 });
    expect((await c.next('puback')).reasonCode).toBe(0x87);
    c.send({ cmd: 'publish', topic: 'news/today', payload: 'x', qos: 2, messageId: 3 });
    expect((await c.next('pubrec')).reasonCode).toBe(0x87);
    broker!.publish({ topic: 'news/today', payload: 'from-broker' });
    expect(String((await c.next('publish')).payload)).toBe('from-broker');
  });

  it('acknowledges but silently drops a forbidden 3.1.1 publish, as mosquitto does, and counts the drop', async () => {
    const port = await start({ users, acl });
    const watcher = await rawConnect(port, 5, { username: 'alice', password: Buffer.from('wonderland') });
    watcher.c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'alice/#', qos: 1 }] });
    await watcher.c.next('suback');
    const { c } = await rawConnect(port, 4, {});
    c.send({ cmd: 'publish', topic: 'alice/x', payload: 'intruder', qos: 1, messageId: 5 });
    expect((await c.next('puback')).messageId).toBe(5);
    expect(broker!.getStats().publishDropped).toBe(1);
    expect(await watcher.c.expectNone('publish', 150)).toBe(true);
  });

  it('answers a forbidden subscription with SUBACK 0x87 (v5) and 0x80 (3.1.1)', async () => {
    const port = await start({ users, acl });
    const v5 = await rawConnect(port, 5, { username: 'alice', password: Buffer.from('wonderland') });
    v5.c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: '#', qos: 0 }, { topic: 'alice/+', qos: 1 }] });
    expect((await v5.c.next('suback')).granted).toEqual([0x87, 1]);
    const v4 = await rawConnect(port, 4, {});
    v4.c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'alice/#', qos: 0 }] });
    expect((await v4.c.next('suback')).granted).toEqual([0x80]);
  });

  it('applies %c patterns so each client may publish only to its own topic', async () => {
    const port = await start({ acl });
    const { c } = await rawConnect(port, 5, { clientId: 'dev1' });
    c.send({ cmd: 'publish', topic: 'out/dev1', payload: 'x', qos: 1, messageId: 1 });
    // Allowed, and nobody listens: 0x10 No matching subscribers.
    expect((await c.next('puback')).reasonCode).toBe(0x10);
    c.send({ cmd: 'publish', topic: 'out/dev2', payload: 'x', qos: 1, messageId: 2 });
    expect((await c.next('puback')).reasonCode).toBe(0x87);
    const js = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0, protocolVersion: 5, clientId: 'dev3' });
    clients.push(js);
    await expect(js.publishAsync('out/dev1', 'x', { qos: 1 })).rejects.toThrow();
  });

  it('checks every retained message a new subscription brings against the reader\'s ACL, however many there are', async () => {
    const port = await start({ users, acl: [...acl, { scope: 'user', subject: 'alice', access: 'deny', topic: 'alice/secret/#' }] });
    for (let i = 0; i < 2000; i++) {
      broker!.publish({ topic: `alice/${i % 2 === 0 ? 'open' : 'secret'}/${i}`, payload: `r${i}`, qos: 1, retain: true });
    }
    const { c } = await rawConnect(port, 5, { username: 'alice', password: Buffer.from('wonderland') });
    c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'alice/#', qos: 0 }], properties: { subscriptionIdentifier: 7 } });
    expect((await c.next('suback')).granted).toEqual([0]);
    const got: { topic: string; payload: string; retain: boolean; qos: number; ids: unknown }[] = [];
    for (let i = 0; i < 1000; i++) {
      const p = await c.next('publish');
      got.push({ topic: p.topic!, payload: String(p.payload), retain: p.retain!, qos: p.qos!, ids: p.properties?.subscriptionIdentifier });
    }
    expect(got).toEqual(Array.from({ length: 1000 }, (_, k) => ({ topic: `alice/open/${2 * k}`, payload: `r${2 * k}`, retain: true, qos: 0, ids: 7 })));
    expect(await c.expectNone('publish', 150)).toBe(true);
  });

  it('loads rules from an acl_file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'topiary-acl-'));
    dirs.push(dir);
    const file = join(dir, 'acl');
    writeFileSync(file, 'topic read open/#\n');
    const port = await start({ aclFile: file });
    const { c } = await rawConnect(port, 5, {});
    c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'open/x', qos: 0 }, { topic: 'closed/x', qos: 0 }] });
    expect((await c.next('suback')).granted).toEqual([0, 0x87]);
    await waitFor(() => broker!.listAclRules().length === 1);
  });
});
