import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMosquitto, type Mosquitto } from '../../test-support/mosquitto';
import { waitFor as waitUntil } from '../../test-support/wait-for';
import { ExplorerSession } from './explorer-session';

// Real broker, real client: the session fed exactly as the connection layer will feed it.

let broker: Mosquitto | undefined;
const clients: MqttClient[] = [];

// Generous: a wait ends as soon as its condition holds, and a busy machine moves QoS 1 traffic through mosquitto many times slower.
async function waitFor(predicate: () => boolean, what: string): Promise<void> {
  await waitUntil(predicate, { timeoutMs: 60_000, intervalMs: 10, what });
}

async function connect(clientId: string): Promise<MqttClient> {
  const client = await mqtt.connectAsync(broker!.url, { clientId, protocolVersion: 5, reconnectPeriod: 0 });
  clients.push(client);
  return client;
}

function attach(client: MqttClient, session: ExplorerSession): void {
  client.on('message', (topic, payload, packet) => {
    session.ingest({
      topic,
      payload,
      qos: packet.qos,
      retain: packet.retain,
      dup: packet.dup,
      receivedAt: Date.now(),
      properties: packet.properties?.contentType === undefined ? undefined : { contentType: packet.properties.contentType },
    });
  });
}

beforeAll(async () => {
  // No queue or in-flight limits: a burst must arrive whole.
  broker = await startMosquitto({ config: ['max_queued_messages 0', 'max_inflight_messages 0'] });
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
  await broker?.stop();
});

describe('ExplorerSession fed by a real mosquitto', () => {
  it('counts a burst of known size exactly, per topic and per subtree', async () => {
    const session = new ExplorerSession();
    const subscriber = await connect('explorer-sub');
    attach(subscriber, session);
    await subscriber.subscribeAsync('burst/#', { qos: 1 });
    const publisher = await connect('explorer-pub');
    // 10,000 QoS 1 messages over 1,000 topics: counted exactly as well as 20,000 were, in half the round trips (20,000
    // took over 20 s on a busy 2-core machine).
    const total = 10_000;
    for (let i = 0; i < total; i++) {
      publisher.publish(`burst/line${i % 10}/sensor${i % 1_000}`, `{"v":${i}}`, { qos: 1, properties: { contentType: 'application/json' } });
    }
    await waitFor(() => session.stats().messageCount === total, `${total} messages`);
    expect(session.stats().topicCount).toBe(1_000);
    expect(session.index.info('burst/line3')!.subtreeMessageCount).toBe(1_000);
    expect(session.index.info('burst/line3/sensor3')!.messageCount).toBe(10);
    const last = session.topic('burst/line9/sensor999')!;
    expect(new TextDecoder().decode(last.lastMessage!.payload)).toBe('{"v":9999}');
    expect(last.lastMessage!.properties?.contentType).toBe('application/json');
    expect(session.series('burst/line9/sensor999', { kind: 'json', path: 'v' }).points.map((p) => p.v).slice(-2)).toEqual([8_999, 9_999]);
  }, 90_000);

  it('holds a paused burst in the buffer and applies it on resume', async () => {
    const session = new ExplorerSession();
    const subscriber = await connect('explorer-sub-2');
    attach(subscriber, session);
    await subscriber.subscribeAsync('paused/#', { qos: 1 });
    const publisher = await connect('explorer-pub-2');
    await publisher.publishAsync('paused/state', 'on', { qos: 1, retain: true });
    await waitFor(() => session.stats().messageCount === 1, 'the first message');
    expect(session.index.info('paused/state')!.retained).toBe(false); // live delivery clears the retain flag
    session.pause();
    for (let i = 0; i < 500; i++) publisher.publish(`paused/t${i % 50}`, String(i), { qos: 1 });
    await waitFor(() => session.stats().buffer.bufferedMessages === 500, 'the buffered burst');
    expect(session.stats().messageCount).toBe(1);
    session.resume();
    expect(session.stats()).toMatchObject({ messageCount: 501, topicCount: 51, buffer: { dropped: 0, bufferedMessages: 0 } });
  });

  it('marks topics whose retained value arrives on subscribe', async () => {
    const publisher = await connect('explorer-pub-3');
    await publisher.publishAsync('kept/value', '42', { qos: 1, retain: true });
    const session = new ExplorerSession();
    const subscriber = await connect('explorer-sub-3');
    attach(subscriber, session);
    await subscriber.subscribeAsync('kept/#', { qos: 1 });
    await waitFor(() => session.stats().messageCount === 1, 'the retained message');
    expect(session.index.info('kept/value')!.retained).toBe(true);
    await publisher.publishAsync('kept/value', '', { qos: 1, retain: true });
    await waitFor(() => session.stats().messageCount === 2, 'the clearing message');
    expect(session.index.info('kept/value')!.retained).toBe(false);
  });
});
