// The broker's mqtt-udp:// listener: its sessions take the same connection path as TCP (auth, ACL, limits), idle
// sessions expire, and malformed datagrams are dropped and counted.
import { createSocket } from 'node:dgram';
import type { IClientOptions, MqttClient } from 'mqtt';
import { writeToStream } from 'mqtt-packet';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../test-support/wait-for';
import { connectMqtt, setDatagramTarget } from '../transport/mqtt-datagram-client';
import { openReliableUdpSession } from '../transport/udp/reliable-udp-endpoint';
import { createBroker, createUserRecord, type Broker } from './index';

let broker: Broker | undefined;
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await broker?.stop();
  broker = undefined;
});

function udpClient(port: number, options: IClientOptions = {}): MqttClient {
  const o: IClientOptions = { protocol: 'mqtt', host: '127.0.0.1', port, protocolVersion: 5, reconnectPeriod: 0, connectTimeout: 5_000, ...options };
  setDatagramTarget(o, { scheme: 'mqtt-udp', host: '127.0.0.1', port, udp: { initialRtoMs: 50 } });
  const client = connectMqtt(o);
  cleanups.push(() => client.endAsync(true).catch(() => undefined));
  return client;
}

function connected(client: MqttClient): Promise<void> {
  return new Promise((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
}

describe('the udp listener', () => {
  it('binds a free port, reports an mqtt-udp:// URL and carries QoS 1 both ways for an MQTT.js client', async () => {
    broker = createBroker({ sysInterval: 0, listeners: [{ kind: 'udp', port: 0 }] });
    const [bound] = await broker.start();
    expect(bound?.url).toMatch(/^mqtt-udp:\/\/127\.0\.0\.1:\d+$/);
    const client = udpClient(bound!.port, { clientId: 'udp-a' });
    await connected(client);
    expect(broker.listClients().map((c) => c.clientId)).toEqual(['udp-a']);
    await client.subscribeAsync('udp/t', { qos: 1 });
    const got = new Promise<string>((resolve) => client.once('message', (_t, p) => resolve(p.toString())));
    await client.publishAsync('udp/t', 'over udp', { qos: 1 });
    expect(await got).toBe('over udp');
  });

  it('applies the same authentication and ACL as TCP', async () => {
    broker = createBroker({
      sysInterval: 0,
      allowAnonymous: false,
      users: [await createUserRecord('alice', 'right', { authMethods: ['password'], passwordIterations: 1_000 })],
      acl: [{ scope: 'user', subject: 'alice', access: 'readwrite', topic: 'alice/#' }],
      listeners: [{ kind: 'udp', port: 0 }],
    });
    const [bound] = await broker.start();
    const wrong = udpClient(bound!.port, { clientId: 'udp-wrong', username: 'alice', password: 'wrong' });
    const refusal = await connected(wrong).then(
      () => undefined,
      (e: Error & { code?: number }) => e,
    );
    expect(refusal?.code).toBe(0x86);

    const alice = udpClient(bound!.port, { clientId: 'udp-alice', username: 'alice', password: 'right' });
    await connected(alice);
    await expect(alice.subscribeAsync('other/#', { qos: 1 })).rejects.toThrow(/Not authorized/);
    const granted = await alice.subscribeAsync('alice/#', { qos: 1 });
    expect(granted[0]?.qos).toBe(1);
  });

  it('drops and counts malformed datagrams and keeps serving', async () => {
    broker = createBroker({ sysInterval: 0, listeners: [{ kind: 'udp', port: 0 }] });
    const [bound] = await broker.start();
    const junk = createSocket('udp4');
    cleanups.push(() => new Promise<void>((resolve) => junk.close(() => resolve())));
    const garbage = [Buffer.alloc(0), Buffer.from('hello'), Buffer.from([9, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0x10]), Buffer.alloc(20, 0xff)];
    for (const g of garbage) junk.send(g, bound!.port, '127.0.0.1');
    // DATA of a session that was never opened (sequence 5): dropped, no session created.
    const stray = Buffer.alloc(15);
    stray.writeUInt8(1, 0);
    stray.writeUInt8(1, 1);
    stray.writeUInt32BE(42, 2);
    stray.writeUInt32BE(5, 6);
    stray.writeUInt16BE(1, 12);
    junk.send(stray, bound!.port, '127.0.0.1');
    await waitFor(() => (broker!.datagramStats()[0]?.malformed ?? 0) >= 4 && (broker!.datagramStats()[0]?.unknownSession ?? 0) >= 1, { what: () => JSON.stringify(broker!.datagramStats()) });
    expect(broker.datagramStats()[0]).toMatchObject({ sessions: 0, malformed: 4, unknownSession: 1, refused: 0 });
    const client = udpClient(bound!.port, { clientId: 'after-junk' });
    await connected(client);
  });

  it('expires a session whose peer went silent, and its client leaves the broker', async () => {
    broker = createBroker({ sysInterval: 0, listeners: [{ kind: 'udp', port: 0, udp: { idleTimeoutMs: 1_000 } }] });
    const [bound] = await broker.start();
    const session = await openReliableUdpSession({ host: '127.0.0.1', port: bound!.port, initialRtoMs: 50 });
    cleanups.push(() => session.destroy());
    session.resume();
    writeToStream({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: 'silent', keepalive: 0 }, session);
    await waitFor(() => broker!.listClients().length === 1, { what: 'the silent client connected' });
    expect(broker.datagramStats()[0]?.sessions).toBe(1);
    // The peer vanishes without a CLOSE (its process died): only idle expiry can end its session.
    session.destroy();
    await waitFor(() => broker!.listClients().length === 0 && broker!.datagramStats()[0]?.sessions === 0, { timeoutMs: 5_000, what: 'idle expiry' });
  });
});
