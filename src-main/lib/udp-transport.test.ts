// mqtt-udp:// end to end: the library (the same Connection the app and the CLI use) against the embedded broker's
// udp listener, directly and through a lossy link that drops, duplicates and reorders datagrams.
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { MessageView } from '../../shared/ipc/common';
import { startUdpFaultProxy, type UdpFaultProxy } from '../test-support/udp-fault-proxy';
import { waitFor } from '../test-support/wait-for';
import { connect, createBroker, type EmbeddedBroker, type TopiaryClient } from './index';

vi.setConfig({ testTimeout: 60_000 });

let broker: EmbeddedBroker | undefined;
let proxy: UdpFaultProxy | undefined;
const clients: TopiaryClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.end().catch(() => undefined)));
  await proxy?.close();
  proxy = undefined;
  await broker?.stop();
  broker = undefined;
});

async function udpBroker(): Promise<{ readonly broker: EmbeddedBroker; readonly udpPort: number }> {
  broker = await createBroker({ listeners: [{ kind: 'udp', port: 0, host: '127.0.0.1' }] });
  const udp = broker.engine.boundListeners().find((l) => l.kind === 'udp');
  return { broker, udpPort: udp!.port };
}

async function client(url: string, clientId: string): Promise<TopiaryClient> {
  const c = await connect({ url, clientId, protocolVersion: 5, connectTimeoutMs: 20_000 });
  clients.push(c);
  return c;
}

describe('mqtt-udp:// through the library', () => {
  it('connects, subscribes and publishes at QoS 0, 1 and 2 to the embedded broker', async () => {
    const { udpPort } = await udpBroker();
    const url = `mqtt-udp://127.0.0.1:${udpPort}`;
    const sub = await client(url, 'udp-lib-sub');
    expect(sub.info.url).toBe(url);
    await sub.subscribe('lib/#', { qos: 2 });
    const got: MessageView[] = [];
    sub.on('message', (m) => got.push(m));
    const pub = await client(url, 'udp-lib-pub');
    for (const qos of [0, 1, 2] as const) await pub.publish(`lib/${qos}`, `q${qos}`, { qos });
    await waitFor(() => got.length === 3, { what: () => `3 messages (have ${got.length})` });
    expect(got.map((m) => [m.topic, Buffer.from(m.payload).toString(), m.qos])).toEqual([
      ['lib/0', 'q0', 0],
      ['lib/1', 'q1', 1],
      ['lib/2', 'q2', 2],
    ]);
  });

  it('at 10% loss with reordering and duplication, QoS 1 arrives, QoS 2 exactly once, and 100 kB intact', async () => {
    const { udpPort } = await udpBroker();
    proxy = await startUdpFaultProxy({ targetPort: udpPort, seed: 16, dropRate: 0.1, duplicateRate: 0.05, reorderRate: 0.2, reorderDelayMs: 15, delayMs: [0, 3] });
    const url = `mqtt-udp://127.0.0.1:${proxy.port}`;
    const sub = await client(url, 'lossy-sub');
    await sub.subscribe(['lossy/q1', 'lossy/q2', 'lossy/big'], { qos: 2 });
    const got: MessageView[] = [];
    sub.on('message', (m) => got.push(m));
    const pub = await client(url, 'lossy-pub');
    const big = randomBytes(100_000);
    const acks = [];
    for (let i = 0; i < 50; i++) {
      acks.push(pub.publish('lossy/q1', `a${i}`, { qos: 1 }));
      acks.push(pub.publish('lossy/q2', `b${i}`, { qos: 2 }));
    }
    acks.push(pub.publish('lossy/big', big, { qos: 2 }));
    await Promise.all(acks);
    await waitFor(() => got.filter((m) => m.topic === 'lossy/q1').length >= 50 && got.filter((m) => m.topic === 'lossy/q2').length >= 50 && got.some((m) => m.topic === 'lossy/big'), {
      timeoutMs: 40_000,
      what: () => `every message (have ${got.length})`,
    });
    // Give a late duplicate the chance to show itself before counting: wait until the link is quiet.
    const settled = got.length;
    await waitFor(async () => {
      const before = proxy!.stats.forwarded;
      await new Promise((resolve) => setTimeout(resolve, 300));
      return proxy!.stats.forwarded === before;
    }, { timeoutMs: 20_000, what: 'a quiet link' });
    const texts = (topic: string): string[] => got.filter((m) => m.topic === topic).map((m) => Buffer.from(m.payload).toString());
    // QoS 1 promises at least once; the reliable layer suppresses duplicates, so here it is exactly once too, in order.
    expect(texts('lossy/q1')).toEqual(Array.from({ length: 50 }, (_, i) => `a${i}`));
    expect(texts('lossy/q2')).toEqual(Array.from({ length: 50 }, (_, i) => `b${i}`));
    const bigs = got.filter((m) => m.topic === 'lossy/big');
    expect(bigs).toHaveLength(1);
    expect(Buffer.from(bigs[0]!.payload).equals(big)).toBe(true);
    expect(got.length).toBe(settled);
    expect(proxy.stats.dropped).toBeGreaterThan(10);
    expect(proxy.stats.duplicated).toBeGreaterThan(0);
    expect(proxy.stats.reordered).toBeGreaterThan(0);
  });

  it('a UDP broker that is not there is a clear connection error, not a hang', async () => {
    const { udpPort } = await udpBroker();
    await broker!.stop();
    broker = undefined;
    const started = Date.now();
    const failure = await connect({ url: `mqtt-udp://127.0.0.1:${udpPort}`, connectTimeoutMs: 20_000 }).then(
      () => undefined,
      (e: Error & { code?: string }) => e,
    );
    expect(failure?.code).toBe('CONNECTION_FAILED');
    expect(failure?.message).toMatch(/refused|not accept|unreachable/i);
    // The port-unreachable report ends it, long before the connect timeout.
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
