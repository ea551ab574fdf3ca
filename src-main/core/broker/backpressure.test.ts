import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { runFlood } from '../../test-support/mqtt-flood';
import { waitFor } from '../../test-support/wait-for';
import { createBroker, type Broker, type BrokerLimits } from './index';

let broker: Broker | undefined;

afterEach(async () => {
  await broker?.stop();
  broker = undefined;
});

async function start(limits?: BrokerLimits): Promise<string> {
  broker = createBroker({ sysInterval: 0, listeners: [{ kind: 'tcp', port: 0, host: '127.0.0.1' }], ...(limits ? { limits } : {}) });
  const [l] = await broker.start();
  return `mqtt://127.0.0.1:${l!.port}`;
}

describe('an online subscriber slower than its publishers', () => {
  it('gets every acknowledged QoS 1 message when 6 MQTT.js publishers with 100 in flight feed one slow subscriber', async () => {
    const url = await start();
    const r = await runFlood({ url, publishers: 6, subscribers: 1, perPublisher: 3000, qos: 1, window: 100, subscriberPauseEvery: 200 });
    expect(r.acknowledged).toBe(18_000);
    expect(r.lost).toBe(0);
    expect(broker!.getStats().publishDropped).toBe(0);
  }, 120_000);

  it('gets every acknowledged QoS 2 message exactly once under fan-in', async () => {
    const url = await start();
    const r = await runFlood({ url, publishers: 4, subscribers: 1, perPublisher: 1500, qos: 2, window: 100, subscriberPauseEvery: 100 });
    expect(r.acknowledged).toBe(6000);
    expect(r.lost).toBe(0);
    expect(r.duplicates).toBe(0);
  }, 120_000);

  it('keeps every QoS 1 message under fan-out with a small queue limit, because publishers are slowed instead', async () => {
    const url = await start({ maxQueued: 200 });
    const r = await runFlood({ url, publishers: 1, subscribers: 4, perPublisher: 5000, qos: 1, window: 500, subscriberPauseEvery: 100 });
    expect(r.acknowledged).toBe(5000);
    expect(r.lost).toBe(0);
  }, 120_000);
});

describe('an offline persistent session', () => {
  it('queues up to the byte limit, counts the overflow per client, and tells a v5 publisher its message went nowhere', async () => {
    const url = await start({ maxQueued: 1000, maxQueuedBytes: 1000 });
    const sub = await mqtt.connectAsync(url, { clientId: 'sleeper', clean: false, reconnectPeriod: 0 });
    await sub.subscribeAsync('q/#', { qos: 1 });
    await sub.endAsync();
    const pub = await mqtt.connectAsync(url, { clientId: 'v5-pub', protocolVersion: 5, reconnectPeriod: 0 });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 15; i++) {
        // 2 + 100 bytes each: 9 fit in 1,000 bytes, the rest overflow.
        const code = await new Promise<number>((resolve) => {
          pub.publish('q/a', Buffer.alloc(100, 0x61), { qos: 1 }, (err) => resolve(err ? ((err as Error & { code?: number }).code ?? -1) : 0));
        });
        codes.push(code);
      }
      expect(codes.filter((c) => c === 0)).toHaveLength(9);
      expect(codes.filter((c) => c === 0x97)).toHaveLength(6);
      expect(broker!.getStats().queueOverflow).toBe(6);
      expect(broker!.getStats().publishDropped).toBe(6);
      // Listening from the start: the queue arrives right behind the CONNACK.
      const back = mqtt.connect(url, { clientId: 'sleeper', clean: false, reconnectPeriod: 0 });
      let received = 0;
      back.on('message', () => received++);
      back.on('error', () => undefined);
      try {
        await waitFor(() => received === 9, { what: () => `9 queued messages, got ${received}` });
        expect(broker!.listClients().find((c) => c.clientId === 'sleeper')?.dropped).toBe(6);
      } finally {
        await back.endAsync(true);
      }
    } finally {
      await pub.endAsync(true);
    }
  });

  it('queues 100,000 messages by default', async () => {
    const url = await start();
    const sub = await mqtt.connectAsync(url, { clientId: 'big-sleeper', clean: false, reconnectPeriod: 0 });
    await sub.subscribeAsync('big/#', { qos: 1 });
    await sub.endAsync();
    for (let i = 0; i < 100_000; i++) broker!.publish({ topic: 'big/x', payload: 'p', qos: 1 });
    expect(broker!.getStats().queueOverflow).toBe(0);
    broker!.publish({ topic: 'big/x', payload: 'p', qos: 1 });
    expect(broker!.getStats().queueOverflow).toBe(1);
  });
});
