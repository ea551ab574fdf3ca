import { describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { mqttClient } from '../../../test-support/conformance/clients';
import { RawClient, type ReceivedPacket } from '../../../test-support/conformance/raw-client';
import { isMosquitto, startTarget, type Target } from '../../../test-support/conformance/target';
import { useTarget } from '../../../test-support/conformance/suite';

const suite = useTarget();
const { raws, clients } = suite;

let n = 0;
const uid = (p: string): string => `${p}-${process.pid}-${++n}`;

async function raw(connect: Record<string, unknown> = {}, on: Target = suite.target): Promise<{ c: RawClient; connack: ReceivedPacket }> {
  const { client, connack } = await RawClient.connected(on.port, 5, { clientId: uid('x'), ...connect });
  raws.push(client);
  return { c: client, connack };
}

async function publisher(on: Target = suite.target): Promise<MqttClient> {
  const c = await mqttClient(on, { protocolVersion: 5 });
  clients.push(c);
  return c;
}

/** Subscribes a raw v5 client to `prefix/#` at QoS 1. */
async function subscriber(prefix: string, connectProperties: Record<string, unknown>, on: Target = suite.target): Promise<RawClient> {
  const { c } = await raw({ properties: connectProperties }, on);
  c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: `${prefix}/#`, qos: 1 }] });
  await c.next('suback');
  return c;
}

/** Publishes to each topic in turn (alternating QoS 0 and 1, one at a time so the order holds). */
async function publishInOrder(pub: MqttClient, topics: readonly string[]): Promise<void> {
  for (const [i, t] of topics.entries()) await pub.publishAsync(t, `m${i}`, { qos: i % 2 === 0 ? 0 : 1 });
}

/** Reads `count` PUBLISH packets, acknowledging QoS 1 ones. */
async function receive(c: RawClient, count: number): Promise<ReceivedPacket[]> {
  const out: ReceivedPacket[] = [];
  for (let i = 0; i < count; i++) {
    const p = await c.next('publish');
    if (p.qos === 1) c.send({ cmd: 'puback', messageId: p.messageId });
    out.push(p);
  }
  return out;
}

/** What a client does with server aliases: learns alias -> topic and resolves alias-only packets. */
function resolveTopics(packets: readonly ReceivedPacket[]): string[] {
  const known = new Map<number, string>();
  return packets.map((p) => {
    const alias = p.properties?.topicAlias;
    if (alias === undefined) return p.topic!;
    if (p.topic) known.set(alias, p.topic);
    const topic = known.get(alias);
    if (topic === undefined) throw new Error(`alias ${alias} used before the server gave its topic`);
    return topic;
  });
}

