// The broker's mqtts-dtls:// listener (reliable UDP inside DTLS 1.2): the library's client against it, certificate
// failures as clear errors, and OpenSSL's s_client as an independent DTLS peer.
import { spawn } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { encodeDatagram } from '../transport/udp/datagram';
import { connect, type TopiaryClient } from '../../lib';
import { createTestPki, type TestPki } from '../../test-support/pki';
import { waitFor } from '../../test-support/wait-for';
import { generate as mqttGenerate } from 'mqtt-packet';
import { createBroker, type Broker } from './index';

vi.setConfig({ testTimeout: 60_000 });

let pki: TestPki;
let broker: Broker;
let url: string;
let port: number;
const clients: TopiaryClient[] = [];

beforeAll(async () => {
  pki = createTestPki();
  broker = createBroker({ sysInterval: 0, listeners: [{ kind: 'dtls', port: 0, key: pki.text('direct.key'), cert: pki.text('direct.crt') }] });
  const [bound] = await broker.start();
  url = bound!.url;
  port = bound!.port;
}, 60_000);
afterAll(async () => {
  await broker.stop();
  pki.cleanup();
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.end().catch(() => undefined)));
});

describe('the dtls listener', () => {
  it('reports an mqtts-dtls:// URL and carries QoS 1 and 2 for a client that trusts its CA', async () => {
    expect(url).toMatch(/^mqtts-dtls:\/\/127\.0\.0\.1:\d+$/);
    const c = await connect({ url, clientId: 'dtls-a', protocolVersion: 5, tls: { ca: [pki.text('root.crt')] }, connectTimeoutMs: 20_000 });
    clients.push(c);
    await c.subscribe('dtls/#', { qos: 2 });
    const got: string[] = [];
    c.on('message', (m) => got.push(Buffer.from(m.payload).toString()));
    await c.publish('dtls/1', 'one', { qos: 1 });
    await c.publish('dtls/2', 'two', { qos: 2 });
    await waitFor(() => got.length === 2, { what: () => `2 messages (have ${got.length})` });
    expect(got).toEqual(['one', 'two']);
    expect(broker.datagramStats()[0]?.dtls?.established).toBeGreaterThanOrEqual(1);
  });

  it('refuses a server certificate from an untrusted CA with a clear TLS error, not a timeout', async () => {
    const started = Date.now();
    const failure = await connect({ url, clientId: 'dtls-untrusted', tls: { ca: [pki.text('self.crt')] }, connectTimeoutMs: 20_000 }).then(
      () => undefined,
      (e: Error & { code?: string }) => e,
    );
    expect(failure?.code).toBe('TLS_ERROR');
    expect(failure?.message).toMatch(/unknown CA|not trust|issued by/i);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('completes a DTLS 1.2 handshake with openssl s_client, and answers its raw CONNECT with a CONNACK', async () => {
    const connectPacket = mqttGenerate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: 'openssl', keepalive: 0 });
    // One reliable-UDP DATA datagram (session 7, sequence 0, one fragment) inside one DTLS record, as s_client sends one read of stdin as one record.
    const datagram = encodeDatagram({ type: 'data', sessionId: 7, seq: 0, fragmentIndex: 0, fragmentCount: 1, payload: connectPacket });
    const child = spawn('openssl', ['s_client', '-dtls1_2', '-connect', `127.0.0.1:${port}`, '-CAfile', pki.path('root.crt'), '-verify_return_error', '-quiet'], { stdio: ['pipe', 'pipe', 'pipe'] });
    child.on('error', () => undefined);
    let out = Buffer.alloc(0);
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out = Buffer.concat([out, d])));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    try {
      await waitFor(() => /verify return:1/.test(err) || (broker.datagramStats()[0]?.dtls?.secure ?? 0) > 0, { timeoutMs: 20_000, what: () => `the handshake (${err})` });
      await waitFor(() => (broker.datagramStats()[0]?.dtls?.secure ?? 0) > 0, { timeoutMs: 10_000, what: 'the broker to see the DTLS session' });
      child.stdin.write(datagram);
      await waitFor(() => broker.listClients().some((c) => c.clientId === 'openssl'), { timeoutMs: 10_000, what: () => `the openssl client in the broker (${err})` });
      // The broker's DATA datagram holding CONNACK (20 02 00 00) reaches s_client's stdout.
      await waitFor(() => out.includes(Buffer.from([0x20, 0x02, 0x00, 0x00])), { timeoutMs: 10_000, what: () => `a CONNACK (have ${out.toString('hex')})` });
    } finally {
      child.kill();
    }
  });
});
