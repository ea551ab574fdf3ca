import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { createBroker, type Broker } from './index';
import { startMosquitto, type Mosquitto } from '../../test-support/mosquitto';
import { waitFor } from '../../test-support/wait-for';

let broker: Broker | undefined;
let mosquitto: Mosquitto | undefined;
const clients: MqttClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true).catch(() => undefined)));
  await broker?.stop();
  broker = undefined;
  await mosquitto?.stop();
  mosquitto = undefined;
});

/** Subscribes to `$SYS/#` and keeps the latest value of every topic. */
async function watchSys(url: string): Promise<Map<string, string>> {
  const c = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
  clients.push(c);
  const seen = new Map<string, string>();
  c.on('message', (topic, payload) => seen.set(topic, String(payload)));
  await c.subscribeAsync('$SYS/#');
  return seen;
}

/** Waits until a publication round has added nothing new for a while. */
async function settled(seen: Map<string, string>, minimum: number): Promise<string[]> {
  let last = -1;
  let stableSince = Date.now();
  await waitFor(
    () => {
      if (seen.size !== last) {
        last = seen.size;
        stableSince = Date.now();
      }
      return seen.size >= minimum && Date.now() - stableSince > 2500;
    },
    { timeoutMs: 20_000, what: `$SYS topics (have ${seen.size})` },
  );
  return [...seen.keys()].sort();
}

describe('$SYS', () => {
  it("publishes every topic of mosquitto's own $SYS tree, under the same names", async () => {
    mosquitto = await startMosquitto({ config: ['sys_interval 1'] });
    const theirs = await settled(await watchSys(mosquitto.url), 40);
    broker = createBroker({ sysInterval: 1, listeners: [{ kind: 'tcp', port: 0 }] });
    const port = (await broker.start())[0]!.port;
    const ours = await settled(await watchSys(`mqtt://127.0.0.1:${port}`), 40);
    expect(theirs.length).toBeGreaterThanOrEqual(53);
    expect(theirs.filter((t) => !ours.includes(t))).toEqual([]);
    expect(ours.filter((t) => !theirs.includes(t))).toEqual([]);
  }, 60_000);

  it('reports heap, peak clients, payload bytes, shared subscriptions and stored messages from what happened', async () => {
    broker = createBroker({ sysInterval: 1, listeners: [{ kind: 'tcp', port: 0 }] });
    const url = `mqtt://127.0.0.1:${(await broker.start())[0]!.port}`;
    const seen = await watchSys(url);
    const a = await mqtt.connectAsync(url, { reconnectPeriod: 0, clientId: 'offline-later', clean: false });
    await a.subscribeAsync('$share/g/work', { qos: 1 });
    await a.subscribeAsync('q/#', { qos: 1 });
    await a.endAsync();
    const b = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
    clients.push(b);
    await b.publishAsync('keep', Buffer.alloc(1000), { retain: true, qos: 1 });
    await b.publishAsync('q/x', Buffer.alloc(500), { qos: 1 });
    const num = (t: string): number => Number(seen.get(`$SYS/broker/${t}`));
    await waitFor(() => num('publish/bytes/received') >= 1500 && num('clients/inactive') === 1, { timeoutMs: 10_000, what: 'counters to catch up' });
    expect(num('heap/current')).toBeGreaterThan(0);
    expect(num('heap/maximum')).toBeGreaterThanOrEqual(num('heap/current'));
    expect(num('clients/maximum')).toBeGreaterThanOrEqual(2);
    expect(num('clients/inactive')).toBe(1);
    expect(num('shared_subscriptions/count')).toBe(1);
    // Every retained message ($SYS's own included, as in mosquitto) and the one queued for the offline session.
    expect(num('store/messages/count')).toBe(num('retained messages/count') + 1);
    expect(num('messages/stored')).toBe(num('store/messages/count'));
    expect(num('store/messages/bytes')).toBeGreaterThanOrEqual(1500);
    expect(num('publish/bytes/received')).toBe(1500);
    expect(Number.isFinite(num('load/sockets/1min'))).toBe(true);
  }, 30_000);
});
