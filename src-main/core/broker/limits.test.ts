import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { createBroker, type Broker, type BrokerLimits } from './index';
import { RawClient } from '../../test-support/conformance/raw-client';
import { closeAfterEach } from '../../test-support/close-after-each';
import { waitFor } from '../../test-support/conformance/wait-for';

const opened = closeAfterEach();
const { raws, clients } = opened;
let broker: Broker | undefined;

async function start(limits: BrokerLimits): Promise<number> {
  broker = opened.stopAfter(createBroker({ sysInterval: 0, listeners: [{ kind: 'tcp', port: 0 }], limits }));
  const [l] = await broker.start();
  return l!.port;
}

async function connect(port: number, version: 4 | 5, extra: Record<string, unknown> = {}): Promise<{ c: RawClient; code: number }> {
  const { client, connack } = await RawClient.connected(port, version, { clientId: `lim-${Math.random()}`, ...extra });
  raws.push(client);
  const a = connack as { reasonCode?: number; returnCode?: number };
  return { c: client, code: version === 5 ? a.reasonCode! : a.returnCode! };
}

describe('limits', () => {
  it('refuses connections beyond the maximum with 0x97 (v5) / 0x03 (3.1.1) and admits again once one leaves', async () => {
    const port = await start({ maxConnections: 2 });
    const a = await connect(port, 5);
    await connect(port, 4);
    expect((await connect(port, 5)).code).toBe(0x97);
    expect((await connect(port, 4)).code).toBe(0x03);
    a.c.close();
    await waitFor(() => broker!.getStats().clientsConnected === 1);
    expect((await connect(port, 5)).code).toBe(0);
  });

  it('refuses connections above the connection rate with 0x9F (v5) / 0x03 (3.1.1)', async () => {
    const port = await start({ maxConnectionRate: 2 });
    const codes = await Promise.all(Array.from({ length: 6 }, (_, i) => connect(port, i % 2 === 0 ? 5 : 4).then((r) => r.code)));
    expect(codes.filter((c) => c === 0).length).toBeGreaterThanOrEqual(2);
    expect(codes.filter((c) => c === 0x9f || c === 0x03).length).toBeGreaterThanOrEqual(1);
    expect(codes.every((c) => c === 0 || c === 0x9f || c === 0x03)).toBe(true);
  });

  it('answers publishes above the per-client message rate with 0x97 and counts them as dropped', async () => {
    const port = await start({ maxMessageRate: 3 });
    const { c } = await connect(port, 5);
    const codes: number[] = [];
    for (let i = 1; i <= 5; i++) c.send({ cmd: 'publish', topic: 'rate/x', payload: 'x', qos: 1, messageId: i });
    for (let i = 1; i <= 5; i++) codes.push((await c.next('puback')).reasonCode ?? 0);
    expect(codes.filter((x) => x === 0x97).length).toBeGreaterThanOrEqual(2);
    expect(broker!.getStats().publishDropped).toBe(codes.filter((x) => x === 0x97).length);
  });

  it('queues at most maxQueued messages for an offline session and counts the rest as dropped', async () => {
    const port = await start({ maxQueued: 3 });
    const sub = await connect(port, 5, { clientId: 'sleepy', clean: false, properties: { sessionExpiryInterval: 60 } });
    sub.c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'q/#', qos: 1 }] });
    await sub.c.next('suback');
    sub.c.send({ cmd: 'disconnect', reasonCode: 0 });
    await sub.c.waitClosed();
    const pub = await connect(port, 5);
    for (let i = 1; i <= 5; i++) {
      pub.c.send({ cmd: 'publish', topic: 'q/x', payload: String(i), qos: 1, messageId: i });
      await pub.c.next('puback');
    }
    expect(broker!.getStats().publishDropped).toBe(2);
    const back = await connect(port, 5, { clientId: 'sleepy', clean: false, properties: { sessionExpiryInterval: 60 } });
    const got: string[] = [];
    for (let i = 0; i < 3; i++) {
      const p = await back.c.next('publish');
      got.push(String(p.payload));
      back.c.send({ cmd: 'puback', messageId: p.messageId });
    }
    expect(got).toEqual(['1', '2', '3']);
    expect(await back.c.expectNone('publish', 150)).toBe(true);
  });

  it('limits messages in flight to a client to maxInflight even when the client allows more', async () => {
    const port = await start({ maxInflight: 2 });
    const sub = await connect(port, 5, { properties: { receiveMaximum: 100 } });
    sub.c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'inf/#', qos: 1 }] });
    await sub.c.next('suback');
    for (let i = 0; i < 4; i++) broker!.publish({ topic: 'inf/x', payload: String(i), qos: 1 });
    await sub.c.next('publish');
    await sub.c.next('publish');
    expect(await sub.c.expectNone('publish', 150)).toBe(true);
    const info = broker!.listClients()[0]!;
    expect([info.inflight, info.queued]).toEqual([2, 2]);
  });

  it('keeps publishers and other subscribers going when one subscriber stops reading, counting what it drops', async () => {
    const port = await start({});
    const stalled = await connect(port, 4);
    stalled.c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'flood/#', qos: 0 }] });
    await stalled.c.next('suback');
    stalled.c.stopReading();
    const healthy = await connect(port, 4);
    healthy.c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'flood/end', qos: 1 }] });
    await healthy.c.next('suback');
    const pub = await connect(port, 4);
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    for (let i = 0; i < 600; i++) pub.c.send({ cmd: 'publish', topic: 'flood/x', payload: chunk, qos: 0 });
    pub.c.send({ cmd: 'publish', topic: 'flood/end', payload: 'done', qos: 1, messageId: 9 });
    expect((await pub.c.next('puback', 15_000)).messageId).toBe(9);
    expect(String((await healthy.c.next('publish', 5000)).payload)).toBe('done');
    expect(broker!.getStats().publishDropped).toBeGreaterThan(0);
  }, 30_000);

  it('rejects an oversized packet from a 3.1.1 client by closing its connection and keeps serving others', async () => {
    const port = await start({ maxPacketSize: 256 });
    const other = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0 });
    clients.push(other);
    const { c } = await connect(port, 4);
    c.send({ cmd: 'publish', topic: 'big', payload: Buffer.alloc(1000), qos: 0 });
    expect(await c.waitClosed()).toBe(true);
    await other.subscribeAsync('still/here');
    const got = new Promise<string>((r) => other.once('message', (t) => r(t)));
    await other.publishAsync('still/here', 'x');
    expect(await got).toBe('still/here');
  });
});
