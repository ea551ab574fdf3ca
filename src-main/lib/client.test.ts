import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { BROKER_TARGETS, startBrokerTarget, type BrokerTarget } from '../test-support/broker-targets';
import { hashPassword } from '../core/broker';
import { freePort } from '../test-support/free-port';
import { startMosquitto, type Mosquitto } from '../test-support/mosquitto';
import { waitFor } from '../test-support/wait-for';
import type { TopiaryClient } from './client';
import { connect, createBroker, TopiaryError, type EmbeddedBroker } from './index';

const open: TopiaryClient[] = [];
async function client(options: Parameters<typeof connect>[0]): Promise<TopiaryClient> {
  const c = await connect(options);
  open.push(c);
  return c;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.end().catch(() => undefined)));
});

async function rejection(p: Promise<unknown>): Promise<TopiaryError> {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TopiaryError);
  return error as TopiaryError;
}

describe.each(BROKER_TARGETS)('the library against %s', (_name, kind) => {
  let url: string;
  let target: BrokerTarget;
  beforeAll(async () => {
    target = await startBrokerTarget(kind);
    url = target.url;
  });
  afterAll(async () => target.stop());

  it('resolves publishes on PUBACK and PUBCOMP with reason code and round trip, and delivers every property', async () => {
    const sub = await client({ url, protocolVersion: 5 });
    const got = await sub.subscribe('lib/ack/#', { qos: 2 });
    expect(got.granted).toEqual([{ filter: 'lib/ack/#', ok: true, reasonCode: 2 }]);
    const messages: import('./client').MessageView[] = [];
    sub.on('message', (m) => messages.push(m));
    const pub = await client({ url, protocolVersion: 5 });
    const published: import('./client').PublishAck[] = [];
    pub.on('published', (a) => published.push(a));
    const q0 = await pub.publish('lib/ack/0', 'zero');
    const q1 = await pub.publish('lib/ack/1', new Uint8Array([1, 2, 255]), { qos: 1, properties: { userProperties: { k: 'v' }, messageExpiryInterval: 60 } });
    const q2 = await pub.publish('lib/ack/2', { reading: 21.5 }, { qos: 2, retain: true });
    expect(q0).toMatchObject({ qos: 0, ack: 'none', queued: false });
    expect(q1).toMatchObject({ qos: 1, ack: 'PUBACK', reasonCode: 0, queued: false });
    expect(q2).toMatchObject({ qos: 2, ack: 'PUBCOMP', reasonCode: 0 });
    expect(q1.roundTripMs).toBeGreaterThan(0);
    expect(q2.packetId).toBeGreaterThan(0);
    expect(published.map((a) => a.topic)).toEqual(['lib/ack/0', 'lib/ack/1', 'lib/ack/2']);
    await waitFor(() => messages.length === 3, { what: 'three messages' });
    const [m0, m1, m2] = messages;
    expect(Buffer.from(m0!.payload).toString()).toBe('zero');
    expect([...m1!.payload]).toEqual([1, 2, 255]);
    expect(m1!.qos).toBe(1);
    expect(m1!.properties?.userProperties).toEqual([['k', 'v']]);
    expect(m1!.properties?.messageExpiryInterval).toBeGreaterThan(0);
    expect(JSON.parse(Buffer.from(m2!.payload).toString())).toEqual({ reading: 21.5 });
    expect(m2!.properties?.contentType).toBe('application/json');
    await pub.publish('lib/ack/2', '', { qos: 1, retain: true });
  });

  it('resolves at once with wait: false, and the messages still arrive', async () => {
    const sub = await client({ url, subscriptions: [{ filter: 'lib/ff', qos: 1 }] });
    let count = 0;
    sub.on('message', () => count++);
    const pub = await client({ url, protocolVersion: 4 });
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => pub.publish('lib/ff', String(i), { qos: 1, wait: false })));
    expect(results.every((r) => r.ack === 'none' && r.roundTripMs === 0)).toBe(true);
    await waitFor(() => count === 100, { what: '100 messages' });
    const acked = await sub.subscribe('lib/ff2', { qos: 1, wait: false });
    expect(acked.granted).toEqual([]);
  });

  it('refuses a wildcard topic, QoS 3 and a bad filter with the contract codes, before sending anything', async () => {
    const c = await client({ url });
    expect((await rejection(c.publish('a/+/b', 'x'))).code).toBe('TOPIC_ERROR');
    expect((await rejection(c.publish('a/b', 'x', { qos: 3 as 0 }))).code).toBe('QOS_ERROR');
    expect((await rejection(c.subscribe('a/#/b'))).code).toBe('TOPIC_ERROR');
  });

  it('answers a ping with the PINGRESP round trip and an unsubscribe with its UNSUBACK', async () => {
    const c = await client({ url, protocolVersion: 5 });
    const { roundTripMs } = await c.ping();
    expect(roundTripMs).toBeGreaterThan(0);
    await c.subscribe(['lib/u/1', 'lib/u/2']);
    const un = await c.unsubscribe(['lib/u/1', 'lib/u/2']);
    expect(un.reasonCodes).toEqual([0, 0]);
  });

  it('reads messages() as an async iterator, holding the socket while the loop is behind', async () => {
    const sub = await client({ url, subscriptions: [{ filter: 'lib/iter/#', qos: 1 }] });
    const stream = sub.messages('lib/iter/#', { highWaterMark: 5 });
    const pub = await client({ url });
    for (let i = 0; i < 40; i++) await pub.publish(`lib/iter/${i}`, String(i), { qos: 1 });
    const seen: string[] = [];
    for await (const m of stream) {
      seen.push(Buffer.from(m.payload).toString());
      if (seen.length === 40) break;
    }
    expect(seen).toEqual(Array.from({ length: 40 }, (_, i) => String(i)));
    // After break the gate is gone: messages flow to listeners again.
    let after = 0;
    sub.on('message', () => after++);
    await pub.publish('lib/iter/x', 'x', { qos: 1 });
    await waitFor(() => after === 1, { what: 'a message after the loop ended' });
  });
});

