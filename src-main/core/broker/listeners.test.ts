import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createBroker, type Broker } from './index';
import { coalesce } from './listeners';
import { createTestPki, type TestPki } from '../../test-support/pki';
import { waitFor } from '../../test-support/conformance/wait-for';

let pki: TestPki;
let certs: { readonly ca: string; readonly serverKey: string; readonly serverCert: string; readonly clientKey: string; readonly clientCert: string };
let broker: Broker | undefined;
const clients: MqttClient[] = [];

beforeAll(() => {
  pki = createTestPki({ clientCn: 'alice' });
  // The root signs both the localhost server certificate and alice's client certificate.
  certs = { ca: pki.text('root.crt'), serverKey: pki.text('direct.key'), serverCert: pki.text('direct.crt'), clientKey: pki.text('client.key'), clientCert: pki.text('client.crt') };
});
afterAll(() => pki.cleanup());
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true).catch(() => undefined)));
  await broker?.stop();
  broker = undefined;
});

async function roundTrip(c: MqttClient, topic: string): Promise<void> {
  await c.subscribeAsync(topic, { qos: 1 });
  const got = new Promise<string>((resolve) => c.once('message', (_t, p) => resolve(p.toString())));
  await c.publishAsync(topic, 'ping', { qos: 1 });
  expect(await got).toBe('ping');
}

describe('listeners', () => {
  it('binds TCP, TLS, WS and WSS on free ports and reports each bound port', async () => {
    const tls = { key: certs.serverKey, cert: certs.serverCert };
    broker = createBroker({
      sysInterval: 0,
      listeners: [
        { kind: 'tcp', port: 0 },
        { kind: 'tls', port: 0, ...tls },
        { kind: 'ws', port: 0 },
        { kind: 'wss', port: 0, path: '/custom', ...tls },
      ],
    });
    const bound = await broker.listen();
    expect(bound.map((b) => b.kind)).toEqual(['tcp', 'tls', 'ws', 'wss']);
    expect(new Set(bound.map((b) => b.port)).size).toBe(4);
    for (const b of bound) expect(b.port).toBeGreaterThan(0);
    expect(bound[2]!.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/mqtt$/);
    expect(bound[3]!.url).toMatch(/\/custom$/);
    for (const b of bound) {
      const c = await mqtt.connectAsync(b.url, { reconnectPeriod: 0, ca: certs.ca, protocolVersion: 5, clientId: `via-${b.kind}` });
      clients.push(c);
      await roundTrip(c, `listen/${b.kind}`);
    }
    expect(broker.listClients().map((c) => c.listener).sort()).toEqual(['tcp', 'tls', 'ws', 'wss']);
  });

  it('refuses a TLS client without a certificate when one is required', async () => {
    broker = createBroker({
      sysInterval: 0,
      listeners: [{ kind: 'tls', port: 0, key: certs.serverKey, cert: certs.serverCert, ca: certs.ca, requireClientCertificate: true }],
    });
    const [l] = await broker.start();
    await expect(mqtt.connectAsync(l!.url, { reconnectPeriod: 0, ca: certs.ca, connectTimeout: 2000 })).rejects.toThrow();
    const ok = await mqtt.connectAsync(l!.url, { reconnectPeriod: 0, ca: certs.ca, key: certs.clientKey, cert: certs.clientCert });
    clients.push(ok);
    await roundTrip(ok, 'tls/required');
  });

  it('uses the client certificate CN as the user name when configured', async () => {
    broker = createBroker({
      sysInterval: 0,
      allowAnonymous: false,
      listeners: [
        { kind: 'tls', port: 0, key: certs.serverKey, cert: certs.serverCert, ca: certs.ca, requireClientCertificate: true, useCertificateCnAsUsername: true },
      ],
      acl: [{ scope: 'user', subject: 'alice', access: 'readwrite', topic: 'alice/#' }],
    });
    const [l] = await broker.start();
    const c = await mqtt.connectAsync(l!.url, { reconnectPeriod: 0, ca: certs.ca, key: certs.clientKey, cert: certs.clientCert, clientId: 'cert-client' });
    clients.push(c);
    await roundTrip(c, 'alice/inbox');
    expect(broker.listClients()[0]!.username).toBe('alice');
  });

  it('closes a WebSocket client that sends a text frame', async () => {
    broker = createBroker({ sysInterval: 0, listeners: [{ kind: 'ws', port: 0 }] });
    const [l] = await broker.start();
    const { WebSocket } = await import('ws');
    const ws = new WebSocket(l!.url, 'mqtt');
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    expect(ws.protocol).toBe('mqtt');
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.send('not binary');
    expect(await closed).toBe(1003);
  });

  it('fails with LISTEN_FAILED and an actionable message when the port is taken', async () => {
    broker = createBroker({ sysInterval: 0, listeners: [{ kind: 'tcp', port: 0 }] });
    const [l] = await broker.start();
    const second = createBroker({ sysInterval: 0, listeners: [{ kind: 'tcp', port: l!.port }] });
    await expect(second.start()).rejects.toMatchObject({ code: 'BROKER_ERROR', details: expect.objectContaining({ reason: 'LISTEN_FAILED' }), message: expect.stringContaining('already in use') });
    expect(second.isRunning).toBe(false);
  });

  it('stop() closes clients (v5 gets DISCONNECT 0x8B) and frees the port', async () => {
    broker = createBroker({ sysInterval: 0, listeners: [{ kind: 'tcp', port: 0 }] });
    const [l] = await broker.start();
    const c = await mqtt.connectAsync(l!.url, { reconnectPeriod: 0, protocolVersion: 5 });
    clients.push(c);
    let reason: number | undefined;
    c.on('disconnect', (p) => (reason = p.reasonCode));
    await broker.stop();
    await waitFor(() => reason !== undefined || !c.connected);
    expect(reason).toBe(0x8b);
    const again = createBroker({ sysInterval: 0, listeners: [{ kind: 'tcp', port: l!.port }] });
    await again.start();
    await again.stop();
  });
});

describe('coalescing a batch of packets into writes', () => {
  it('joins small packets in order into writes of at most 64 KiB and passes a larger packet on uncopied', () => {
    const small = Array.from({ length: 1000 }, (_, i) => Buffer.alloc(150, i % 256));
    const big = Buffer.alloc(200_000, 7);
    const batch = [...small.slice(0, 600), big, ...small.slice(600)];
    const writes = coalesce(batch);
    expect(Buffer.concat(writes).equals(Buffer.concat(batch))).toBe(true);
    for (const w of writes) if (w !== big) expect(w.length).toBeLessThanOrEqual(64 * 1024);
    expect(writes).toContain(big);
    // 150,000 bytes of small packets: a handful of writes, not a thousand.
    expect(writes.length).toBeLessThanOrEqual(6);
    expect(coalesce([small[0]!])).toEqual([small[0]]);
  });
});
