import type { Packet } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { PacketLog } from './packet-log';

const publish = (topic: string, messageId?: number): Packet => ({
  cmd: 'publish',
  topic,
  payload: Buffer.from('abc'),
  qos: messageId === undefined ? 0 : 1,
  retain: false,
  dup: false,
  ...(messageId !== undefined ? { messageId } : {}),
});

describe('packet log', () => {
  it('keeps only the newest entries and counts what it dropped', () => {
    const log = new PacketLog(3);
    for (let i = 1; i <= 5; i++) log.record('out', publish(`t/${i}`), i);
    const page = log.page({ offset: 0, limit: 10 });
    expect(page.entries.map((e) => e.topic)).toEqual(['t/3', 't/4', 't/5']);
    expect(page.entries.map((e) => e.seq)).toEqual([3, 4, 5]);
    expect(page).toMatchObject({ total: 3, matched: 3, dropped: 2 });
  });

  it('logs a PUBLISH with its id, topic, flags and payload size, as one JSON line in field order', () => {
    const log = new PacketLog();
    log.record('in', publish('a/b', 7), 1000);
    log.record('in', publish('a/c'), 1001);
    log.record('in', { ...publish('a/d'), properties: { contentType: 'text/plain' } } as Packet, 1002);
    expect(log.exportJsonLines().trim().split('\n')).toEqual([
      '{"seq":1,"time":1000,"direction":"in","type":"publish","packetId":7,"topic":"a/b","qos":1,"retain":false,"dup":false,"payloadSize":3}',
      '{"seq":2,"time":1001,"direction":"in","type":"publish","topic":"a/c","qos":0,"retain":false,"dup":false,"payloadSize":3}',
      '{"seq":3,"time":1002,"direction":"in","type":"publish","topic":"a/d","qos":0,"retain":false,"dup":false,"payloadSize":3,"properties":{"contentType":"text/plain"}}',
    ]);
  });

  it('logs a PUBLISH whose only property is a Topic Alias with that property, like any other, and finds it by text', () => {
    const log = new PacketLog(3);
    log.record('in', { ...publish('a/b', 7), properties: { topicAlias: 3 } } as Packet, 1000);
    log.record('in', { ...publish(''), properties: { topicAlias: 3 } } as Packet, 1001);
    log.record('in', { ...publish('a/c'), properties: { topicAlias: 4, contentType: 'text/plain' } } as Packet, 1002);
    log.record('in', { ...publish('a/d'), properties: { topicAlias: undefined } } as Packet, 1003);
    expect(log.exportJsonLines().trim().split('\n')).toEqual([
      '{"seq":2,"time":1001,"direction":"in","type":"publish","topic":"","qos":0,"retain":false,"dup":false,"payloadSize":3,"properties":{"topicAlias":3}}',
      '{"seq":3,"time":1002,"direction":"in","type":"publish","topic":"a/c","qos":0,"retain":false,"dup":false,"payloadSize":3,"properties":{"topicAlias":4,"contentType":"text/plain"}}',
      '{"seq":4,"time":1003,"direction":"in","type":"publish","topic":"a/d","qos":0,"retain":false,"dup":false,"payloadSize":3}',
    ]);
    expect(log.page({ text: '"topicAlias":3', offset: 0, limit: 10 }).entries.map((e) => e.seq)).toEqual([2]);
    expect(log.page({ text: 'topicalias', offset: 0, limit: 10 }).matched).toBe(2);
    log.record('out', { ...publish('a/e', 65_535), retain: true, properties: { topicAlias: 65_535 } } as Packet, 1004);
    expect(log.page({ direction: 'out', offset: 0, limit: 10 }).entries).toEqual([
      { seq: 5, time: 1004, direction: 'out', type: 'publish', packetId: 65_535, topic: 'a/e', qos: 1, retain: true, dup: false, payloadSize: 3, properties: { topicAlias: 65_535 } },
    ]);
  });

  it('filters by type, direction and text, then windows by offset and limit', () => {
    const log = new PacketLog();
    log.record('out', publish('a/one', 1));
    log.record('in', { cmd: 'puback', messageId: 1 } as Packet);
    log.record('in', publish('b/two'));
    log.record('out', { cmd: 'pingreq' } as Packet);
    expect(log.page({ types: ['publish'], offset: 0, limit: 10 }).matched).toBe(2);
    expect(log.page({ direction: 'in', offset: 0, limit: 10 }).entries.map((e) => e.type)).toEqual(['puback', 'publish']);
    expect(log.page({ text: 'B/TWO', offset: 0, limit: 10 }).entries.map((e) => e.topic)).toEqual(['b/two']);
    expect(log.page({ offset: 1, limit: 2 }).entries.map((e) => e.type)).toEqual(['puback', 'publish']);
  });

  it('never records a CONNECT password, and writes binary properties as hex', () => {
    const log = new PacketLog();
    log.record('out', {
      cmd: 'connect',
      clientId: 'c1',
      protocolVersion: 5,
      clean: true,
      keepalive: 60,
      username: 'u',
      password: Buffer.from('hunter2'),
      properties: { authenticationData: Buffer.from([0xde, 0xad]) },
    } as Packet);
    const exported = log.exportJsonLines();
    expect(exported).not.toContain('hunter2');
    const entry = JSON.parse(exported.trim()) as { properties: Record<string, unknown> };
    expect(entry.properties).toMatchObject({ clientId: 'c1', username: 'u', password: '(hidden)', authenticationData: 'dead' });
  });

  it('windows a wrapped log of PUBLISHes and other packets by offset and limit, with their sequence numbers and fields intact', () => {
    const log = new PacketLog(4);
    log.record('out', publish('t/1', 1), 1);
    log.record('in', { cmd: 'puback', messageId: 1 } as Packet, 2);
    log.record('in', { ...publish('t/3'), retain: true, dup: true } as Packet, 3);
    log.record('out', { cmd: 'pingreq' } as Packet, 4);
    log.record('in', publish('t/5', 9), 5);
    log.record('in', { ...publish('t/6', 65_535), qos: 2 } as Packet, 6);
    const page = log.page({ offset: 1, limit: 2 });
    expect(page).toMatchObject({ total: 4, matched: 4, dropped: 2 });
    expect(page.entries).toEqual([
      { seq: 4, time: 4, direction: 'out', type: 'pingreq' },
      { seq: 5, time: 5, direction: 'in', type: 'publish', packetId: 9, topic: 't/5', qos: 1, retain: false, dup: false, payloadSize: 3 },
    ]);
    expect(log.page({ types: ['publish'], direction: 'in', offset: 0, limit: 10 }).entries).toEqual([
      { seq: 3, time: 3, direction: 'in', type: 'publish', topic: 't/3', qos: 0, retain: true, dup: true, payloadSize: 3 },
      { seq: 5, time: 5, direction: 'in', type: 'publish', packetId: 9, topic: 't/5', qos: 1, retain: false, dup: false, payloadSize: 3 },
      { seq: 6, time: 6, direction: 'in', type: 'publish', packetId: 65_535, topic: 't/6', qos: 2, retain: false, dup: false, payloadSize: 3 },
    ]);
    expect(log.page({ text: 't/6', offset: 0, limit: 10 }).matched).toBe(1);
  });
});
