import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectionId } from '../../../shared/ipc/common';
import { createBroker } from '../broker';
import { freePort } from '../../test-support/free-port';
import { startMosquitto, type Mosquitto } from '../../test-support/mosquitto';
import { waitFor } from '../../test-support/wait-for';
import { createManagerHarness, type ManagerHarness } from '../../test-support/manager-harness';

const fast = { initialDelayMs: 50, maxDelayMs: 200, jitter: 0 };

let broker: Mosquitto;
let wsPort: number;
let h: ManagerHarness;
const extraBrokers: Mosquitto[] = [];
const servers: Server[] = [];

beforeAll(async () => {
  const port = await freePort();
  wsPort = await freePort();
  broker = await startMosquitto({
    port,
    listeners: [`listener ${port} 127.0.0.1`, 'allow_anonymous true', `listener ${wsPort} 127.0.0.1`, 'protocol websockets', 'socket_domain ipv4'],
  });
});

afterAll(async () => {
  await broker?.stop();
});

afterEach(async () => {
  await h?.close();
  for (const b of extraBrokers.splice(0)) await b.stop();
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

describe('connecting with each protocol version and transport', () => {
  it.each([
    [3, 'MQTT 3.1'],
    [4, 'MQTT 3.1.1'],
    [5, 'MQTT 5.0'],
  ] as const)('connects with protocol version %i (%s), subscribes and receives its own publish', async (protocolVersion: 3 | 4 | 5, _name: string) => {
    h = createManagerHarness();
    const info = await h.connect({ url: broker.url, protocolVersion, subscriptions: [{ filter: 'versions/#', qos: 1 }] });
    expect(info.state).toBe('connected');
    expect(info.protocolVersion).toBe(protocolVersion);
    // Sent empty where the broker may assign one (mosquitto names it auto-…, and says so in MQTT 5's CONNACK).
    expect(info.clientId).toMatch(protocolVersion === 3 ? /^topiary-/ : protocolVersion === 4 ? /^$/ : /^auto-/);
    expect(info.broker?.reasonCode).toBe(0);
    expect(info.broker?.sessionPresent).toBe(false);
    await h.publish({ connectionId: info.connectionId, topic: `versions/${protocolVersion}`, payload: 'hello', qos: 1 });
    await waitFor(() => h.texts(info.connectionId, `versions/${protocolVersion}`).includes('hello'), { what: 'own message' });
  });

  it('reports the MQTT 5 CONNACK properties the broker sent', async () => {
    h = createManagerHarness();
    const info = await h.connect({ url: broker.url, protocolVersion: 5, clientId: '' });
    expect(info.broker?.topicAliasMaximum).toBeGreaterThan(0);
    expect(typeof info.broker?.retainAvailable === 'boolean' || info.broker?.retainAvailable === undefined).toBe(true);
    expect(h.manager.get(info.connectionId).url).toBe(broker.url);
  });

  it('connects over WebSockets with a path', async () => {
    h = createManagerHarness();
    const info = await h.connect({ url: `ws://127.0.0.1:${wsPort}/mqtt`, subscriptions: [{ filter: 'ws/#', qos: 0 }] });
    expect(info.url).toBe(`ws://127.0.0.1:${wsPort}/mqtt`);
    await h.publish({ connectionId: info.connectionId, topic: 'ws/one', payload: 'over ws' });
    await waitFor(() => h.texts(info.connectionId, 'ws/one').includes('over ws'), { what: 'ws message' });
  });

  it('sends MQTT 5 connect properties, session expiry and subscription options', async () => {
    h = createManagerHarness();
    const info = await h.connect({
      url: broker.url,
      clean: false,
      clientId: `props-${Date.now()}`,
      sessionExpiryInterval: 120,
      properties: { receiveMaximum: 20, maximumPacketSize: 100_000, topicAliasMaximum: 5, requestProblemInformation: true, userProperties: [['app', 'topiary']] },
      subscriptions: [{ filter: 'nolocal/#', qos: 1, noLocal: true }, { filter: 'local/#', qos: 1 }],
    });
    await h.publish({ connectionId: info.connectionId, topic: 'nolocal/x', payload: 'mine', qos: 1 });
    await h.publish({ connectionId: info.connectionId, topic: 'local/x', payload: 'mine too', qos: 1 });
    await waitFor(() => h.texts(info.connectionId, 'local/x').length === 1, { what: 'local message' });
    // No Local: our own publish on the nolocal filter never comes back.
    expect(h.texts(info.connectionId, 'nolocal/x')).toEqual([]);
    const connect = h.manager.packetLog(info.connectionId, { types: ['connect'], offset: 0, limit: 1 }).entries[0];
    expect(connect?.properties).toMatchObject({ clean: false, sessionExpiryInterval: 120, receiveMaximum: 20, maximumPacketSize: 100_000, topicAliasMaximum: 5 });
  });
});

describe('authentication', () => {
  let authBroker: Mosquitto;
  beforeAll(async () => {
    const port = await freePort();
    const dir = await mkdtemp(path.join(os.tmpdir(), 'topiary-auth-'));
    execFileSync('mosquitto_passwd', ['-b', '-c', path.join(dir, 'passwd'), 'alice', 'wonderland']);
    authBroker = await startMosquitto({
      port,
      listeners: [`listener ${port} 127.0.0.1`, 'allow_anonymous false', `password_file ${path.join(dir, 'passwd')}`],
    });
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  });
  afterAll(async () => {
    await authBroker?.stop();
  });

  it('connects with the right user name and password', async () => {
    h = createManagerHarness();
    const info = await h.connect({ url: authBroker.url, username: 'alice', password: 'wonderland' });
    expect(info.state).toBe('connected');
  });

  it.each([3, 4, 5] as const)('reports AUTHENTICATION_FAILED for a wrong password with protocol version %i', async (protocolVersion) => {
    h = createManagerHarness();
    const failure = await h.connect({ url: authBroker.url, protocolVersion, username: 'alice', password: 'nope' }).catch((e: unknown) => e);
    expect(failure).toMatchObject({ code: 'AUTHENTICATION_FAILED' });
    expect((failure as Error).message).toMatch(/user name or password|not authorized/);
    expect(h.manager.list()).toEqual([]);
    expect(h.statuses.at(-1)?.state).toBe('error');
  });

  it('opens a connection closed with Disconnect again with the same options, password included, under a new id; a forgotten one cannot be', async () => {
    h = createManagerHarness();
    const first = await h.connect({ url: authBroker.url, name: 'Kept', username: 'alice', password: 'wonderland', subscriptions: [{ filter: 'kept/#', qos: 1 }] });
    await h.manager.disconnect(first.connectionId);
    expect(h.manager.list()).toEqual([]);
    expect(h.manager.optionsOf(first.connectionId)).toMatchObject({ username: 'alice', password: 'wonderland' });
    const again = await h.manager.reopen(first.connectionId);
    expect(again.connectionId).not.toBe(first.connectionId);
    expect(again).toMatchObject({ state: 'connected', name: 'Kept', username: 'alice' });
    await h.publish({ connectionId: again.connectionId, topic: 'kept/one', payload: 'back', qos: 1 });
    await waitFor(() => h.texts(again.connectionId, 'kept/one').includes('back'), { what: 'message on the reopened connection' });
    // The old id was used up by the reopen; a live connection is never forgotten; a closed one is, on request.
    await expect(h.manager.reopen(first.connectionId)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(h.manager.reopen(again.connectionId)).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
    expect(h.manager.forget(again.connectionId)).toBe(false);
    await h.manager.disconnect(again.connectionId);
    expect(h.manager.forget(again.connectionId)).toBe(true);
    await expect(h.manager.reopen(again.connectionId)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('keeps no options of a connection that never came up', async () => {
    h = createManagerHarness();
    await expect(h.connect({ url: authBroker.url, protocolVersion: 4, username: 'alice', password: 'nope' })).rejects.toMatchObject({ code: 'AUTHENTICATION_FAILED' });
    const failed = h.statuses.at(-1)!.connectionId;
    expect(() => h.manager.optionsOf(failed)).toThrow(/no longer known/);
  });

  it('reports AUTHENTICATION_FAILED when no credentials are given to a broker that requires them', async () => {
    h = createManagerHarness();
    await expect(h.connect({ url: authBroker.url, protocolVersion: 4 })).rejects.toMatchObject({ code: 'AUTHENTICATION_FAILED' });
  });
});

describe('failures before the handshake', () => {
  it('says nothing listens when the port refuses', async () => {
    h = createManagerHarness();
    const port = await freePort();
    await expect(h.connect({ url: `mqtt://127.0.0.1:${port}` })).rejects.toMatchObject({
      code: 'CONNECTION_FAILED',
      message: expect.stringContaining('nothing is listening'),
    });
  });

  it('says the host name could not be found', async () => {
    h = createManagerHarness();
    await expect(h.connect({ url: 'mqtt://no-such-host.invalid:1883' })).rejects.toMatchObject({
      code: 'CONNECTION_FAILED',
      message: expect.stringContaining('could not be found'),
    });
  });

  it('times out when the server accepts but never answers the handshake', async () => {
    const silent = createServer(() => undefined);
    const sockets: Socket[] = [];
    silent.on('connection', (s) => sockets.push(s));
    servers.push(silent);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    h = createManagerHarness();
    await expect(h.connect({ url: `mqtt://127.0.0.1:${port}`, connectTimeoutMs: 300 })).rejects.toMatchObject({
      code: 'CONNECTION_FAILED',
      message: expect.stringContaining('did not answer the MQTT handshake'),
    });
    for (const s of sockets) s.destroy();
  });
});

describe('protocol version refused', () => {
  it.each([5, 3] as const)('suggests MQTT 3.1.1 when the broker refuses protocol version %i', async (protocolVersion) => {
    // mosquitto accepts every version; the embedded broker can switch some off.
    const embedded = createBroker({ listeners: [{ kind: 'tcp', host: '127.0.0.1', port: 0 }], protocolVersions: [4] });
    const [bound] = await embedded.start();
    try {
      h = createManagerHarness();
      const url = `mqtt://127.0.0.1:${bound!.port}`;
      const failure = await h.connect({ url, protocolVersion }).catch((e: unknown) => e);
      expect(failure).toMatchObject({ code: 'PROTOCOL_ERROR', message: expect.stringMatching(/Try MQTT 3\.1\.1/) });
      expect(await h.connect({ url, protocolVersion: 4 })).toMatchObject({ state: 'connected' });
    } finally {
      await h.close();
      await embedded.stop();
    }
  });
});

describe('last will', () => {
  it('is delivered with its MQTT 5 properties when the connection drops without DISCONNECT', async () => {
    h = createManagerHarness();
    const watcher = await h.connect({ url: broker.url, subscriptions: [{ filter: 'wills/#', qos: 1 }] });
    const dying = await h.connect({
      url: broker.url,
      reconnect: { enabled: false },
      will: {
        topic: 'wills/dying',
        payload: 'gone',
        qos: 1,
        retain: false,
        properties: { contentType: 'text/plain', userProperties: [['why', 'test']], messageExpiryInterval: 60 },
      },
    });
    h.manager.abortTransport(dying.connectionId);
    const will = await waitFor(() => h.received.find((r) => r.connectionId === watcher.connectionId && r.message.topic === 'wills/dying'), { what: 'the will' });
    expect(Buffer.from(will.message.payload).toString()).toBe('gone');
    expect(will.message.properties?.contentType).toBe('text/plain');
    expect(will.message.properties?.userProperties).toEqual([['why', 'test']]);
    await h.waitForState(dying.connectionId, 'error');
  });

  it('is not delivered when the user disconnects', async () => {
    h = createManagerHarness();
    const watcher = await h.connect({ url: broker.url, subscriptions: [{ filter: 'wills2/#', qos: 1 }, { filter: 'marker', qos: 1 }] });
    const leaving = await h.connect({ url: broker.url, will: { topic: 'wills2/leaving', payload: 'gone', qos: 1 } });
    await h.manager.disconnect(leaving.connectionId);
    await h.publish({ connectionId: watcher.connectionId, topic: 'marker', payload: 'after', qos: 1 });
    await waitFor(() => h.texts(watcher.connectionId, 'marker').length > 0, { what: 'marker' });
    expect(h.texts(watcher.connectionId, 'wills2/leaving')).toEqual([]);
  });
});

describe('reconnecting', () => {
  it('reconnects after the broker restarts on the same port and delivers queued messages as their QoS promises', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'topiary-persist-'));
    const port = await freePort();
    const b = await startMosquitto({ port, config: ['persistence true', `persistence_location ${dataDir}/`, 'autosave_interval 1'] });
    extraBrokers.push(b);
    h = createManagerHarness();
    const sub = await h.connect({
      url: b.url,
      clientId: 'restart-sub',
      clean: false,
      sessionExpiryInterval: 3600,
      reconnect: fast,
      subscriptions: [{ filter: 'queued/#', qos: 2 }],
    });
    const pub = await h.connect({ url: b.url, reconnect: fast, subscriptions: [] });

    await b.kill();
    await h.waitForState(pub.connectionId, 'reconnecting');
    const reconnecting = await h.waitForStatus((i) => i.connectionId === pub.connectionId && (i.reconnect?.attempt ?? 0) >= 1, 'attempt 1');
    expect(reconnecting.reconnect?.nextAttemptAt).toBeGreaterThan(0);
    expect(reconnecting.error?.code).toBe('CONNECTION_FAILED');

    const results = [
      await h.publish({ connectionId: pub.connectionId, topic: 'queued/q0', payload: 'zero', qos: 0 }),
      await h.publish({ connectionId: pub.connectionId, topic: 'queued/q1', payload: 'one', qos: 1 }),
      await h.publish({ connectionId: pub.connectionId, topic: 'queued/q2', payload: 'two', qos: 2 }),
    ];
    expect(results.every((r) => r.queued === true)).toBe(true);
    expect(h.manager.get(pub.connectionId).queuedCount).toBe(3);

    await b.start();
    await h.waitForState(pub.connectionId, 'connected');
    await h.waitForState(sub.connectionId, 'connected');
    expect(h.manager.get(pub.connectionId).queuedCount).toBe(0);
    await waitFor(() => h.texts(sub.connectionId, 'queued/q2').length > 0 && h.texts(sub.connectionId, 'queued/q1').length > 0, { what: 'q1 and q2' });
    const order = h.received.filter((r) => r.connectionId === sub.connectionId).map((r) => r.message.topic);
    expect(order.filter((t) => t === 'queued/q2')).toHaveLength(1);
    expect(order.filter((t) => t === 'queued/q0').length).toBeLessThanOrEqual(1);
    expect(order.indexOf('queued/q1')).toBeLessThan(order.indexOf('queued/q2'));
    expect(h.manager.get(sub.connectionId).broker?.sessionPresent).toBe(true);
    await rm(dataDir, { recursive: true, force: true });
  });

  it('completes QoS 1 and 2 messages in flight when the network drops before the acknowledgement', async () => {
    h = createManagerHarness();
    const sub = await h.connect({ url: broker.url, subscriptions: [{ filter: 'inflight/#', qos: 2 }] });
    const pub = await h.connect({ url: broker.url, clientId: `inflight-${Date.now()}`, clean: false, sessionExpiryInterval: 300, reconnect: fast, subscriptions: [] });
    const one = h.publish({ connectionId: pub.connectionId, topic: 'inflight/one', payload: '1', qos: 1 });
    const two = h.publish({ connectionId: pub.connectionId, topic: 'inflight/two', payload: '2', qos: 2 });
    // Same tick: the acknowledgements cannot have arrived yet.
    h.manager.abortTransport(pub.connectionId);
    const [r1, r2] = await Promise.all([one, two]);
    expect(r1.packetId).toBeGreaterThan(0);
    expect(r2.packetId).toBeGreaterThan(0);
    expect(r2.queued).toBeUndefined();
    await waitFor(() => h.texts(sub.connectionId, 'inflight/two').length > 0 && h.texts(sub.connectionId, 'inflight/one').length > 0, { what: 'in-flight messages' });
    expect(h.texts(sub.connectionId, 'inflight/two')).toEqual(['2']);
    expect(h.statuses.some((s) => s.connectionId === pub.connectionId && s.state === 'reconnecting')).toBe(true);
  });

  it('keeps a QoS 1 publish waiting through a keepalive timeout and completes it once the broker answers again', async () => {
    const port = await freePort();
    const b = await startMosquitto({ port });
    extraBrokers.push(b);
    h = createManagerHarness();
    const pub = await h.connect({ url: b.url, keepalive: 1, connectTimeoutMs: 500, reconnect: fast, subscriptions: [] });
    const watcher = await h.connect({ url: b.url, subscriptions: [{ filter: 'hung/#', qos: 1 }] });
    b.pause();
    let settled = false;
    const sent = h.publish({ connectionId: pub.connectionId, topic: 'hung/one', payload: 'patient', qos: 1 }).finally(() => (settled = true));
    const lost = await h.waitForStatus((i) => i.connectionId === pub.connectionId && i.state === 'reconnecting', 'keepalive timeout', 10_000);
    expect(lost.error?.code).toBe('CONNECTION_FAILED');
    expect(settled).toBe(false);
    b.resume();
    const result = await sent;
    expect(result.packetId).toBeGreaterThan(0);
    expect(result.queued).toBeUndefined();
    await waitFor(() => h.texts(watcher.connectionId, 'hung/one').includes('patient'), { what: 'delivery after resume' });
  });

  it('makes subscriptions added or removed while connected again after a reconnect', async () => {
    h = createManagerHarness();
    const pub = await h.connect({ url: broker.url, subscriptions: [] });
    const sub = await h.connect({ url: broker.url, reconnect: fast, subscriptions: [{ filter: 'resub/initial', qos: 1 }] });
    const verdicts = await h.manager.addSubscriptions(sub.connectionId, [{ filter: 'resub/added', qos: 1, subscriptionIdentifier: 7 }]);
    expect(verdicts[0]).toMatchObject({ ok: true, reasonCode: 1 });
    await h.manager.removeSubscriptions(sub.connectionId, ['resub/initial']);
    h.manager.abortTransport(sub.connectionId);
    await h.waitForStatus((i) => i.connectionId === sub.connectionId && i.state === 'reconnecting', 'reconnecting');
    await h.waitForState(sub.connectionId, 'connected');
    const subacks = (): number => h.manager.packetLog(sub.connectionId, { types: ['suback'], offset: 0, limit: 10 }).matched;
    await waitFor(() => subacks() >= 3, { what: 'the SUBACK after reconnecting' });
    expect(subacks()).toBe(3);
    await h.publish({ connectionId: pub.connectionId, topic: 'resub/initial', payload: 'removed', qos: 1 });
    await h.publish({ connectionId: pub.connectionId, topic: 'resub/added', payload: 'kept', qos: 1 });
    const got = await waitFor(() => h.received.find((r) => r.connectionId === sub.connectionId && r.message.topic === 'resub/added'), { what: 'added subscription' });
    expect(got.message.properties?.subscriptionIdentifiers).toEqual([7]);
    expect(h.texts(sub.connectionId, 'resub/initial')).toEqual([]);
  });

  it('backs off exponentially and gives up after the maximum number of attempts', async () => {
    const port = await freePort();
    const b = await startMosquitto({ port });
    extraBrokers.push(b);
    h = createManagerHarness();
    const info = await h.connect({ url: b.url, reconnect: { initialDelayMs: 40, multiplier: 2, maxDelayMs: 1_000, jitter: 0, maxAttempts: 3 } });
    await b.kill();
    const failed = await h.waitForState(info.connectionId, 'error');
    expect(failed.error?.message).toMatch(/Gave up after 3 reconnect attempts/);
    const attempts = h.statuses.filter((s) => s.connectionId === info.connectionId && s.state === 'reconnecting' && s.reconnect).map((s) => s.reconnect!);
    const distinct = [...new Map(attempts.map((a) => [a.attempt, a])).values()];
    expect(distinct.map((a) => a.attempt)).toEqual([1, 2, 3]);
    expect(distinct.every((a) => a.maxAttempts === 3)).toBe(true);
    await expect(h.publish({ connectionId: info.connectionId, topic: 'x', payload: 'y' })).rejects.toMatchObject({ code: 'NOT_CONNECTED' });
  });

  it('reports a DISCONNECT the broker sent, with its reason', async () => {
    // mosquitto 2.0 closes taken-over sessions silently; the embedded broker sends MQTT 5 DISCONNECTs.
    const embedded = createBroker({ listeners: [{ kind: 'tcp', host: '127.0.0.1', port: 0 }] });
    const [bound] = await embedded.start();
    try {
      h = createManagerHarness();
      const clientId = `kicked-${Date.now()}`;
      const info = await h.connect({ url: `mqtt://127.0.0.1:${bound!.port}`, clientId, reconnect: { enabled: false } });
      expect(embedded.disconnectClient(clientId)).toBe(true);
      const lost = await h.waitForState(info.connectionId, 'error');
      expect(lost.error?.message).toMatch(/An administrator disconnected the client/);
      expect(lost.error?.details).toMatchObject({ reasonCode: 0x98 });
      const logged = h.manager.packetLog(info.connectionId, { types: ['disconnect'], direction: 'in', offset: 0, limit: 1 }).entries[0];
      expect(logged?.reasonCode).toBe(0x98);
    } finally {
      await embedded.stop();
    }
  });
});

describe('failover', () => {
  it('connects to the next broker when the first is down, and says which one is live', async () => {
    h = createManagerHarness();
    const dead = `mqtt://127.0.0.1:${await freePort()}`;
    const info = await h.connect({ url: dead, urls: [broker.url] });
    expect(info.url).toBe(broker.url);
    expect(info.urls).toEqual([dead, broker.url]);
  });

  it('moves to the second broker when the live one goes away', async () => {
    const port = await freePort();
    const first = await startMosquitto({ port });
    extraBrokers.push(first);
    h = createManagerHarness();
    const info = await h.connect({ url: first.url, urls: [broker.url], reconnect: fast, subscriptions: [{ filter: 'failover/#', qos: 1 }] });
    expect(info.url).toBe(first.url);
    await first.kill();
    const moved = await h.waitForStatus((i) => i.connectionId === info.connectionId && i.state === 'connected' && i.url === broker.url, 'connected to the second broker');
    expect(moved.url).toBe(broker.url);
    await h.publish({ connectionId: info.connectionId, topic: 'failover/after', payload: 'still here', qos: 1 });
    await waitFor(() => h.texts(info.connectionId, 'failover/after').includes('still here'), { what: 'message through the second broker' });
  });

  it('reports the first broker’s failure and every other when all are down', async () => {
    h = createManagerHarness();
    const a = `mqtt://127.0.0.1:${await freePort()}`;
    const b = `mqtt://127.0.0.1:${await freePort()}`;
    const failure = await h.connect({ url: a, urls: [b] }).catch((e: unknown) => e);
    expect(failure).toMatchObject({ code: 'CONNECTION_FAILED', details: { failures: [{ url: a }, { url: b }] } });
  });
});

describe('packet log', () => {
  it('records CONNECT, CONNACK, SUBSCRIBE, SUBACK and PUBLISH in order, without the password', async () => {
    h = createManagerHarness();
    const info = await h.connect({ url: broker.url, username: 'u', password: 'secret-pw', subscriptions: [{ filter: 'log/#', qos: 1 }] });
    await h.publish({ connectionId: info.connectionId, topic: 'log/a', payload: 'hello', qos: 1 });
    await waitFor(() => h.texts(info.connectionId, 'log/a').length > 0, { what: 'echo' });
    const id = info.connectionId as ConnectionId;
    await waitFor(() => h.manager.packetLog(id, { types: ['puback'], offset: 0, limit: 10 }).matched >= 2, { what: 'both pubacks' });
    const page = h.manager.packetLog(id, { offset: 0, limit: 100 });
    const sequence = page.entries.map((e) => `${e.direction}:${e.type}`);
    const expected = ['out:connect', 'in:connack', 'out:subscribe', 'in:suback', 'out:publish'];
    let at = -1;
    for (const step of expected) {
      const next = sequence.indexOf(step, at + 1);
      expect(next, `${step} after position ${at} in ${sequence.join(', ')}`).toBeGreaterThan(at);
      at = next;
    }
    const published = page.entries.find((e) => e.direction === 'out' && e.type === 'publish');
    expect(published).toMatchObject({ topic: 'log/a', qos: 1, retain: false, payloadSize: 5 });
    expect(published?.packetId).toBeGreaterThan(0);
    const suback = page.entries.find((e) => e.type === 'suback');
    expect(suback?.reasonCodes).toEqual([1]);
    expect(h.manager.packetLog(id, { direction: 'in', types: ['publish'], offset: 0, limit: 10 }).entries.every((e) => e.direction === 'in' && e.type === 'publish')).toBe(true);
    expect(h.manager.packetLog(id, { text: 'LOG/A', offset: 0, limit: 10 }).matched).toBeGreaterThanOrEqual(2);
    const exported = h.manager.exportPacketLog(id, {}).text;
    const lines = exported.trim().split('\n').map((l) => JSON.parse(l) as { type: string });
    expect(lines[0]?.type).toBe('connect');
    expect(exported).not.toContain('secret-pw');
  });
});
