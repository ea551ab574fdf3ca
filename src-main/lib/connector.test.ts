import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageView } from '../../shared/ipc/common';
import { waitFor } from '../test-support/wait-for';
import { CapabilityError, createBroker, createConnector, type Connector, type EmbeddedBroker } from './index';

async function failure(p: Promise<unknown>): Promise<ReturnType<CapabilityError['toJSON']>> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(CapabilityError);
  return (e as CapabilityError).toJSON();
}

describe('the connector capabilities', () => {
  let broker: EmbeddedBroker;
  let connector: Connector;
  beforeAll(async () => {
    broker = await createBroker({ allowAnonymous: true });
    connector = createConnector({ url: broker.url, protocolVersion: 5, capabilities: { disabled: ['mqtt:history'] } });
  });
  afterAll(async () => {
    await connector.close();
    await broker.stop();
  });

  it('connects, subscribes, publishes JSON objects as application/json, and emits the events', async () => {
    const events: string[] = [];
    const received: MessageView[] = [];
    connector.on('connected', () => events.push('connected'));
    connector.on('message-received', (m) => received.push(m));
    connector.on('message-published', (a) => events.push(`published ${a.topic}`));
    const info = (await connector.execute('mqtt:connection', 'connect')) as { state: string };
    expect(info.state).toBe('connected');
    expect(events).toEqual(['connected']);
    const sub = await connector.execute('mqtt:subscribe', 'subscribe', { topics: ['cap/#'], qos: 1 });
    expect(sub).toEqual({ granted: [{ filter: 'cap/#', ok: true, reasonCode: 1 }] });
    const ack = await connector.execute('mqtt:publish', 'write', { topic: 'cap/json', payload: { on: true }, qos: 1 });
    expect(ack).toMatchObject({ ack: 'PUBACK', reasonCode: 0 });
    await waitFor(() => received.length === 1, { what: 'the message' });
    expect(received[0]!.properties?.contentType).toBe('application/json');
    expect(JSON.parse(Buffer.from(received[0]!.payload).toString())).toEqual({ on: true });
    expect(events).toContain('published cap/json');
    expect(((await connector.execute('mqtt:connection', 'status')) as { state: string }).state).toBe('connected');
  });

  it('lists the topics seen under a pattern with counts, creates a retained placeholder and deletes it', async () => {
    await connector.execute('mqtt:subscribe', 'subscribe', { topic: 'tree/#', qos: 1 });
    for (const t of ['tree/a', 'tree/a', 'tree/b/c']) await connector.execute('mqtt:publish', 'write', { topic: t, payload: 'v', qos: 1 });
    await waitFor(async () => ((await connector.execute('mqtt:topics', 'list', { pattern: 'tree/#' })) as { total: number }).total === 2, { what: 'two topics' });
    const list = (await connector.execute('mqtt:topics', 'list', { pattern: 'tree/#' })) as { topics: { topic: string; count: number }[] };
    expect(list.topics.map((t) => [t.topic, t.count])).toEqual([
      ['tree/a', 2],
      ['tree/b/c', 1],
    ]);
    await connector.execute('mqtt:topics', 'create', { topic: 'tree/placeholder', payload: 'ready', properties: { contentType: 'text/plain' } });
    expect(broker.engine.listRetained().map((r) => r.topic)).toContain('tree/placeholder');
    await connector.execute('mqtt:topics', 'delete', { pattern: 'tree/placeholder' });
    await waitFor(() => !broker.engine.listRetained().some((r) => r.topic === 'tree/placeholder'), { what: 'the retained message cleared' });
  });

  it('answers bad arguments and refusals with the contract codes as { error, message, details }', async () => {
    const publishErrors: string[] = [];
    connector.on('publish-error', (e) => publishErrors.push(e.error));
    expect(await failure(connector.execute('mqtt:publish', 'write', { topic: 'a/+', payload: 'x' }))).toMatchObject({ error: 'TOPIC_ERROR', details: { issues: [{ path: 'topic' }] } });
    expect((await failure(connector.execute('mqtt:publish', 'write', { topic: 'a', qos: 3 }))).error).toBe('QOS_ERROR');
    expect((await failure(connector.execute('mqtt:publish', 'fly', {}))).error).toBe('UNKNOWN_METHOD');
    expect((await failure(connector.execute('mqtt:nothing', 'x'))).error).toBe('UNKNOWN_METHOD');
    expect((await failure(connector.execute('mqtt:topics', 'delete', { pattern: 'tree/#' }))).error).toBe('TOPIC_ERROR');
    const disabled = await failure(connector.execute('mqtt:history', 'read', { topic: 'a' }));
    expect(disabled).toEqual({
      error: 'CAPABILITY_DISABLED',
      message: 'The capability "mqtt:history" is disabled in this connector\'s configuration (capabilities.disabled).',
      details: { capability: 'mqtt:history' },
    });
    // Refusals that reach the broker (here a publish the ACL forbids) come back as publish-error events too.
    broker.engine.setAclRules([{ scope: 'anonymous', access: 'read', topic: '#' }]);
    try {
      const refused = await failure(connector.execute('mqtt:publish', 'write', { topic: 'cap/denied', payload: 'x', qos: 1 }));
      expect(refused.error).toBe('PUBLISH_FAILED');
      expect(refused.details).toMatchObject({ reasonCode: 0x87 });
      expect(publishErrors).toContain('PUBLISH_FAILED');
    } finally {
      broker.engine.setAclRules([]);
    }
  });

  it('answers mqtt:history with NOT_AVAILABLE while no history store exists, and a failed connect with CONNECTION_FAILED', async () => {
    const other = createConnector({ url: broker.url });
    try {
      expect((await failure(other.execute('mqtt:history', 'read', {}))).error).toBe('NOT_AVAILABLE');
    } finally {
      await other.close();
    }
    const dead = createConnector({ url: 'mqtt://127.0.0.1:1', connectTimeoutMs: 1000 });
    expect((await failure(dead.execute('mqtt:connection', 'connect'))).error).toBe('CONNECTION_FAILED');
  });
});