describe('the library with the embedded broker', () => {
  it('holds PUBACKs while a messages() loop is behind, so the broker, not the client, holds the backlog', async () => {
    const broker = await createBroker();
    try {
      const sub = await client({ url: broker.url, clientId: 'slow-reader', subscriptions: [{ filter: 'bp/#', qos: 1 }] });
      const stream = sub.messages('bp/#', { highWaterMark: 3 });
      const pub = await client({ url: broker.url });
      await Promise.all(Array.from({ length: 30 }, (_, i) => pub.publish(`bp/${i}`, 'x', { qos: 1 })));
      const pending = (): number => {
        const info = broker.engine.listClients().find((c) => c.clientId === 'slow-reader');
        return (info?.inflight ?? 0) + (info?.queued ?? 0);
      };
      await waitFor(() => pending() >= 20, { what: 'the broker to hold the unread messages' });
      let read = 0;
      for await (const _m of stream) if (++read === 30) break;
      await waitFor(() => pending() === 0, { what: 'every message acknowledged' });
    } finally {
      await broker.stop();
    }
  });

  it('emits connected, disconnected and reconnecting, queues a publish while offline and resolves it after the reconnect', async () => {
    const port = await freePort();
    let broker: EmbeddedBroker = await createBroker({ port });
    const c = await client({ url: broker.url, protocolVersion: 5, reconnect: { initialDelayMs: 50, maxDelayMs: 200 } });
    const events: string[] = [];
    c.on('connected', (e) => events.push(`connected ${e.sessionPresent}`));
    c.on('disconnected', (e) => events.push(`disconnected ${e.willReconnect}`));
    c.on('reconnecting', (e) => events.push(`reconnecting ${e.attempt}`));
    await broker.stop();
    await waitFor(() => events.includes('reconnecting 1'), { what: 'a reconnect attempt' });
    const queued = c.publish('lib/offline', 'later', { qos: 1 });
    await waitFor(() => c.queuedCount === 1, { what: 'the publish to queue' });
    broker = await createBroker({ port });
    try {
      const ack = await queued;
      expect(ack).toMatchObject({ ack: 'PUBACK', queued: true });
      expect(c.queuedCount).toBe(0);
      expect(events[0]).toBe('disconnected true');
      expect(events).toContain('connected false');
    } finally {
      await c.end();
      await broker.stop();
    }
  });

  it('fails a queued publish on its timeout or abort and takes it out of the queue, never hanging', async () => {
    const port = await freePort();
    const broker = await createBroker({ port });
    const c = await client({ url: broker.url, reconnect: { initialDelayMs: 10_000 } });
    await broker.stop();
    await waitFor(() => !c.connected, { what: 'the client to notice' });
    const timedOut = await rejection(c.publish('lib/t', 'x', { qos: 1, timeoutMs: 100 }));
    expect(timedOut.code).toBe('TIMEOUT');
    const controller = new AbortController();
    const aborted = c.publish('lib/t', 'x', { qos: 1, signal: controller.signal });
    expect(c.queuedCount).toBe(1);
    controller.abort();
    expect((await rejection(aborted)).code).toBe('ABORTED');
    expect(c.queuedCount).toBe(0);
    const last = c.publish('lib/t', 'x', { qos: 1 });
    await c.end();
    expect((await rejection(last)).code).toBe('NOT_CONNECTED');
  });

  it('rejects a wrong password with AUTHENTICATION_FAILED and a refused port with CONNECTION_FAILED', async () => {
    const broker = await createBroker({ allowAnonymous: false, users: [{ username: 'ann', passwordHash: hashPassword('right', 1000) }] });
    try {
      expect((await rejection(connect({ url: broker.url, username: 'ann', password: 'wrong' }))).code).toBe('AUTHENTICATION_FAILED');
      const ok = await client({ url: broker.url, username: 'ann', password: 'right' });
      expect(ok.connected).toBe(true);
      const closed = await freePort();
      expect((await rejection(connect({ url: `mqtt://127.0.0.1:${closed}` }))).code).toBe('CONNECTION_FAILED');
    } finally {
      await broker.stop();
    }
  });

  it('fails over across three weighted brokers: the heaviest first, the next when it goes away', async () => {
    const brokers = await Promise.all([createBroker(), createBroker(), createBroker()]);
    // The first broker is drawn at random in proportion to the weights (1 in 11 draws picks the weight-1 broker):
    // this test fixes the draw on the heaviest, and checks the failover order that follows.
    const draw = vi.spyOn(Math, 'random').mockReturnValue(0.99);
    try {
      const weights = [0, 1, 10];
      const c = await client({
        brokers: brokers.map((b, i) => ({ url: b.url, weight: weights[i] })),
        strategy: 'weighted',
        clientId: 'weighted',
        reconnect: { initialDelayMs: 20, maxDelayMs: 50 },
      });
      expect(c.info.url).toBe(brokers[2]!.url);
      await brokers[2]!.stop();
      await waitFor(() => c.connected && c.info.url === brokers[1]!.url, { what: 'failover to the weight-1 broker' });
      expect(brokers[1]!.engine.listClients().map((x) => x.clientId)).toEqual(['weighted']);
      const ack = await c.publish('lib/fo', 'x', { qos: 1 });
      expect(ack.ack).toBe('PUBACK');
    } finally {
      draw.mockRestore();
      await Promise.all(brokers.map((b) => b.stop().catch(() => undefined)));
    }
  });

  it('tries the next broker when the first refuses, and rotates the first with round-robin', async () => {
    const dead = `mqtt://127.0.0.1:${await freePort()}`;
    const live = await createBroker();
    const other = await createBroker();
    try {
      const c = await client({ brokers: [dead, live.url] });
      expect(c.info.url).toBe(live.url);
      const firsts = new Set<string>();
      for (let i = 0; i < 2; i++) {
        const r = await client({ brokers: [live.url, other.url], strategy: 'round-robin' });
        firsts.add(r.info.url);
      }
      expect(firsts).toEqual(new Set([live.url, other.url]));
    } finally {
      await live.stop();
      await other.stop();
    }
  });

  it('times out and aborts the connect itself', async () => {
    const broker = await createBroker();
    try {
      const controller = new AbortController();
      controller.abort(new Error('user gave up'));
      const e = await rejection(connect({ url: broker.url, signal: controller.signal }));
      expect(e.code).toBe('ABORTED');
      expect(e.message).toContain('user gave up');
    } finally {
      await broker.stop();
    }
  });
});

