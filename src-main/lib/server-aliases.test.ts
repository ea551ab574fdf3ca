import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../test-support/wait-for';
import type { MessageView, TopiaryClient } from './client';
import { connect, createBroker, type EmbeddedBroker } from './index';

let broker: EmbeddedBroker | undefined;
let client: TopiaryClient | undefined;

afterEach(async () => {
  await client?.end().catch(() => undefined);
  await broker?.stop();
});

describe('Topic Aliases from the embedded broker to Topiary\'s own client', () => {
  it('delivers every message under its real topic when the broker sends aliases, and shows the alias', async () => {
    broker = await createBroker({ sysInterval: 0 });
    // The app's connections accept 100 aliases by default, so the broker uses them.
    client = await connect({ url: broker.url, protocolVersion: 5 });
    const got: MessageView[] = [];
    client.on('message', (m) => got.push(m));
    await client.subscribe('plant/#', { qos: 2 });
    // QoS 0, 1 and 2 each: MQTT.js hands QoS 2 messages over on PUBREL, from the packet it stored.
    const topics = ['plant/a', 'plant/a', 'plant/b', 'plant/a', 'plant/b', 'plant/a'];
    for (const [i, t] of topics.entries()) broker.engine.publish({ topic: t, payload: t, qos: (i % 3) as 0 | 1 | 2 });
    await waitFor(() => got.length === topics.length, { what: 'every message' });
    expect(got.map((m) => m.topic).sort()).toEqual([...topics].sort());
    expect(got.every((m) => Buffer.from(m.payload).toString() === m.topic)).toBe(true);
    expect(got.every((m) => m.properties?.topicAlias === 1 || m.properties?.topicAlias === 2)).toBe(true);
  });
});
