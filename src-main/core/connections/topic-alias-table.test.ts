import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { createBroker, type Broker } from '../broker';
import { createManagerHarness, type ManagerHarness } from '../../test-support/manager-harness';
import { waitFor } from '../../test-support/wait-for';
import { TopicAliasTable, useLeanTopicAliases } from './topic-alias-table';

let broker: Broker | undefined;
let h: ManagerHarness | undefined;
afterEach(async () => {
  await h?.close();
  await broker?.stop();
  h = undefined;
  broker = undefined;
});

describe('TopicAliasTable', () => {
  it('keeps the topic of each alias within the maximum, as MQTT.js does', () => {
    const t = new TopicAliasTable(2);
    expect(t.put('a', 1)).toBe(true);
    expect(t.put('b', 2)).toBe(true);
    expect(t.put('c', 3)).toBe(false);
    expect(t.put('c', 0)).toBe(false);
    expect(t.put('c', 1)).toBe(true);
    expect([t.getTopicByAlias(1), t.getTopicByAlias(2), t.getTopicByAlias(3)]).toEqual(['c', 'b', undefined]);
    t.clear();
    expect(t.getTopicByAlias(2)).toBeUndefined();
  });

  it("replaces an MQTT.js client's table before it connects, with the maximum its CONNECT advertises", () => {
    const client = mqtt.connect('mqtt://127.0.0.1:1', { manualConnect: true, protocolVersion: 5, properties: { topicAliasMaximum: 7 } });
    useLeanTopicAliases(client);
    const table = (client as unknown as { topicAliasRecv: unknown }).topicAliasRecv;
    expect(table).toBeInstanceOf(TopicAliasTable);
    expect((table as TopicAliasTable).max).toBe(7);
  });

  it('resolves every aliased message at each QoS while a broker passes few aliases among many topics', async () => {
    broker = createBroker({ sysInterval: 0, listeners: [{ kind: 'tcp', port: 0 }] });
    const port = (await broker.start())[0]!.port;
    h = createManagerHarness();
    const info = await h.connect({ url: `mqtt://127.0.0.1:${port}`, protocolVersion: 5, properties: { topicAliasMaximum: 3 }, subscriptions: [{ filter: 'alias/#', qos: 2 }] });
    const publisher = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { protocolVersion: 5 });
    const sent: string[] = [];
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 12; i++) {
        const topic = `alias/t${i}`;
        sent.push(`${topic}=${round}`);
        await publisher.publishAsync(topic, String(round), { qos: (i % 3) as 0 | 1 | 2 });
      }
    }
    await publisher.endAsync();
    const got = (): string[] => h!.received.filter((r) => r.connectionId === info.connectionId).map((r) => `${r.message.topic}=${Buffer.from(r.message.payload).toString()}`);
    await waitFor(() => got().length >= sent.length, { what: 'every aliased message' });
    expect([...got()].sort()).toEqual([...sent].sort());
    // The broker did use aliases (three for twelve topics), so the messages above went through the table.
    const aliased = h.manager.packetLog(info.connectionId, { types: ['publish'], direction: 'in', offset: 0, limit: 100 }).entries.filter((e) => e.properties?.topicAlias !== undefined);
    expect(aliased.length).toBeGreaterThan(0);
  });
});