describe('the library against mosquitto going away', () => {
  let m: Mosquitto;
  beforeAll(async () => {
    m = await startMosquitto();
  });
  afterAll(async () => m.stop());

  it('resolves a QoS 2 publish made while mosquitto was down once it is back', async () => {
    const c = await client({ url: m.url, reconnect: { initialDelayMs: 50, maxDelayMs: 100 } });
    await m.kill();
    await waitFor(() => !c.connected, { what: 'the client to notice' });
    const p = c.publish('lib/m/offline', 'x', { qos: 2 });
    await m.start();
    expect(await p).toMatchObject({ ack: 'PUBCOMP', queued: true });
  });

  it('times out and aborts a publish sent to a broker that stopped answering', async () => {
    const c = await client({ url: m.url, keepalive: 0 });
    m.pause();
    try {
      const started = performance.now();
      const e = await rejection(c.publish('lib/m/hung', 'x', { qos: 1, timeoutMs: 200 }));
      expect(e.code).toBe('TIMEOUT');
      expect(performance.now() - started).toBeLessThan(2_000);
      const controller = new AbortController();
      const p = c.publish('lib/m/hung', 'x', { qos: 2, signal: controller.signal, timeoutMs: 0 });
      controller.abort();
      expect((await rejection(p)).code).toBe('ABORTED');
    } finally {
      m.resume();
    }
  });
});
