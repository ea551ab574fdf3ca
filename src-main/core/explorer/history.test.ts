import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import type { ExplorerMessage } from './explorer-message';
import { MessageHistory } from './history';

function msg(receivedAt: number, size = 10, fill = 0, extra: Partial<ExplorerMessage> = {}): ExplorerMessage {
  return { topic: 't', payload: new Uint8Array(size).fill(fill), qos: 0, retain: false, receivedAt, ...extra };
}

describe('MessageHistory', () => {
  it('keeps entries oldest first with the time since the previous message', () => {
    const history = new MessageHistory();
    history.record(1, msg(1_000, 3, 1, { qos: 1, retain: true }));
    history.record(1, msg(1_250, 3, 2, { dup: true }));
    history.record(1, msg(1_900, 3, 3));
    const entries = history.entries(1);
    expect(entries.map((e) => e.receivedAt)).toEqual([1_000, 1_250, 1_900]);
    expect(entries.map((e) => e.deltaMs)).toEqual([null, 250, 650]);
    expect(entries.map((e) => e.payload[0])).toEqual([1, 2, 3]);
    expect(entries[0]).toMatchObject({ qos: 1, retain: true, dup: false });
    expect(entries[1]).toMatchObject({ qos: 0, retain: false, dup: true });
    expect(history.entries(1, 2).map((e) => e.receivedAt)).toEqual([1_250, 1_900]);
  });

  it('gives every entry its own properties back, a topic alias alone included (kept in a column, not an object)', () => {
    const history = new MessageHistory({ maxPerTopic: 3 });
    history.record(1, msg(1, 3, 1, { properties: { topicAlias: 7 } }));
    history.record(1, msg(2, 3, 2, { properties: { topicAlias: 8, contentType: 'text/plain' } }));
    history.record(1, msg(3, 3, 3));
    history.record(1, msg(4, 3, 4, { properties: { topicAlias: 65_535 } }));
    expect(history.entries(1).map((e) => e.properties)).toEqual([{ topicAlias: 8, contentType: 'text/plain' }, undefined, { topicAlias: 65_535 }]);
  });

  it('rolls the oldest entry off a topic ring at its cap and counts it', () => {
    const history = new MessageHistory({ maxPerTopic: 5 });
    for (let i = 0; i < 12; i++) history.record(7, msg(i, 4, i));
    expect(history.size(7)).toBe(5);
    expect(history.entries(7).map((e) => e.payload[0])).toEqual([7, 8, 9, 10, 11]);
    expect(history.stats()).toMatchObject({ entries: 5, droppedByTopicCap: 7, evictedByBudget: 0 });
  });

  it('evicts the globally oldest entries across topics when over budget and counts them', () => {
    // Each 100-byte payload takes a 128-byte slot plus 48 bytes of bookkeeping: 176 bytes.
    const history = new MessageHistory({ budgetBytes: 176 * 10, maxPerTopic: 100 });
    history.record(1, msg(1, 100));
    history.record(2, msg(2, 100));
    for (let i = 0; i < 9; i++) history.record(3, msg(10 + i, 100));
    const stats = history.stats();
    expect(stats.entries).toBe(10);
    expect(stats.evictedByBudget).toBe(1);
    expect(stats.usedBytes).toBeLessThanOrEqual(stats.budgetBytes);
    expect(history.size(1)).toBe(0);
    expect(history.size(2)).toBe(1);
    expect(history.size(3)).toBe(9);

    history.record(3, msg(30, 100));
    expect(history.size(2)).toBe(0);
    expect(history.stats().evictedByBudget).toBe(2);
  });

  it('stays exact when entries rolled off by the topic cap are later reached by budget eviction', () => {
    const history = new MessageHistory({ budgetBytes: 176 * 6, maxPerTopic: 3 });
    for (let i = 0; i < 5; i++) history.record(1, msg(i, 100, i)); // 2 roll off topic 1
    history.record(2, msg(10, 100, 20));
    history.record(2, msg(11, 100, 21));
    history.record(2, msg(12, 100, 22));
    expect(history.stats()).toMatchObject({ entries: 6, evictedByBudget: 0, droppedByTopicCap: 2 });
    history.record(3, msg(20, 100, 30));
    // Oldest live entry is topic 1's payload 2; the dead queue slots before it are skipped.
    expect(history.entries(1).map((e) => e.payload[0])).toEqual([3, 4]);
    expect(history.stats()).toMatchObject({ entries: 6, evictedByBudget: 1 });
  });

  it('evicts the right entries after many roll-offs have been compacted out of the queue', () => {
    const history = new MessageHistory({ maxPerTopic: 10 });
    for (let i = 0; i < 100_000; i++) history.record(i % 3, msg(i, 8));
    expect(history.stats().entries).toBe(30);
    expect(history.stats().droppedByTopicCap).toBe(100_000 - 30);
    history.setBudget(64 * 3);
    expect(history.stats().entries).toBe(3);
    expect(history.entries(0).map((e) => e.receivedAt)).toEqual([99_999]);
  });

  it('shrinking the budget evicts at once', () => {
    const history = new MessageHistory();
    for (let i = 0; i < 100; i++) history.record(i, msg(i, 100));
    history.setBudget(176 * 40);
    expect(history.stats()).toMatchObject({ entries: 40, evictedByBudget: 60 });
    expect(history.size(59)).toBe(0);
    expect(history.size(60)).toBe(1);
  });

  it('holds payloads larger than the biggest slab class', () => {
    const history = new MessageHistory();
    const big = new Uint8Array(100_000).map((_, i) => i % 251);
    history.record(1, { topic: 'b', payload: big, qos: 0, retain: false, receivedAt: 1 });
    const [entry] = history.entries(1);
    expect(entry!.payload.length).toBe(100_000);
    expect(entry!.payload[99_999]).toBe(99_999 % 251);
    expect(history.stats().usedBytes).toBe(100_000 + 48);
  });

  it('visits payloads without copying them and forgets a topic on request', () => {
    const history = new MessageHistory();
    history.record(4, msg(1, 2, 5));
    history.record(4, msg(2, 2, 6));
    const seen: number[] = [];
    history.forEach(4, (payload, t) => seen.push(payload[0]! * 100 + t));
    expect(seen).toEqual([501, 602]);
    history.clearTopic(4);
    expect(history.size(4)).toBe(0);
    expect(history.stats().usedBytes).toBe(0);
  });

  it('keeps each entry its own MQTT 5 properties, not only the last message', () => {
    const history = new MessageHistory();
    const socketChunk = new Uint8Array([9, 8, 7, 6]);
    history.record(1, msg(1, 4, 1, { properties: { contentType: 'application/json', userProperties: [['site', 'north']], correlationData: socketChunk.subarray(1, 3) } }));
    history.record(1, msg(2, 4, 2));
    history.record(1, msg(3, 4, 3, { properties: { responseTopic: 'reply/here', messageExpiryInterval: 60, payloadFormatIndicator: true } }));
    socketChunk.fill(0); // the connection reuses its buffer; the history must have copied
    const [first, second, third] = history.entries(1);
    expect(first!.properties).toEqual({ contentType: 'application/json', userProperties: [['site', 'north']], correlationData: new Uint8Array([8, 7]) });
    expect(second!.properties).toBeUndefined();
    expect(third!.properties).toEqual({ responseTopic: 'reply/here', messageExpiryInterval: 60, payloadFormatIndicator: true });
  });

  it('counts properties against the budget and forgets them with their entry when a slot is reused', () => {
    const history = new MessageHistory({ maxPerTopic: 2 });
    history.record(1, msg(1, 4));
    const plain = history.stats().usedBytes;
    history.record(2, msg(1, 4, 0, { properties: { userProperties: [['k'.repeat(100), 'v'.repeat(100)]] } }));
    expect(history.stats().usedBytes - plain).toBeGreaterThan(plain + 400);
    // Topic 2's ring rolls over: the slot of its first entry is reused by a message without properties.
    history.record(2, msg(2, 4));
    history.record(2, msg(3, 4));
    expect(history.entries(2).map((e) => e.properties)).toEqual([undefined, undefined]);
    expect(history.stats().usedBytes).toBe(3 * plain);
    history.record(3, msg(4, 4));
    expect(history.entries(3)[0]!.properties).toBeUndefined();
  });

  it('keeps per-topic bookkeeping small enough for hundreds of thousands of topics', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    gc();
    const before = process.memoryUsage().rss;
    const history = new MessageHistory();
    const payload = new Uint8Array(100);
    for (let key = 0; key < 300_000; key++) history.record(key, { topic: 't', payload, qos: 0, retain: false, receivedAt: key });
    gc();
    const grownMb = (process.memoryUsage().rss - before) / 2 ** 20;
    // Measured: about 80 MB (128 B payload slots plus pooled entry arrays). A ring of small
    // typed arrays per topic measured 376 MB here.
    expect(grownMb).toBeLessThan(200);
    expect(history.stats()).toMatchObject({ entries: 300_000, topics: 300_000 });
    expect(history.entries(299_999)[0]!.receivedAt).toBe(299_999);
  });
});
