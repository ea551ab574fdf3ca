// MQTT's own codec on the reliable-UDP stream, as the broker listener and the mqtt-udp:// client will use it.
import { randomBytes } from 'node:crypto';
import { parser as mqttParser, writeToStream, type IPublishPacket, type Packet } from 'mqtt-packet';
import { afterEach, expect, it } from 'vitest';
import { startUdpFaultProxy } from '../../../test-support/udp-fault-proxy';
import { waitFor } from '../../../test-support/wait-for';
import { openReliableUdpSession, ReliableUdpServer } from './reliable-udp-endpoint';
import type { ReliableUdpSession } from './reliable-udp-session';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

it('carries mqtt-packet CONNECT and PUBLISH packets (one of 100 kB) intact at 10% loss with reordering', async () => {
  const server = await ReliableUdpServer.listen({ host: '127.0.0.1', port: 0 });
  cleanups.push(() => server.close());
  const parsed: Packet[] = [];
  const parseErrors: Error[] = [];
  server.on('session', (session: ReliableUdpSession) => {
    session.on('error', (e) => parseErrors.push(e));
    const parser = mqttParser({ protocolVersion: 5 });
    parser.on('packet', (p: Packet) => parsed.push(p));
    parser.on('error', (e: Error) => parseErrors.push(e));
    session.on('data', (chunk: Buffer) => parser.parse(chunk));
  });
  const proxy = await startUdpFaultProxy({ targetPort: server.address().port, seed: 7, dropRate: 0.1, reorderRate: 0.2, duplicateRate: 0.05 });
  cleanups.push(() => proxy.close());
  const client = await openReliableUdpSession({ host: '127.0.0.1', port: proxy.port, initialRtoMs: 50 });
  cleanups.push(() => client.destroy());
  client.on('error', (e) => parseErrors.push(e));
  client.resume();

  const big = randomBytes(100_000);
  writeToStream({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clean: true, clientId: 'udp-1', keepalive: 30 }, client, { protocolVersion: 5 });
  for (let i = 1; i <= 20; i++) {
    writeToStream({ cmd: 'publish', topic: `t/${i}`, payload: Buffer.from(`m${i}`), qos: 1, messageId: i, retain: false, dup: false }, client, { protocolVersion: 5 });
  }
  writeToStream({ cmd: 'publish', topic: 't/big', payload: big, qos: 1, messageId: 21, retain: false, dup: false }, client, { protocolVersion: 5 });

  await waitFor(() => parsed.length >= 22, { timeoutMs: 15_000, what: () => `22 packets (have ${parsed.length})` });
  expect(parseErrors).toEqual([]);
  expect(parsed[0]?.cmd).toBe('connect');
  const publishes = parsed.slice(1) as IPublishPacket[];
  expect(publishes.map((p) => p.messageId)).toEqual(Array.from({ length: 21 }, (_, i) => i + 1));
  expect(Buffer.from(publishes[20]!.payload as Buffer).equals(big)).toBe(true);
  expect(proxy.stats.dropped).toBeGreaterThan(0);
});
