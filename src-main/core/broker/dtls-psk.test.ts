// The broker's mqtts-dtls:// listener with pre-shared keys (TLS_PSK_WITH_AES_128_GCM_SHA256 through psk-server.ts),
// checked with OpenSSL's s_client as the independent DTLS peer: a raw CONNECT answered by a CONNACK, and a wrong key
// or an unknown identity refused at once with a fatal alert rather than left to time out.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { generate as mqttGenerate } from 'mqtt-packet';
import { encodeDatagram } from '../transport/udp/datagram';
import { connect } from '../../lib';
import { createTestPki } from '../../test-support/pki';
import { startUdpFaultProxy } from '../../test-support/udp-fault-proxy';
import { waitFor } from '../../test-support/wait-for';
import { createBroker, type Broker } from './index';

vi.setConfig({ testTimeout: 60_000 });

const KEY = '00112233445566778899aabbccddeeff';
let broker: Broker;
let port: number;
let url: string;

beforeAll(async () => {
  broker = createBroker({ sysInterval: 0, listeners: [{ kind: 'dtls', port: 0, psk: { 'sensor-1': KEY } }] });
  const [bound] = await broker.start();
  port = bound!.port;
  url = bound!.url;
}, 60_000);
afterAll(async () => {
  await broker.stop();
});

function sClient(identity: string, key: string): { child: ChildProcessWithoutNullStreams; out: () => Buffer; err: () => string; exited: () => number | null } {
  const child = spawn('openssl', ['s_client', '-dtls1_2', '-connect', `127.0.0.1:${port}`, '-psk_identity', identity, '-psk', key, '-cipher', 'PSK-AES128-GCM-SHA256', '-quiet'], { stdio: ['pipe', 'pipe', 'pipe'] });
  child.on('error', () => undefined);
  let out = Buffer.alloc(0);
  let err = '';
  let code: number | null = null;
  child.stdout.on('data', (d: Buffer) => (out = Buffer.concat([out, d])));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  child.on('exit', (c) => (code = c ?? -1));
  return { child, out: () => out, err: () => err, exited: () => code };
}

