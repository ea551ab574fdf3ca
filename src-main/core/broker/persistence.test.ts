import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createBroker, FileStore, MemoryStore, type Broker, type PersistenceStore } from './index';
import { RawClient, type ReceivedPacket } from '../../test-support/conformance/raw-client';

const dirs: string[] = [];
const raws: RawClient[] = [];
let broker: Broker | undefined;

afterEach(async () => {
  for (const r of raws.splice(0)) r.close();
  await broker?.stop();
  broker = undefined;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function startWith(store: PersistenceStore): Promise<number> {
  broker = createBroker({ sysInterval: 0, listeners: [{ kind: 'tcp', port: 0 }], persistence: store });
  const [l] = await broker.start();
  return l!.port;
}

async function connect(port: number, clientId: string): Promise<{ c: RawClient; connack: ReceivedPacket }> {
  const { client, connack } = await RawClient.connected(port, 5, { clientId, clean: false, properties: { sessionExpiryInterval: 300 } });
  raws.push(client);
  return { c: client, connack };
}

describe('persistence', () => {
  it('restores sessions, subscriptions, queued QoS 1/2 messages and retained messages after a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'topiary-persist-'));
    dirs.push(dir);
    let port = await startWith(new FileStore(dir));
    const sub = await connect(port, 'keeper');
    sub.c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'p/#', qos: 2 }] });
    await sub.c.next('suback');
    sub.c.send({ cmd: 'disconnect', reasonCode: 0 });
    await sub.c.waitClosed();
    broker!.publish({ topic: 'p/one', payload: 'q1', qos: 1 });
    broker!.publish({ topic: 'p/two', payload: 'q2', qos: 2 });
    broker!.publish({ topic: 'p/kept', payload: 'r', qos: 0, retain: true });
    await broker!.stop();
    expect(readdirSync(dir)).toEqual(['broker-state.json']);
    expect(JSON.parse(readFileSync(join(dir, 'broker-state.json'), 'utf8')).sessions).toHaveLength(1);

    port = await startWith(new FileStore(dir));
    expect(broker!.listRetained().map((r) => r.topic)).toEqual(['p/kept']);
    const back = await connect(port, 'keeper');
    expect(back.connack.sessionPresent).toBe(true);
    const a = await back.c.next('publish');
    const b = await back.c.next('publish');
    expect([String(a.payload), String(b.payload)]).toEqual(['q1', 'q2']);
    back.c.send({ cmd: 'puback', messageId: a.messageId });
    back.c.send({ cmd: 'pubrec', messageId: b.messageId });
    await back.c.next('pubrel');
    back.c.send({ cmd: 'pubcomp', messageId: b.messageId });
    // The subscription came back too: new messages flow without re-subscribing.
    broker!.publish({ topic: 'p/new', payload: 'live', qos: 0 });
    expect(String((await back.c.next('publish')).payload)).toBe('live');
  });

  it('never delivers an inbound QoS 2 message twice across a restart', async () => {
    const store = new MemoryStore();
    let port = await startWith(store);
    const sub = await connect(port, 'watcher');
    sub.c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'x/#', qos: 0 }] });
    await sub.c.next('suback');
    const pub = await connect(port, 'sender');
    pub.c.send({ cmd: 'publish', topic: 'x/y', payload: 'once', qos: 2, messageId: 77 });
    await pub.c.next('pubrec');
    expect(String((await sub.c.next('publish')).payload)).toBe('once');
    await broker!.stop();

    port = await startWith(store);
    const watcher = await connect(port, 'watcher');
    const sender = await connect(port, 'sender');
    sender.c.send({ cmd: 'publish', topic: 'x/y', payload: 'once', qos: 2, messageId: 77, dup: true });
    await sender.c.next('pubrec');
    sender.c.send({ cmd: 'pubrel', messageId: 77 });
    expect((await sender.c.next('pubcomp')).reasonCode ?? 0).toBe(0);
    expect(await watcher.c.expectNone('publish', 200)).toBe(true);
  });

  it('resends PUBREL, not the message, for an outbound QoS 2 flow interrupted by a restart', async () => {
    const store = new MemoryStore();
    let port = await startWith(store);
    const sub = await connect(port, 'q2out');
    sub.c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'z', qos: 2 }] });
    await sub.c.next('suback');
    broker!.publish({ topic: 'z', payload: 'z', qos: 2 });
    const p = await sub.c.next('publish');
    sub.c.send({ cmd: 'pubrec', messageId: p.messageId });
    await sub.c.next('pubrel');
    await broker!.stop();
    port = await startWith(store);
    const back = await connect(port, 'q2out');
    expect((await back.c.next('pubrel')).messageId).toBe(p.messageId);
    expect(await back.c.expectNone('publish', 150)).toBe(true);
  });

  it('restarting the same instance keeps sessions once, without duplicate deliveries', async () => {
    const port1 = await startWith(new MemoryStore());
    const first = await connect(port1, 'same');
    first.c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 's/#', qos: 1 }] });
    await first.c.next('suback');
    await broker!.stop();
    const [l] = await broker!.start();
    const back = await connect(l!.port, 'same');
    expect(back.connack.sessionPresent).toBe(true);
    expect(broker!.getStats().subscriptions).toBe(1);
    broker!.publish({ topic: 's/x', payload: 'one', qos: 1 });
    const p = await back.c.next('publish');
    back.c.send({ cmd: 'puback', messageId: p.messageId });
    expect(await back.c.expectNone('publish', 150)).toBe(true);
  });

  it('refuses a damaged state file with PERSISTENCE_CORRUPT', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'topiary-persist-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'broker-state.json'), '{ not json');
    const b = createBroker({ sysInterval: 0, listeners: [{ kind: 'tcp', port: 0 }], persistence: new FileStore(dir) });
    await expect(b.start()).rejects.toMatchObject({ code: 'BROKER_ERROR', details: expect.objectContaining({ reason: 'PERSISTENCE_CORRUPT' }) });
  });
});