describe('Topic aliases from the server', () => {
  it('[MQTT-3.1.2-26] [MQTT-3.3.2-11] [MQTT-3.3.2-8] never sends an alias above the client\'s Topic Alias Maximum or 0, and every topic resolves', async () => {
    const prefix = `alias/${uid('max')}`;
    const topics = ['a', 'b', 'c', 'c', 'a', 'b', 'a', 'd', 'a'].map((t) => `${prefix}/${t}`);
    const c = await subscriber(prefix, { topicAliasMaximum: 2 });
    await publishInOrder(await publisher(), topics);
    const got = await receive(c, topics.length);
    for (const p of got) {
      const alias = p.properties?.topicAlias;
      if (alias !== undefined) expect(alias).toBeGreaterThanOrEqual(1);
      if (alias !== undefined) expect(alias).toBeLessThanOrEqual(2);
    }
    expect(resolveTopics(got)).toEqual(topics);
    expect(got.map((p) => String(p.payload))).toEqual(topics.map((_, i) => `m${i}`));
  });

  it('[MQTT-3.1.2-27] sends no Topic Alias to a client that gave Topic Alias Maximum 0 or none', async () => {
    const prefix = `alias/${uid('none')}`;
    const topics = ['a', 'a', 'a', 'b', 'b'].map((t) => `${prefix}/${t}`);
    const zero = await subscriber(prefix, { topicAliasMaximum: 0 });
    const absent = await subscriber(prefix, {});
    await publishInOrder(await publisher(), topics);
    for (const c of [zero, absent]) {
      const got = await receive(c, topics.length);
      expect(got.map((p) => p.properties?.topicAlias)).toEqual(topics.map(() => undefined));
      expect(got.map((p) => p.topic)).toEqual(topics);
    }
  });

  it.skipIf(isMosquitto)('(section 3.3.2.3.4) reuses the alias of a topic already mapped, and when all are taken passes the least recently used one on only to a topic sent again soon (skipped on mosquitto 2.0: it sends no aliases)', async () => {
    const prefix = `alias/${uid('lru')}`;
    const t = (s: string): string => `${prefix}/${s}`;
    const c = await subscriber(prefix, { topicAliasMaximum: 2 });
    const topics = [t('a'), t('b'), t('a'), t('a'), t('a'), t('a'), t('a'), t('c'), t('c'), t('b')];
    await publishInOrder(await publisher(), topics);
    const got = await receive(c, topics.length);
    expect(got.map((p) => [p.topic, p.properties?.topicAlias])).toEqual([
      [t('a'), 1], // a -> 1
      [t('b'), 2], // b -> 2
      ['', 1], // reused: the topic is left out
      ['', 1],
      ['', 1],
      ['', 1],
      ['', 1],
      [t('c'), undefined], // full, and c was never sent before: it goes without an alias
      [t('c'), 2], // c again within 2 x 2 sends, and b unused for longer: c takes b's alias
      [t('b'), undefined], // full, and b was last sent more than 2 x 2 sends ago: it goes without an alias
    ]);
  });

  it.skipIf(isMosquitto)('(section 3.3.2.3.4) gives aliases to topics that come back soon, not to a flood of topics that do not (skipped on mosquitto 2.0: it sends no aliases)', async () => {
    const prefix = `alias/${uid('flood')}`;
    const hot = (i: number): string => `${prefix}/hot/${i}`;
    const cold = (i: number): string => `${prefix}/cold/${i}`;
    const c = await subscriber(prefix, { topicAliasMaximum: 5 });
    // Cold topics take all five aliases; then every other message is one of three hot topics, the others a new cold one.
    const topics = [0, 1, 2, 3, 4].map(cold);
    for (let k = 0; k < 40; k++) topics.push(hot(k % 3), cold(5 + k));
    await publishInOrder(await publisher(), topics);
    const got = await receive(c, topics.length);
    const expected: [string, number | undefined][] = [0, 1, 2, 3, 4].map((i) => [cold(i), i + 1]);
    for (let k = 0; k < 40; k++) {
      const h = k % 3;
      // A hot topic goes in full at first, takes the alias of the cold topic that has gone unused longest when it
      // comes back (6 sends later), and keeps it; no cold topic after the first five gets an alias.
      expected.push(k < 3 ? [hot(h), undefined] : k < 6 ? [hot(h), h + 1] : ['', h + 1], [cold(5 + k), undefined]);
    }
    expect(got.map((p) => [p.topic, p.properties?.topicAlias])).toEqual(expected);
    expect(resolveTopics(got)).toEqual(topics);
  });

  it.skipIf(isMosquitto)('(section 3.3.2.3.4) does not thrash when a client cycles through more topics than it has aliases (skipped on mosquitto 2.0: it sends no aliases)', async () => {
    const prefix = `alias/${uid('cycle')}`;
    const t = (s: string): string => `${prefix}/${s}`;
    const c = await subscriber(prefix, { topicAliasMaximum: 2 });
    const topics = [1, 2, 3].flatMap(() => [t('a'), t('b'), t('c')]);
    await publishInOrder(await publisher(), topics);
    const got = await receive(c, topics.length);
    expect(got.map((p) => [p.topic, p.properties?.topicAlias])).toEqual([
      [t('a'), 1],
      [t('b'), 2],
      [t('c'), undefined],
      ['', 1],
      ['', 2],
      [t('c'), undefined],
      ['', 1],
      ['', 2],
      [t('c'), undefined],
    ]);
  });

  it.skipIf(isMosquitto)('(section 3.3.2.3.4) gives a new subscription\'s retained messages only free aliases and takes none from a live topic (skipped on mosquitto 2.0: it sends no aliases)', async () => {
    const prefix = `alias/${uid('kept')}`;
    const kept = [1, 2, 3, 4, 5].map((i) => `${prefix}/kept/${i}`);
    const live = `${prefix}/live/a`;
    const pub = await publisher();
    for (const t of kept) await pub.publishAsync(t, `r-${t}`, { qos: 1, retain: true });
    try {
      const { c } = await raw({ properties: { topicAliasMaximum: 2 } });
      c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: `${prefix}/live/#`, qos: 1 }] });
      await c.next('suback');
      await pub.publishAsync(live, 'm0', { qos: 1 });
      const [first] = await receive(c, 1);
      expect([first!.topic, first!.properties?.topicAlias]).toEqual([live, 1]);
      c.send({ cmd: 'subscribe', messageId: 2, subscriptions: [{ topic: `${prefix}/kept/#`, qos: 1 }] });
      await c.next('suback');
      const retained = await receive(c, kept.length);
      await pub.publishAsync(live, 'm1', { qos: 1 });
      const [again] = await receive(c, 1);
      expect(retained.map((p) => [p.topic, p.properties?.topicAlias, p.retain, String(p.payload)])).toEqual([
        [kept[0], 2, true, `r-${kept[0]}`], // the one free alias
        ...kept.slice(1).map((t) => [t, undefined, true, `r-${t}`]), // none passed on, however long the live topic idles
      ]);
      expect([again!.topic, again!.properties?.topicAlias]).toEqual(['', 1]);
    } finally {
      for (const t of kept) await pub.publishAsync(t, '', { qos: 1, retain: true });
    }
  });

  it('[MQTT-3.3.2-7] starts afresh on a new network connection: the first message of a resumed session carries its topic', async () => {
    const prefix = `alias/${uid('fresh')}`;
    const cid = uid('fresh');
    const t = `${prefix}/a`;
    const props = { topicAliasMaximum: 3, sessionExpiryInterval: 60 };
    const { c: first } = await raw({ clientId: cid, clean: false, properties: props });
    first.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: `${prefix}/#`, qos: 1 }] });
    await first.next('suback');
    const pub = await publisher();
    await publishInOrder(pub, [t, t]);
    await receive(first, 2);
    first.send({ cmd: 'disconnect', reasonCode: 0 });
    await first.waitClosed();
    const { c: second } = await raw({ clientId: cid, clean: false, properties: props });
    await pub.publishAsync(t, 'again', { qos: 1 });
    const [p] = await receive(second, 1);
    expect(p!.topic).toBe(t);
  });

  it.skipIf(isMosquitto)('sends no aliases when the broker\'s option turns them off (embedded only)', async () => {
    const off = await startTarget({ sendTopicAliases: false });
    try {
      const prefix = `alias/${uid('off')}`;
      const c = await subscriber(prefix, { topicAliasMaximum: 5 }, off);
      const topics = [`${prefix}/a`, `${prefix}/a`];
      await publishInOrder(await publisher(off), topics);
      const got = await receive(c, 2);
      expect(got.map((p) => [p.topic, p.properties?.topicAlias])).toEqual(topics.map((x) => [x, undefined]));
    } finally {
      await off.stop();
    }
  });
});