describe('DTLS PSK listener', () => {
  it('completes a PSK handshake with openssl s_client and answers its raw CONNECT with a CONNACK', async () => {
    const connectPacket = mqttGenerate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: 'openssl-psk', keepalive: 0 });
    // One reliable-UDP DATA datagram inside one DTLS record, as s_client sends one read of stdin as one record.
    const datagram = encodeDatagram({ type: 'data', sessionId: 9, seq: 0, fragmentIndex: 0, fragmentCount: 1, payload: connectPacket });
    const s = sClient('sensor-1', KEY);
    try {
      await waitFor(() => (broker.datagramStats()[0]?.dtls?.secure ?? 0) > 0, { timeoutMs: 20_000, what: () => `the broker to see the PSK session (${s.err()})` });
      s.child.stdin.write(datagram);
      await waitFor(() => broker.listClients().some((c) => c.clientId === 'openssl-psk'), { timeoutMs: 10_000, what: () => `the openssl client in the broker (${s.err()})` });
      await waitFor(() => s.out().includes(Buffer.from([0x20, 0x02, 0x00, 0x00])), { timeoutMs: 10_000, what: () => `a CONNACK (have ${s.out().toString('hex')})` });
    } finally {
      s.child.kill();
    }
  });

  it('refuses a wrong pre-shared key with a bad_record_mac alert, not a timeout', async () => {
    const started = Date.now();
    const s = sClient('sensor-1', 'ffeeddccbbaa99887766554433221100');
    try {
      await waitFor(() => s.exited() !== null, { timeoutMs: 10_000, what: () => `s_client to give up (${s.err()})` });
      expect(s.exited()).not.toBe(0);
      expect(s.err()).toMatch(/bad record mac/i);
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      s.child.kill();
    }
  });

  it('refuses an unknown PSK identity with an unknown_psk_identity alert', async () => {
    const s = sClient('nobody', KEY);
    try {
      await waitFor(() => s.exited() !== null, { timeoutMs: 10_000, what: () => `s_client to give up (${s.err()})` });
      expect(s.exited()).not.toBe(0);
      expect(s.err()).toMatch(/unknown psk identity/i);
    } finally {
      s.child.kill();
    }
  });

  it("carries QoS 1 and 2 for the library's client with pskIdentity and psk", async () => {
    const c = await connect({ url, clientId: 'psk-lib', protocolVersion: 5, tls: { pskIdentity: 'sensor-1', psk: KEY }, connectTimeoutMs: 20_000 });
    try {
      await c.subscribe('psk/#', { qos: 2 });
      const got: string[] = [];
      c.on('message', (m) => got.push(Buffer.from(m.payload).toString()));
      await c.publish('psk/1', 'one', { qos: 1 });
      await c.publish('psk/2', 'two', { qos: 2 });
      await waitFor(() => got.length === 2, { what: () => `2 messages (have ${got.length})` });
      expect(got).toEqual(['one', 'two']);
    } finally {
      await c.end().catch(() => undefined);
    }
  });

  it("gives the library's client with a wrong PSK a clear error at once, not a timeout", async () => {
    const started = Date.now();
    const failure = await connect({ url, clientId: 'psk-wrong', tls: { pskIdentity: 'sensor-1', psk: 'ffeeddccbbaa99887766554433221100' }, connectTimeoutMs: 20_000 }).then(
      () => undefined,
      (e: Error & { code?: string }) => e,
    );
    expect(failure?.code).toBe('TLS_ERROR');
    expect(failure?.message).toMatch(/pre-shared key is wrong/i);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("gives the library's client an unknown identity a clear error", async () => {
    const failure = await connect({ url, clientId: 'psk-unknown', tls: { pskIdentity: 'nobody', psk: KEY }, connectTimeoutMs: 20_000 }).then(
      () => undefined,
      (e: Error & { code?: string }) => e,
    );
    expect(failure?.code).toBe('TLS_ERROR');
    expect(failure?.message).toMatch(/does not know this PSK identity/i);
  });

  it('serves certificate clients and PSK clients on one listener that has both', async () => {
    const pki = createTestPki();
    const both = createBroker({ sysInterval: 0, listeners: [{ kind: 'dtls', port: 0, key: pki.text('direct.key'), cert: pki.text('direct.crt'), psk: { 'sensor-1': KEY } }] });
    try {
      const [bound] = await both.start();
      const byCertificate = await connect({ url: bound!.url, clientId: 'both-cert', tls: { ca: [pki.text('root.crt')] }, connectTimeoutMs: 20_000 });
      const byPsk = await connect({ url: bound!.url, clientId: 'both-psk', tls: { pskIdentity: 'sensor-1', psk: KEY }, connectTimeoutMs: 20_000 });
      expect(both.listClients().map((c) => c.clientId).sort()).toEqual(['both-cert', 'both-psk']);
      await Promise.all([byCertificate.end(), byPsk.end()]);
    } finally {
      await both.stop();
      pki.cleanup();
    }
  });

  it('completes PSK handshakes and QoS 1 through 20% loss with reordering and duplication', async () => {
    const proxy = await startUdpFaultProxy({ targetPort: port, seed: 7, dropRate: 0.2, duplicateRate: 0.1, reorderRate: 0.2, reorderDelayMs: 15, delayMs: [0, 3] });
    const lossy = `mqtts-dtls://127.0.0.1:${proxy.port}`;
    const opened: Awaited<ReturnType<typeof connect>>[] = [];
    try {
      for (const id of ['lossy-a', 'lossy-b', 'lossy-c']) opened.push(await connect({ url: lossy, clientId: id, tls: { pskIdentity: 'sensor-1', psk: KEY }, connectTimeoutMs: 30_000 }));
      const [sub, pub] = opened;
      await sub!.subscribe('lossy/psk', { qos: 1 });
      const got: string[] = [];
      sub!.on('message', (m) => got.push(Buffer.from(m.payload).toString()));
      await Promise.all(Array.from({ length: 20 }, (_, i) => pub!.publish('lossy/psk', `m${i}`, { qos: 1 })));
      await waitFor(() => new Set(got).size === 20, { timeoutMs: 30_000, what: () => `20 messages (have ${new Set(got).size})` });
      expect(proxy.stats.dropped).toBeGreaterThan(0);
    } finally {
      await Promise.all(opened.map((c) => c.end().catch(() => undefined)));
      await proxy.close();
    }
  });
});
