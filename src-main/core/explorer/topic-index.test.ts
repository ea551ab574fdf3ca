import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import type { ExplorerMessage } from './explorer-message';
import { MAX_TOPIC_LEVELS, ROOT_NODE, TopicIndex } from './topic-index';

const text = new TextEncoder();

function msg(topic: string, payload: string | Uint8Array, extra: Partial<ExplorerMessage> = {}): ExplorerMessage {
  return {
    topic,
    payload: typeof payload === 'string' ? text.encode(payload) : payload,
    qos: 0,
    retain: false,
    receivedAt: 1_000,
    ...extra,
  };
}

describe('TopicIndex', () => {
  it('gives the last message its properties back, a topic alias alone included, and none once a message has none', () => {
    const index = new TopicIndex();
    index.ingest(msg('a/b', '1', { properties: { topicAlias: 3 } }));
    expect(index.lastMessage('a/b')?.properties).toEqual({ topicAlias: 3 });
    index.ingest(msg('a/b', '2', { properties: { topicAlias: 3, userProperties: [['k', 'v']] } }));
    expect(index.lastMessage('a/b')?.properties).toEqual({ topicAlias: 3, userProperties: [['k', 'v']] });
    index.ingest(msg('a/b', '3'));
    expect(index.lastMessage('a/b')?.properties).toBeUndefined();
    index.ingest(msg('a/b', '4', { properties: { topicAlias: 4 } }));
    expect(index.lastMessage('a/b')?.properties).toEqual({ topicAlias: 4 });
  });

  it('counts own and subtree messages and subtopics along the path', () => {
    const index = new TopicIndex();
    index.ingest(msg('home/kitchen/temp', '21'));
    index.ingest(msg('home/kitchen/temp', '22'));
    index.ingest(msg('home/kitchen/humidity', '40'));
    index.ingest(msg('home', 'root value'));

    expect(index.topicCount).toBe(3);
    expect(index.messageCount).toBe(4);
    const home = index.info('home')!;
    expect(home.messageCount).toBe(1);
    expect(home.subtreeMessageCount).toBe(4);
    expect(home.subtopicCount).toBe(2);
    const kitchen = index.info('home/kitchen')!;
    expect(kitchen.hasMessage).toBe(false);
    expect(kitchen.messageCount).toBe(0);
    expect(kitchen.subtreeMessageCount).toBe(3);
    expect(kitchen.subtopicCount).toBe(2);
    expect(kitchen.childCount).toBe(2);
    expect(index.info('home/kitchen/temp')!.messageCount).toBe(2);
    expect(new TextDecoder().decode(index.lastMessage('home/kitchen/temp')!.payload)).toBe('22');
  });

  it('treats empty levels as real levels', () => {
    const index = new TopicIndex();
    index.ingest(msg('/a', '1'));
    index.ingest(msg('a//b', '2'));
    index.ingest(msg('a/', '3'));

    const empty = index.info('')!;
    expect(empty.name).toBe('');
    expect(empty.level).toBe(1);
    expect(index.info('/a')!.level).toBe(2);
    expect(index.info('a/')!.name).toBe('');
    expect(index.info('a//b')!.level).toBe(3);
    expect(index.info('a')!.subtopicCount).toBe(2);
    expect(index.childrenOf(ROOT_NODE).map((id) => index.pathOf(id)).sort()).toEqual(['', 'a']);
    expect(index.topicCount).toBe(3);
  });

  it('keeps levels past the 256th in the last level, so a hostile topic stays cheap', () => {
    const index = new TopicIndex();
    const topic = Array.from({ length: 30_000 }, (_, i) => `l${i}`).join('/');
    index.ingest(msg(topic, 'deep'));
    const info = index.info(topic)!;
    expect(info.level).toBe(MAX_TOPIC_LEVELS);
    expect(info.name.startsWith('l255/l256/')).toBe(true);
    expect(index.nodeCount).toBe(1 + MAX_TOPIC_LEVELS);
    index.ingest(msg(topic, 'again'));
    expect(index.info(topic)!.messageCount).toBe(2);
    expect(index.info('l0/l1')!.name).toBe('l1');
  });

  it('treats $SYS topics as ordinary topics', () => {
    const index = new TopicIndex();
    index.ingest(msg('$SYS/broker/uptime', '5 seconds'));
    expect(index.info('$SYS')!.subtopicCount).toBe(1);
  });

  it('keeps the whole last payload with no size cap', () => {
    const index = new TopicIndex();
    const big = new Uint8Array(3_000_000).map((_, i) => i & 0xff);
    index.ingest(msg('big', big));
    index.ingest(msg('small', 'x'));
    const stored = index.lastMessage('big')!.payload;
    expect(stored.length).toBe(big.length);
    expect(stored[2_999_999]).toBe(2_999_999 & 0xff);
  });

  it('keeps the last message fields including MQTT 5 properties', () => {
    const index = new TopicIndex();
    const correlationData = new Uint8Array([1, 2, 3]);
    index.ingest(
      msg('dev/1', 'on', {
        qos: 2,
        retain: true,
        dup: true,
        receivedAt: 5_000,
        properties: { contentType: 'text/plain', userProperties: [['k', 'v']], correlationData },
      }),
    );
    correlationData[0] = 9;
    const last = index.lastMessage('dev/1')!;
    expect(last).toMatchObject({ topic: 'dev/1', qos: 2, retain: true, dup: true, receivedAt: 5_000 });
    expect(last.properties?.contentType).toBe('text/plain');
    expect(last.properties?.userProperties).toEqual([['k', 'v']]);
    expect([...last.properties!.correlationData!]).toEqual([1, 2, 3]);

    index.ingest(msg('dev/1', 'off'));
    expect(index.lastMessage('dev/1')!.properties).toBeUndefined();
  });

  it('copies payloads so a reused input buffer does not change stored values', () => {
    const index = new TopicIndex();
    const buf = text.encode('abc');
    index.ingest(msg('t', buf));
    buf[0] = 0x7a;
    expect(new TextDecoder().decode(index.lastMessage('t')!.payload)).toBe('abc');
  });

  it('marks retained topics and clears the mark on an empty payload, retained or live', () => {
    const index = new TopicIndex();
    index.ingest(msg('r', 'v', { retain: true }));
    expect(index.info('r')!.retained).toBe(true);
    index.ingest(msg('r', 'live update'));
    expect(index.info('r')!.retained).toBe(true);
    index.ingest(msg('r', '', { retain: true }));
    expect(index.info('r')!.retained).toBe(false);
    expect(index.lastMessage('r')!.payload.length).toBe(0);
    index.ingest(msg('r', 'again', { retain: true }));
    index.ingest(msg('r', ''));
    expect(index.info('r')!.retained).toBe(false);
  });

  it('advances the version and per-node sequence numbers on each message', () => {
    const index = new TopicIndex();
    const v0 = index.version;
    index.ingest(msg('a/b', '1', { receivedAt: 10 }));
    index.ingest(msg('a/c', '1', { receivedAt: 20 }));
    expect(index.version).toBe(v0 + 2);
    expect(index.info('a/b')!.seq).toBe(v0 + 1);
    expect(index.info('a')!.subtreeSeq).toBe(v0 + 2);
    expect(index.info('a')!.subtreeLastReceivedAt).toBe(20);
    expect(index.info('a/b')!.lastReceivedAt).toBe(10);
  });

  it('counts a burst of known size exactly', () => {
    const index = new TopicIndex();
    const payload = new Uint8Array(100);
    for (let i = 0; i < 200_000; i++) {
      index.ingest({ topic: `plant/line${i % 10}/sensor${i % 1000}`, payload, qos: 0, retain: false, receivedAt: i });
    }
    expect(index.messageCount).toBe(200_000);
    expect(index.topicCount).toBe(1_000);
    expect(index.info('plant')!.subtopicCount).toBe(1_000);
    expect(index.info('plant/line3')!.subtreeMessageCount).toBe(20_000);
    expect(index.info('plant/line3/sensor3')!.messageCount).toBe(200);
  });

  it('forgets everything on clear but keeps versions moving forward', () => {
    const index = new TopicIndex();
    index.ingest(msg('a', '1'));
    const before = index.version;
    index.clear();
    expect(index.topicCount).toBe(0);
    expect(index.info('a')).toBeUndefined();
    expect(index.version).toBeGreaterThan(before);
    index.ingest(msg('a', '2'));
    expect(index.info('a')!.messageCount).toBe(1);
  });

  it('holds one million distinct topics with 100-byte payloads in bounded memory', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    gc();
    const baseline = process.memoryUsage();
    const index = new TopicIndex();
    const payload = new Uint8Array(100).fill(65);
    const started = performance.now();
    for (let i = 0; i < 1_000_000; i++) {
      index.ingest({ topic: `site/${i % 100}/dev${i}`, payload, qos: 0, retain: false, receivedAt: i });
    }
    const ms = performance.now() - started;
    gc();
    const after = process.memoryUsage();
    const rssMb = (after.rss - baseline.rss) / 2 ** 20;
    const heapMb = (after.heapUsed - baseline.heapUsed) / 2 ** 20;
    const bufMb = (after.arrayBuffers - baseline.arrayBuffers) / 2 ** 20;
    console.log(
      `1M topics: ingest ${ms.toFixed(0)} ms; +rss ${rssMb.toFixed(0)} MB, +heap ${heapMb.toFixed(0)} MB, +arrayBuffers ${bufMb.toFixed(0)} MB`,
    );
    expect(index.topicCount).toBe(1_000_000);
    expect(index.info('site')!.subtopicCount).toBe(1_000_000);
    expect(index.info('site/7')!.subtopicCount).toBe(10_000);
    expect(index.messageCount).toBe(1_000_000);
    // Generous ceiling so a regression to one object per node and payload shows up.
    expect(index.nodeCount).toBe(1_000_102);
    expect(after.heapUsed + after.arrayBuffers - baseline.heapUsed - baseline.arrayBuffers).toBeLessThan(500 * 2 ** 20);
  }, 180_000);
});
