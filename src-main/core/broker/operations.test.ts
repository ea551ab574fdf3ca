import mqtt, { type MqttClient } from 'mqtt';
import { describe, expect, it } from 'vitest';
import { createBroker, type Broker, type BrokerEvent, type BrokerOptions } from './index';
import { RawClient } from '../../test-support/conformance/raw-client';
import { closeAfterEach } from '../../test-support/close-after-each';
import { waitFor } from '../../test-support/conformance/wait-for';

const opened = closeAfterEach();
const { clients, raws } = opened;
let broker: Broker | undefined;

async function start(options: BrokerOptions = {}): Promise<string> {
  broker = opened.stopAfter(createBroker({ sysInterval: 0, listeners: [{ kind: 'tcp', port: 0 }], ...options }));
  const [l] = await broker.start();
  return l!.url;
}

async function client(url: string, opts: mqtt.IClientOptions = {}): Promise<MqttClient> {
  const c = await mqtt.connectAsync(url, { reconnectPeriod: 0, protocolVersion: 5, ...opts });
  clients.push(c);
  return c;
}

describe('operations API', () => {
  it('lists connected clients with their protocol, keepalive, subscriptions and queue sizes', async () => {
    const url = await start();
    const before = Date.now();
    const c = await client(url, { clientId: 'lister', keepalive: 42 });
    await c.subscribeAsync('ops/#', { qos: 1 });
    await client(url, { clientId: 'v4', protocolVersion: 4 });
    const list = broker!.listClients().sort((a, b) => a.clientId.localeCompare(b.clientId));
    expect(list.map((x) => [x.clientId, x.protocolVersion])).toEqual([
      ['lister', 5],
      ['v4', 4],
    ]);
    const l = list[0]!;
    expect(l.keepalive).toBe(42);
    expect(l.remoteAddress).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(l.connectedSince).toBeGreaterThanOrEqual(before);
    expect(l.subscriptions).toEqual([{ filter: 'ops/#', qos: 1, noLocal: false, retainAsPublished: false, retainHandling: 0 }]);
    expect(l.inflight).toBe(0);
    expect(l.queued).toBe(0);
  });

  it('disconnects a client on request: v5 gets DISCONNECT 0x98 and the event log says why', async () => {
    const url = await start();
    const events: BrokerEvent[] = [];
    broker!.onEvent((e) => events.push(e));
    const c = await client(url, { clientId: 'victim' });
    let reason: number | undefined;
    c.on('disconnect', (p) => (reason = p.reasonCode));
    expect(broker!.disconnectClient('victim')).toBe(true);
    await waitFor(() => reason !== undefined);
    expect(reason).toBe(0x98);
    expect(broker!.disconnectClient('nobody')).toBe(false);
    await waitFor(() => events.some((e) => e.type === 'client.disconnected'));
    const d = events.find((e) => e.type === 'client.disconnected') as Extract<BrokerEvent, { type: 'client.disconnected' }>;
    expect(d.clientId).toBe('victim');
    expect(d.reasonCode).toBe(0x98);
    expect(events[0]).toMatchObject({ type: 'client.connected', clientId: 'victim', protocolVersion: 5 });
  });

  it('lists retained messages and deletes one topic or a whole subtree, returning the count', async () => {
    const url = await start();
    const c = await client(url);
    for (const t of ['home/a', 'home/b/c', 'home/b/d', 'other']) await c.publishAsync(t, t, { qos: 1, retain: true });
    expect(broker!.listRetained().map((r) => r.topic).sort()).toEqual(['home/a', 'home/b/c', 'home/b/d', 'other']);
    expect(broker!.deleteRetained('home/a')).toBe(1);
    expect(broker!.deleteRetained('home/b', true)).toBe(2);
    expect(broker!.deleteRetained('missing')).toBe(0);
    expect(broker!.listRetained().map((r) => r.topic)).toEqual(['other']);
    const late = await client(url);
    await late.subscribeAsync('home/#');
    const got: string[] = [];
    late.on('message', (t) => got.push(t));
    await late.subscribeAsync('other');
    await waitFor(() => got.length === 1);
    expect(got).toEqual(['other']);
  });

  it('counts messages and bytes both ways for rate charts', async () => {
    const url = await start();
    const sub = await client(url);
    await sub.subscribeAsync('stats/x');
    const pub = await client(url);
    const got: string[] = [];
    sub.on('message', (_t, p) => got.push(p.toString()));
    for (let i = 0; i < 10; i++) pub.publish('stats/x', 'payload');
    await waitFor(() => got.length === 10);
    const s = broker!.getStats();
    expect(s.publishReceived).toBe(10);
    expect(s.publishSent).toBe(10);
    expect(s.clientsConnected).toBe(2);
    expect(s.subscriptions).toBe(1);
    expect(s.bytesReceived).toBeGreaterThan(10 * 'payload'.length);
    expect(s.bytesSent).toBeGreaterThan(10 * 'payload'.length);
    expect(s.messagesReceived).toBeGreaterThan(10);
  });

  it('logs protocol errors with the remote address', async () => {
    const url = await start();
    const events: BrokerEvent[] = [];
    broker!.onEvent((e) => events.push(e));
    const port = Number(new URL(url).port);
    const r = await RawClient.open(port, 4);
    raws.push(r);
    r.send({ cmd: 'pingreq' });
    await r.waitClosed();
    const e = events.find((x) => x.type === 'protocol.error') as Extract<BrokerEvent, { type: 'protocol.error' }>;
    expect(e.message).toMatch(/before CONNECT/);
    expect(e.remoteAddress).toMatch(/^127\.0\.0\.1:/);
  });

  it('publishes mosquitto-style $SYS topics every interval, retained, not matched by #', async () => {
    const url = await start({ sysInterval: 0.2 });
    const c = await client(url);
    const seen = new Map<string, string>();
    c.on('message', (t, p) => seen.set(t, p.toString()));
    await c.subscribeAsync('#');
    await c.subscribeAsync('$SYS/#');
    await waitFor(() => seen.has('$SYS/broker/load/messages/received/1min'), 3000, '$SYS load topics');
    expect(seen.get('$SYS/broker/version')).toMatch(/topiary/);
    expect(seen.get('$SYS/broker/uptime')).toMatch(/^\d+ seconds$/);
    expect(seen.get('$SYS/broker/clients/connected')).toBe('1');
    for (const t of ['clients/total', 'messages/received', 'messages/sent', 'bytes/received', 'bytes/sent', 'subscriptions/count', 'retained messages/count']) {
      expect(seen.has(`$SYS/broker/${t}`), t).toBe(true);
    }
    // Only the $SYS/# subscription matched: each topic arrived once per interval, never via '#'.
    const onlyViaHash = await client(url);
    const viaHash: string[] = [];
    onlyViaHash.on('message', (t) => viaHash.push(t));
    await onlyViaHash.subscribeAsync('#');
    await c.publishAsync('marker', 'm', { qos: 1 });
    await waitFor(() => viaHash.includes('marker'));
    expect(viaHash.filter((t) => t.startsWith('$SYS'))).toEqual([]);
  });

  it('delivers a 5 MB payload intact, QoS 1, between v5 and 3.1.1 clients', async () => {
    const url = await start();
    const sub = await client(url, { protocolVersion: 4 });
    await sub.subscribeAsync('big/one', { qos: 1 });
    const got = new Promise<Buffer>((resolve) => sub.once('message', (_t, p) => resolve(p)));
    const payload = Buffer.alloc(5 * 1024 * 1024);
    for (let i = 0; i < payload.length; i += 4096) payload[i] = i % 251;
    const pub = await client(url);
    await pub.publishAsync('big/one', payload, { qos: 1 });
    expect((await got).equals(payload)).toBe(true);
  });

  it('lets the broker publish as itself and reports how many sessions received it', async () => {
    const url = await start();
    const c = await client(url);
    await c.subscribeAsync('local/+');
    const got = new Promise<string>((resolve) => c.once('message', (_t, p) => resolve(p.toString())));
    expect(broker!.publish({ topic: 'local/x', payload: 'hi' })).toBe(1);
    expect(await got).toBe('hi');
    expect(() => broker!.publish({ topic: 'bad/#', payload: '' })).toThrowError(expect.objectContaining({ code: 'TOPIC_ERROR' }));
    const withProps = new Promise<mqtt.IPublishPacket>((resolve) => c.once('message', (_t, _p, packet) => resolve(packet)));
    broker!.publish({
      topic: 'local/y',
      payload: 'p',
      properties: { contentType: 'text/plain', userProperties: [['k', 'v']] },
      messageExpiryInterval: 30,
    });
    const packet = await withProps;
    expect(packet.properties?.contentType).toBe('text/plain');
    expect(packet.properties?.userProperties).toEqual({ k: 'v' });
    expect(packet.properties?.messageExpiryInterval).toBeLessThanOrEqual(30);
  });
});
