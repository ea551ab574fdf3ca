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
    await client.subscribe('plant/#', { qos: 1 });
    for (const t of ['plant/a', 'plant/a', 'plant/b', 'plant/a']) broker.engine.publish({ topic: t, payload: t, qos: 1 });
    await waitFor(() => got.length === 4, { what: 'four messages' });
    expect(got.map((m) => m.topic)).toEqual(['plant/a', 'plant/a', 'plant/b', 'plant/a']);
    expect(got.map((m) => Buffer.from(m.payload).toString())).toEqual(['plant/a', 'plant/a', 'plant/b', 'plant/a']);
    expect(got.map((m) => m.properties?.topicAlias)).toEqual([1, 1, 2, 1]);
  });
});
