import mqtt from 'mqtt';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ConnectionId } from '../../../shared/ipc/common';
import type { Frame } from '../../../shared/ipc/wire';
import { startCoreHarness, type CoreHarness, type WireKind } from '../../test-support/core-harness';
import { failureOf } from '../../test-support/failure-of';
import { startMosquitto, type Mosquitto } from '../../test-support/mosquitto';
import { waitFor } from '../../test-support/wait-for';

let broker: Mosquitto;
beforeAll(async () => {
  broker = await startMosquitto();
});
afterAll(async () => {
  await broker.stop();
});

describe.each<WireKind>(['memory', 'websocket'])('the contract over the %s wire', (kind) => {
  let h: CoreHarness;
  beforeEach(async () => {
    h = await startCoreHarness(kind);
  });
  afterEach(async () => {
    await h.close();
  });

  it('answers a malformed argument with VALIDATION_ERROR naming the field, and keeps serving', async () => {
    const call = h.client.invoke as (method: string, arg: unknown) => Promise<unknown>;
    const missing = await failureOf(call('connections.connect', {}));
    expect(missing.code).toBe('VALIDATION_ERROR');
    expect(missing.message).toBe('A broker URL is required.');
    expect((await failureOf(call('connections.connect', null))).code).toBe('VALIDATION_ERROR');
    expect((await failureOf(call('connections.connect', 'mqtt://x'))).code).toBe('VALIDATION_ERROR');
    const extra = await failureOf(call('connections.connect', { url: 'mqtt://x', evil: true }));
    expect(extra.code).toBe('VALIDATION_ERROR');
    expect((await failureOf(call('explorer.listRows', { connectionId: 'x', start: -1, count: 10, expanded: [] }))).code).toBe('VALIDATION_ERROR');
    expect(await h.client.invoke('connections.list', {})).toEqual([]);
  });

  it('refuses an unknown request by name', async () => {
    const call = h.client.invoke as (method: string, arg: unknown) => Promise<unknown>;
    const error = await failureOf(call('fs.readFile', { path: '/etc/passwd' }));
    expect(error.code).toBe('UNKNOWN_METHOD');
  });

  it('gives a bad broker URL, QoS 3 and a wildcard topic their own codes and sentences', async () => {
    const badUrl = await failureOf(h.client.invoke('connections.connect', { url: 'localhost:1883' }));
    expect(badUrl).toMatchObject({ code: 'VALIDATION_ERROR' });
    expect(badUrl.message).toMatch(/no scheme/);
    const id = 'c1' as ConnectionId;
    const qos = await failureOf(h.client.invoke('publish.send', { connectionId: id, topic: 'a', qos: 3 }));
    expect(qos.code).toBe('QOS_ERROR');
    expect(qos.message).toMatch(/QoS must be 0/);
    const topic = await failureOf(h.client.invoke('publish.send', { connectionId: id, topic: 'a/#' }));
    expect(topic.code).toBe('TOPIC_ERROR');
    expect(topic.message).toMatch(/wildcards/);
    const missing = await failureOf(h.client.invoke('publish.send', { connectionId: id, topic: 'a' }));
    expect(missing.code).toBe('NOT_FOUND');
  });

  it('reports a refused connection as CONNECTION_FAILED data', async () => {
    const error = await failureOf(h.client.invoke('connections.connect', { url: 'mqtt://127.0.0.1:1', connectTimeoutMs: 2000 }));
    expect(error.code).toBe('CONNECTION_FAILED');
    expect(error.message).toMatch(/Connection refused by 127\.0\.0\.1:1/);
  });

  it('streams a watched topic in batches, many messages per frame, payloads as bytes', async () => {
    const info = await h.client.invoke('connections.connect', { url: broker.url });
    expect(info.state).toBe('connected');
    await h.client.invoke('explorer.watch', { connectionId: info.connectionId, topic: 'flood/a' });
    const outside = await mqtt.connectAsync(broker.url);
    const total = 2000;
    for (let i = 0; i < total; i++) outside.publish('flood/a', Buffer.from([i & 0xff, 0xfe]));
    await outside.endAsync();

    const batches = (): Extract<Frame, { kind: 'event' }>[] =>
      h.received.filter((f): f is Extract<Frame, { kind: 'event' }> => f.kind === 'event' && f.name === 'explorer.messagesReceived');
    const count = (): number => batches().reduce((n, f) => n + (f.payload as { messages: unknown[] }).messages.length, 0);
    await waitFor(() => count() === total, { what: `${total} streamed messages` });
    expect(batches().length).toBeLessThan(total / 20);
    const first = (batches()[0]?.payload as { messages: { payload: unknown }[] }).messages[0];
    expect(first?.payload).toBeInstanceOf(Uint8Array);
    expect(Array.from(first?.payload as Uint8Array)).toEqual([0, 0xfe]);

    await waitFor(async () => (await h.client.invoke('explorer.getTopic', { connectionId: info.connectionId, topic: 'flood/a' })).messageCount === total);
  });
});