describe('Response Information', () => {
  it('[MQTT-3.1.2-28] sends no Response Information to a client that did not ask for it', async () => {
    for (const properties of [{}, { requestResponseInformation: false }]) {
      const { connack } = await raw({ properties });
      expect(connack.reasonCode).toBe(0);
      expect(connack.properties?.responseInformation).toBeUndefined();
    }
  });

  it.skipIf(isMosquitto)('(section 3.2.2.3.15) gives a client that asks a response topic of its own, usable for request/response (skipped on mosquitto 2.0: it sends none)', async () => {
    const cid = uid('rri');
    const { c: requester, connack } = await raw({ clientId: cid, properties: { requestResponseInformation: true } });
    const info = connack.properties?.responseInformation;
    expect(info).toBe(`response/${cid}`);
    // The requester listens on a topic built on it and a responder answers there.
    const replyTopic = `${info}/reply`;
    requester.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: replyTopic, qos: 1 }] });
    await requester.next('suback');
    const responder = await publisher();
    await responder.publishAsync(replyTopic, 'answer', { qos: 1 });
    const reply = await requester.next('publish');
    expect(String(reply.payload)).toBe('answer');
  });

  it.skipIf(isMosquitto)('uses the configured prefix and keeps a client id\'s wildcards out of the topic (embedded only)', async () => {
    const custom = await startTarget({ responseTopicPrefix: 'replies/for/' });
    try {
      const { connack } = await raw({ clientId: 'odd/+#id', properties: { requestResponseInformation: true } }, custom);
      expect(connack.properties?.responseInformation).toBe('replies/for/odd%2F%2B%23id');
    } finally {
      await custom.stop();
    }
  });

  it.skipIf(isMosquitto)('gives none when the prefix is empty (turned off; embedded only)', async () => {
    const off = await startTarget({ responseTopicPrefix: '' });
    try {
      const { connack } = await raw({ properties: { requestResponseInformation: true } }, off);
      expect(connack.reasonCode).toBe(0);
      expect(connack.properties?.responseInformation).toBeUndefined();
    } finally {
      await off.stop();
    }
  });
});

