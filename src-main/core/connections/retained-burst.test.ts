import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectArgsSchema } from '../../../shared/ipc/connections';
import { createBroker, type Broker } from '../broker';
import { ExplorerSession } from '../explorer/explorer-session';
import { startMosquitto, type Mosquitto } from '../../test-support/mosquitto';
import { waitFor } from '../../test-support/wait-for';
import { ConnectionManager } from './connection-manager';

// A subscription's retained burst and a live burst, through the app's own connection path (MQTT.js with the
// allocation-free packet reads) into the explorer's session: every message arrives, intact and in order.

const RETAINED = 1_500;
const LIVE_PER_TOPIC = 500;
const LIVE_TOPICS = ['live/a', 'live/b', 'live/c'];

/** Message i's payload: small JSON mostly, some padded past a socket read (64 KiB) so fields straddle chunks. */
function payloadOf(i: number): Buffer {
  const body = `{"i":${i},"pad":"${'x'.repeat(i % 250 === 7 ? 70_000 : i % 300)}"}`;
  return Buffer.from(body);
}

let mosquitto: Mosquitto;
let embedded: Broker;
const brokers: Record<string, () => string> = {
  mosquitto: () => mosquitto.url,
  embedded: () => `mqtt://127.0.0.1:${embeddedPort}`,
};
let embeddedPort = 0;

beforeAll(async () => {
  mosquitto = await startMosquitto({ config: ['max_queued_messages 0', 'max_inflight_messages 0'] });
  embedded = createBroker({ sysInterval: 0, allowAnonymous: true, listeners: [{ kind: 'tcp', port: 0, host: '127.0.0.1' }] });
  embeddedPort = (await embedded.start())[0]!.port;
});

afterAll(async () => {
  await embedded?.stop();
  await mosquitto?.stop();
});

describe.each(Object.keys(brokers))('a burst through the connection into the explorer (%s)', (name) => {
  it('shows every retained topic with its own payload and properties, and a live burst in publish order', async () => {
    const url = brokers[name]!();
    const publisher = await mqtt.connectAsync(url, { clientId: `burst-pub-${name}`, protocolVersion: 5, reconnectPeriod: 0 });
    await Promise.all(
      Array.from({ length: RETAINED }, (_, i) =>
        publisher.publishAsync(`burst/line${i % 30}/sensor${i}`, payloadOf(i), {
          qos: 1,
          retain: true,
          ...(i % 3 === 0 ? { properties: { contentType: `application/x-${i}`, userProperties: { n: String(i) } } } : {}),
        }),
      ),
    );

    const session = new ExplorerSession();
    const manager = new ConnectionManager({ status: () => undefined, message: (_, message) => session.ingest(message), closed: () => undefined });
    try {
      await manager.connect(ConnectArgsSchema.parse({ url, protocolVersion: 5, subscriptions: [{ filter: 'burst/#', qos: 1 }, { filter: 'live/#', qos: 0 }] }));
      await waitFor(() => session.index.topicCount >= RETAINED, { timeoutMs: 15_000, what: `${RETAINED} retained topics` });
      expect(session.index.topicCount).toBe(RETAINED);
      expect(session.index.messageCount).toBe(RETAINED);
      for (let i = 0; i < RETAINED; i++) {
        const topic = `burst/line${i % 30}/sensor${i}`;
        const last = session.index.lastMessage(topic);
        expect(last?.retain, topic).toBe(true);
        expect(Buffer.from(last!.payload).equals(payloadOf(i)), topic).toBe(true);
        expect(last?.properties?.contentType, topic).toBe(i % 3 === 0 ? `application/x-${i}` : undefined);
      }

      // Interleaved across topics, QoS 0: each topic's history must be 0, 1, 2, … with nothing missing.
      for (let seq = 0; seq < LIVE_PER_TOPIC; seq++) for (const topic of LIVE_TOPICS) publisher.publish(topic, `{"seq":${seq}}`, { qos: 0 });
      await waitFor(() => session.index.messageCount >= RETAINED + LIVE_PER_TOPIC * LIVE_TOPICS.length, { timeoutMs: 15_000, what: 'the live burst' });
      for (const topic of LIVE_TOPICS) {
        const seqs = session.topic(topic)!.history.map((e) => JSON.parse(Buffer.from(e.payload).toString()).seq as number);
        expect(seqs, topic).toEqual(Array.from({ length: LIVE_PER_TOPIC }, (_, k) => k));
      }
    } finally {
      await manager.closeAll();
      // Leave the broker as it was: the retained messages cleared.
      await Promise.all(Array.from({ length: RETAINED }, (_, i) => publisher.publishAsync(`burst/line${i % 30}/sensor${i}`, '', { qos: 1, retain: true })));
      await publisher.endAsync();
    }
  });
});

describe('a subscription\'s 10,000 retained messages from the embedded broker, through the connection into the explorer', () => {
  it('shows every one with its own payload, the retain flag and the granted QoS, and a live message after it without the flag', async () => {
    const count = 10_000;
    const topic = (i: number): string => `kept/line${i % 100}/sensor${i}`;
    for (let i = 0; i < count; i++) {
      embedded.publish({ topic: topic(i), payload: `p${i}`, qos: (i % 3) as 0 | 1 | 2, retain: true, ...(i % 7 === 0 ? { properties: { contentType: `t/${i}` } } : {}) });
    }
    const session = new ExplorerSession();
    const manager = new ConnectionManager({ status: () => undefined, message: (_, message) => session.ingest(message), closed: () => undefined });
    try {
      // As the window connects: MQTT 5, Topic Aliases accepted (the broker gives the first hundred topics one).
      await manager.connect(ConnectArgsSchema.parse({ url: `mqtt://127.0.0.1:${embeddedPort}`, subscriptions: [{ filter: 'kept/#', qos: 1 }] }));
      await waitFor(() => session.index.messageCount >= count, { timeoutMs: 15_000, what: `${count} retained messages` });
      expect(session.index.topicCount).toBe(count);
      const wrong: string[] = [];
      for (let i = 0; i < count; i++) {
        const last = session.index.lastMessage(topic(i));
        const ok =
          last !== undefined &&
          Buffer.from(last.payload).toString() === `p${i}` &&
          last.retain &&
          last.qos === Math.min(i % 3, 1) &&
          last.properties?.contentType === (i % 7 === 0 ? `t/${i}` : undefined);
        if (!ok) wrong.push(topic(i));
      }
      expect(wrong).toEqual([]);
      embedded.publish({ topic: topic(42), payload: 'live', qos: 1 });
      await waitFor(() => session.index.messageCount > count, { what: 'the live message' });
      expect(session.topic(topic(42))!.history.map((e) => [Buffer.from(e.payload).toString(), e.retain])).toEqual([
        ['p42', true],
        ['live', false],
      ]);
    } finally {
      await manager.closeAll();
      embedded.deleteRetained('kept', true);
    }
  });
});
