import { randomBytes } from 'node:crypto';
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { createBroker, type Broker } from './index';
import { closeAfterEach } from '../../test-support/close-after-each';
import { waitFor } from '../../test-support/conformance/wait-for';

const opened = closeAfterEach();
const { clients } = opened;
let broker: Broker | undefined;

describe('churn', () => {
  it('survives many clients connecting, subscribing, publishing, dropping and misbehaving at once', async () => {
    broker = opened.stopAfter(createBroker({ sysInterval: 0.1, listeners: [{ kind: 'tcp', port: 0 }] }));
    let eventListenerCalls = 0;
    broker.onEvent(() => {
      eventListenerCalls++;
      throw new Error('a broken UI listener');
    });
    const [l] = await broker.start();
    const watcher = await mqtt.connectAsync(l!.url, { reconnectPeriod: 0, protocolVersion: 5, clientId: 'watcher' });
    clients.push(watcher);
    await watcher.subscribeAsync('churn/#', { qos: 1 });
    let seen = 0;
    watcher.on('message', () => seen++);

    const rounds = Array.from({ length: 60 }, async (_, i) => {
      const version = ([3, 4, 5] as const)[i % 3];
      const c = await mqtt.connectAsync(l!.url, {
        reconnectPeriod: 0,
        protocolVersion: version,
        clientId: `churn-${i % 20}`, // ids repeat, so sessions are taken over mid-flight
        clean: i % 2 === 0,
        will: { topic: 'churn/will', payload: Buffer.from(String(i)), qos: 1, retain: false },
      }).catch(() => undefined);
      if (!c) return;
      clients.push(c);
      await c.subscribeAsync([`churn/${i}/#`, `$share/g/churn/shared`], { qos: (i % 3) as 0 | 1 | 2 }).catch(() => undefined);
      for (let k = 0; k < 10; k++) c.publish(`churn/${i}/${k}`, randomBytes(32), { qos: (k % 3) as 0 | 1 | 2, retain: k === 0 });
      if (i % 4 === 0) c.stream.destroy();
      else if (i % 4 === 1) (c.stream as unknown as { write(b: Buffer): void }).write(randomBytes(16));
    });
    await Promise.all(rounds);
    // Still serving: a fresh publish reaches the watcher.
    const before = seen;
    await watcher.publishAsync('churn/final', 'x', { qos: 1 });
    await waitFor(() => seen > before, 5000, 'the final message');
    expect(broker.getStats().clientsConnected).toBeGreaterThanOrEqual(1);
    expect(eventListenerCalls).toBeGreaterThan(0);
    expect(broker.listRetained().length).toBeGreaterThan(0);
  }, 20_000);
});