// mosquitto 2.0 has no setting that sends clients elsewhere, so these run on the embedded broker only.
describe.skipIf(isMosquitto)('Server Reference: a broker that has moved (embedded only: mosquitto 2.0 has no such setting)', () => {
  it('(section 4.11) refuses CONNECT with 0x9C Use another server and the Server Reference', async () => {
    const moved = await startTarget({ moved: { serverReference: '127.0.0.1:1999' } });
    try {
      const { c, connack } = await raw({}, moved);
      expect(connack.reasonCode).toBe(0x9c);
      expect(connack.properties?.serverReference).toBe('127.0.0.1:1999');
      expect(await c.waitClosed()).toBe(true);
    } finally {
      await moved.stop();
    }
  });

  it('(section 4.11) refuses with 0x9D Server moved when the move is permanent, and a 3.1.1 client with "server unavailable"', async () => {
    const moved = await startTarget({ moved: { serverReference: 'elsewhere.example:8883', permanent: true } });
    try {
      const { connack } = await raw({}, moved);
      expect(connack.reasonCode).toBe(0x9d);
      expect(connack.properties?.serverReference).toBe('elsewhere.example:8883');
      const v4 = await RawClient.connected(moved.port, 4, { clientId: uid('v4') });
      raws.push(v4.client);
      expect(v4.connack.returnCode).toBe(3);
    } finally {
      await moved.stop();
    }
  });

  it('(section 4.11) disconnects connected v5 clients with the reason and the reference when the setting is turned on, and admits them again once it is off', async () => {
    const own = await startTarget();
    try {
      const { c } = await raw({}, own);
      own.broker!.setMoved({ serverReference: '127.0.0.1:2883 127.0.0.1:3883', permanent: true });
      const d = await c.next('disconnect');
      expect(d.reasonCode).toBe(0x9d);
      expect(d.properties?.serverReference).toBe('127.0.0.1:2883 127.0.0.1:3883');
      expect(await c.waitClosed()).toBe(true);
      own.broker!.setMoved(undefined);
      const { connack } = await raw({}, own);
      expect(connack.reasonCode).toBe(0);
      expect(connack.properties?.serverReference).toBeUndefined();
    } finally {
      await own.stop();
    }
  });
});
