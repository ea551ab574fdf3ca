import { describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { collect, mqttClient } from '../../../test-support/conformance/clients';
import { RawClient, type ReceivedPacket } from '../../../test-support/conformance/raw-client';
import { isEmbedded, isMosquitto, startTarget } from '../../../test-support/conformance/target';
import { useTarget } from '../../../test-support/conformance/suite';
import { waitFor } from '../../../test-support/conformance/wait-for';

const suite = useTarget();
const { raws, clients } = suite;

let n = 0;
const uid = (p: string): string => `${p}-${process.pid}-${++n}`;
const topic = (p: string): string => `conf/${uid(p)}`;

async function raw(version: 3 | 4 | 5 = 5, connect: Record<string, unknown> = {}): Promise<RawClient> {
  const { client, connack } = await RawClient.connected(suite.target.port, version, { clientId: uid('raw'), ...connect });
  raws.push(client);
  const code = (connack as { reasonCode?: number; returnCode?: number }).reasonCode ?? (connack as { returnCode?: number }).returnCode;
  if (code !== 0) throw new Error(`connect refused with ${code}`);
  return client;
}

async function client(opts: Parameters<typeof mqttClient>[1] = {}): Promise<MqttClient> {
  const c = await mqttClient(suite.target, opts);
  clients.push(c);
  return c;
}

async function subscribeRaw(c: RawClient, subscriptions: Record<string, unknown>[], properties?: Record<string, unknown>): Promise<number[]> {
  c.send({ cmd: 'subscribe', messageId: 1000 + ++n, subscriptions, ...(properties ? { properties } : {}) });
  const ack = await c.next('suback');
  return ack.granted as number[];
}

describe('QoS flows', () => {
  it('[MQTT-4.3.1-1] delivers a QoS 0 message at most once', async () => {
    const t = topic('q0');
    const sub = await raw(5);
    await subscribeRaw(sub, [{ topic: t, qos: 0 }]);
    const pub = await raw(4);
    pub.send({ cmd: 'publish', topic: t, payload: 'x', qos: 0 });
    const got = await sub.next('publish');
    expect(got.topic).toBe(t);
    expect(got.qos).toBe(0);
    expect(await sub.expectNone('publish', 150)).toBe(true);
  });

  it('[MQTT-4.3.2-2] acknowledges a QoS 1 PUBLISH with PUBACK carrying its packet identifier', async () => {
    const pub = await raw(5);
    pub.send({ cmd: 'publish', topic: topic('q1'), payload: 'x', qos: 1, messageId: 42 });
    const ack = await pub.next('puback');
    expect(ack.messageId).toBe(42);
  });

  it('[MQTT-4.3.3-3] [MQTT-4.3.3-9] runs the QoS 2 handshake: PUBREC, then PUBCOMP after PUBREL', async () => {
    const pub = await raw(5);
    pub.send({ cmd: 'publish', topic: topic('q2'), payload: 'x', qos: 2, messageId: 7 });
    expect((await pub.next('pubrec')).messageId).toBe(7);
    pub.send({ cmd: 'pubrel', messageId: 7 });
    expect((await pub.next('pubcomp')).messageId).toBe(7);
  });

  it('[MQTT-4.3.3-10] never delivers an inbound QoS 2 message twice, even when it is retransmitted before PUBREL', async () => {
    const t = topic('q2dup');
    const sub = await raw(5);
    await subscribeRaw(sub, [{ topic: t, qos: 2 }]);
    const pub = await raw(5);
    pub.send({ cmd: 'publish', topic: t, payload: 'once', qos: 2, messageId: 9 });
    await pub.next('pubrec');
    pub.send({ cmd: 'publish', topic: t, payload: 'once', qos: 2, messageId: 9, dup: true });
    await pub.next('pubrec');
    pub.send({ cmd: 'pubrel', messageId: 9 });
    await pub.next('pubcomp');
    // After PUBCOMP the identifier is free again: a new message with it is a new message.
    pub.send({ cmd: 'publish', topic: t, payload: 'again', qos: 2, messageId: 9 });
    await pub.next('pubrec');
    pub.send({ cmd: 'pubrel', messageId: 9 });
    await pub.next('pubcomp');
    const seen: string[] = [];
    for (let i = 0; i < 2; i++) {
      const p = await sub.next('publish');
      seen.push(String(p.payload));
      sub.send({ cmd: 'pubrec', messageId: p.messageId });
      const rel = await sub.next('pubrel');
      sub.send({ cmd: 'pubcomp', messageId: rel.messageId });
    }
    expect(seen).toEqual(['once', 'again']);
    expect(await sub.expectNone('publish', 150)).toBe(true);
  });

  it('[MQTT-4.3.3-1] delivers QoS 2 to a QoS 2 subscriber with the PUBREC/PUBREL/PUBCOMP exchange', async () => {
    const t = topic('q2out');
    const sub = await client({ protocolVersion: 5 });
    await sub.subscribeAsync(t, { qos: 2 });
    const got = collect(sub);
    const pub = await client({ protocolVersion: 4 });
    await pub.publishAsync(t, 'hello', { qos: 2 });
    await waitFor(() => got.length === 1);
    expect(got[0]!.packet.qos).toBe(2);
  });

  it('[MQTT-3.8.4-6] downgrades delivery to the subscription QoS', async () => {
    const t = topic('down');
    const sub = await raw(5);
    await subscribeRaw(sub, [{ topic: t, qos: 1 }]);
    const pub = await client();
    await pub.publishAsync(t, 'x', { qos: 2 });
    const p = await sub.next('publish');
    expect(p.qos).toBe(1);
  });

  it('[MQTT-3.6.4-1] answers PUBREL for an unknown packet identifier with PUBCOMP (0x92 Packet Identifier not found)', async () => {
    const c = await raw(5);
    c.send({ cmd: 'pubrel', messageId: 321 });
    const comp = await c.next('pubcomp');
    expect(comp.messageId).toBe(321);
    // mosquitto answers 0x00; the specification's reason code for this case is 0x92.
    expect(comp.reasonCode ?? 0).toBe(isMosquitto ? 0 : 0x92);
  });

  it('[MQTT-3.3.4-2] delivers overlapping subscriptions at the highest granted QoS (the embedded broker sends one copy)', async () => {
    const base = topic('overlap');
    const sub = await raw(5);
    await subscribeRaw(sub, [
      { topic: `${base}/#`, qos: 0 },
      { topic: `${base}/+`, qos: 1 },
    ]);
    const pub = await client();
    await pub.publishAsync(`${base}/x`, 'x', { qos: 1 });
    const p = await sub.next('publish');
    sub.send({ cmd: 'puback', messageId: p.messageId });
    if (isEmbedded) {
      expect(p.qos).toBe(1);
      expect(await sub.expectNone('publish', 200)).toBe(true);
    } else {
      // One copy per subscription is allowed (MQTT-3.3.4-2 "MAY deliver further copies"); one must be QoS 1.
      const q = await sub.next('publish');
      expect(Math.max(p.qos!, q.qos!)).toBe(1);
    }
  });
});

describe('Flow control', () => {
  it.skipIf(isMosquitto)('[MQTT-3.3.4-9] never has more QoS 1 messages in flight to a client than its Receive Maximum', async () => {
    const t = topic('rm');
    const sub = await raw(5, { properties: { receiveMaximum: 2 } });
    await subscribeRaw(sub, [{ topic: t, qos: 1 }]);
    const pub = await client();
    for (let i = 0; i < 5; i++) await pub.publishAsync(t, String(i), { qos: 1 });
    const first = await sub.next('publish');
    const second = await sub.next('publish');
    expect(await sub.expectNone('publish', 200)).toBe(true);
    sub.send({ cmd: 'puback', messageId: first.messageId });
    const third = await sub.next('publish');
    expect(await sub.expectNone('publish', 150)).toBe(true);
    expect([first, second, third].map((p) => String(p.payload))).toEqual(['0', '1', '2']);
  });

  it.skipIf(isMosquitto)('[MQTT-3.3.4-7] disconnects a client that exceeds the server Receive Maximum with 0x93', async () => {
    const t = await startTarget({ maxInflight: 2 });
    try {
      const { client: c, connack } = await RawClient.connected(t.port, 5, { clientId: uid('rmx') });
      raws.push(c);
      expect((connack as { properties?: { receiveMaximum?: number } }).properties?.receiveMaximum).toBe(2);
      for (let i = 1; i <= 3; i++) c.send({ cmd: 'publish', topic: 'rm/x', payload: 'x', qos: 2, messageId: i });
      expect(await c.waitClosed()).toBe(true);
      const d = c.received.find((p) => p.cmd === 'disconnect') as { reasonCode?: number } | undefined;
      expect(d?.reasonCode).toBe(0x93);
    } finally {
      await t.stop();
    }
  });

  it('[MQTT-3.1.2-24] [MQTT-3.1.2-25] does not send a client a packet above its Maximum Packet Size and drops only that message', async () => {
    const t = topic('mps');
    const sub = await raw(5, { properties: { maximumPacketSize: 200 } });
    await subscribeRaw(sub, [{ topic: t, qos: 1 }]);
    const pub = await client();
    await pub.publishAsync(t, 'x'.repeat(500), { qos: 1 });
    await pub.publishAsync(t, 'small', { qos: 1 });
    const p = await sub.next('publish');
    expect(String(p.payload)).toBe('small');
  });

  it('[MQTT-3.2.2-15] disconnects a client that sends a packet above the server Maximum Packet Size with 0x95', async () => {
    const t = await startTarget({ maxPacketSize: 1024 });
    try {
      const { client: c, connack } = await RawClient.connected(t.port, 5, { clientId: uid('big') });
      raws.push(c);
      expect((connack as { properties?: { maximumPacketSize?: number } }).properties?.maximumPacketSize).toBe(1024);
      c.send({ cmd: 'publish', topic: 'big/x', payload: Buffer.alloc(2000), qos: 0 });
      expect(await c.waitClosed()).toBe(true);
      const d = c.received.find((p) => p.cmd === 'disconnect') as { reasonCode?: number } | undefined;
      expect(d?.reasonCode).toBe(0x95);
    } finally {
      await t.stop();
    }
  });
});

describe('Topic aliases', () => {
  it('[MQTT-3.3.2-12] resolves a topic alias the client set on an earlier PUBLISH', async () => {
    const t = topic('alias');
    const sub = await raw(5);
    await subscribeRaw(sub, [{ topic: t, qos: 0 }]);
    const pub = await raw(5);
    pub.send({ cmd: 'publish', topic: t, payload: 'one', qos: 0, properties: { topicAlias: 1 } });
    pub.send({ cmd: 'publish', topic: '', payload: 'two', qos: 0, properties: { topicAlias: 1 } });
    const a = await sub.next('publish');
    const b = await sub.next('publish');
    expect([a.topic, b.topic]).toEqual([t, t]);
    expect(String(b.payload)).toBe('two');
  });

  it('[MQTT-3.3.2-12] interoperates with MQTT.js assigning topic aliases on its own', async () => {
    const t = topic('autoalias');
    const sub = await raw(5);
    await subscribeRaw(sub, [{ topic: t, qos: 0 }]);
    const pub = await client({ protocolVersion: 5, autoAssignTopicAlias: true });
    for (let i = 0; i < 3; i++) await pub.publishAsync(t, String(i), { qos: 1 });
    const got: string[] = [];
    for (let i = 0; i < 3; i++) {
      const p = await sub.next('publish');
      expect(p.topic).toBe(t);
      got.push(String(p.payload));
    }
    expect(got).toEqual(['0', '1', '2']);
  });

  it('[MQTT-3.3.2-9] disconnects with 0x94 on a topic alias above the announced maximum', async () => {
    const pub = await raw(5);
    pub.send({ cmd: 'publish', topic: 'alias/x', payload: 'x', qos: 0, properties: { topicAlias: 5000 } });
    expect(await pub.waitClosed()).toBe(true);
    const d = pub.received.find((p) => p.cmd === 'disconnect') as { reasonCode?: number } | undefined;
    expect(d?.reasonCode).toBe(0x94);
  });

  it('[MQTT-3.3.2-8] treats an unknown alias with an empty topic as a protocol error', async () => {
    const pub = await raw(5);
    pub.send({ cmd: 'publish', topic: '', payload: 'x', qos: 0, properties: { topicAlias: 3 } });
    expect(await pub.waitClosed()).toBe(true);
    const d = pub.received.find((p) => p.cmd === 'disconnect') as { reasonCode?: number } | undefined;
    if (d || isEmbedded) expect(d?.reasonCode).toBe(0x82);
  });
});

describe('Topic names and filters', () => {
  it('[MQTT-3.3.2-2] disconnects a v5 client that publishes to a topic with wildcards (0x90)', async () => {
    const pub = await raw(5);
    pub.sendRaw(Buffer.from([0x30, 0x06, 0x00, 0x03, 0x61, 0x2f, 0x2b, 0x00]));
    expect(await pub.waitClosed()).toBe(true);
    const d = pub.received.find((p) => p.cmd === 'disconnect') as { reasonCode?: number } | undefined;
    // 0x90 Topic Name invalid is the precise code; mosquitto sends 0x82 Protocol Error.
    if (d || isEmbedded) expect(d?.reasonCode).toBe(isMosquitto ? 0x82 : 0x90);
  });

  it('[MQTT-3.3.2-2] closes a 3.1.1 connection that publishes to a wildcard topic', async () => {
    const pub = await raw(4);
    pub.sendRaw(Buffer.from([0x30, 0x05, 0x00, 0x03, 0x61, 0x2f, 0x23]));
    expect(await pub.waitClosed()).toBe(true);
  });

  it('[MQTT-1.5.4-1] closes a connection that publishes a topic that is not valid UTF-8', async () => {
    const pub = await raw(4);
    pub.sendRaw(Buffer.from([0x30, 0x05, 0x00, 0x03, 0x61, 0xc3, 0x28]));
    expect(await pub.waitClosed()).toBe(true);
  });

  it('[MQTT-4.7.1-1] answers an invalid topic filter with SUBACK 0x8F (v5; mosquitto closes the connection)', async () => {
    const c = await raw(5);
    if (isMosquitto) {
      c.send({ cmd: 'subscribe', messageId: 2, subscriptions: [{ topic: 'a/#/b', qos: 0 }] });
      expect(await c.waitClosed()).toBe(true);
      return;
    }
    expect(await subscribeRaw(c, [{ topic: 'a/#/b', qos: 0 }, { topic: 'ok/+', qos: 1 }])).toEqual([0x8f, 1]);
  });

  it('[MQTT-4.7.1-1] answers an invalid topic filter with SUBACK 0x80 (3.1.1; mosquitto closes the connection)', async () => {
    const c = await raw(4);
    if (isMosquitto) {
      c.send({ cmd: 'subscribe', messageId: 2, subscriptions: [{ topic: 'a+/b', qos: 0 }] });
      expect(await c.waitClosed()).toBe(true);
      return;
    }
    expect(await subscribeRaw(c, [{ topic: 'a+/b', qos: 0 }])).toEqual([0x80]);
  });

  it('[MQTT-4.7.2-1] does not match $-topics with a wildcard in the first level', async () => {
    const id = uid('dollar');
    const sub = await raw(5);
    await subscribeRaw(sub, [
      { topic: '#', qos: 0 },
      { topic: '+/x', qos: 0 },
      { topic: `$conf/${id}`, qos: 0 },
    ]);
    const pub = await client();
    await pub.publishAsync(`$conf/${id}`, 'd', { qos: 1 });
    const p = await waitForPublish(sub, (p) => p.topic === `$conf/${id}`);
    expect(p.topic).toBe(`$conf/${id}`);
    expect(await noneMatching(sub, (p) => String(p.topic).startsWith('$conf/'), 200)).toBe(true);
  });

  it('[MQTT-3.10.4-5] answers UNSUBSCRIBE of an unknown filter with 0x11 and of a known one with 0x00', async () => {
    const t = topic('unsub');
    const c = await raw(5);
    await subscribeRaw(c, [{ topic: t, qos: 0 }]);
    c.send({ cmd: 'unsubscribe', messageId: 55, unsubscriptions: [t, `${t}/none`] });
    const ack = await c.next('unsuback');
    expect(ack.granted).toEqual([0x00, 0x11]);
  });
});

describe('Retained messages', () => {
  it('[MQTT-3.3.1-5] stores a retained message and sends it to new subscribers with RETAIN set', async () => {
    const t = topic('ret');
    const pub = await client();
    await pub.publishAsync(t, 'kept', { qos: 1, retain: true });
    const sub = await raw(4);
    await subscribeRaw(sub, [{ topic: t, qos: 1 }]);
    const p = await sub.next('publish');
    expect(p.retain).toBe(true);
    expect(String(p.payload)).toBe('kept');
  });

  it('[MQTT-3.3.1-6] [MQTT-3.3.1-7] a retained message with an empty payload clears the topic', async () => {
    const t = topic('clear');
    const pub = await client();
    await pub.publishAsync(t, 'kept', { qos: 1, retain: true });
    await pub.publishAsync(t, '', { qos: 1, retain: true });
    const sub = await raw(5);
    await subscribeRaw(sub, [{ topic: t, qos: 1 }]);
    expect(await sub.expectNone('publish', 200)).toBe(true);
  });

  it('[MQTT-3.3.1-9] [MQTT-3.3.1-10] [MQTT-3.3.1-11] honours Retain Handling 0, 1 and 2', async () => {
    const t = topic('rh');
    const pub = await client();
    await pub.publishAsync(t, 'r', { qos: 1, retain: true });
    const c = await raw(5);
    await subscribeRaw(c, [{ topic: t, qos: 0, rh: 2 }]);
    expect(await c.expectNone('publish', 150)).toBe(true);
    await subscribeRaw(c, [{ topic: `${t}/#`, qos: 0, rh: 1 }]);
    expect(String((await c.next('publish')).payload)).toBe('r');
    await subscribeRaw(c, [{ topic: `${t}/#`, qos: 0, rh: 1 }]);
    expect(await c.expectNone('publish', 150)).toBe(true);
    await subscribeRaw(c, [{ topic: `${t}/#`, qos: 0, rh: 0 }]);
    expect(String((await c.next('publish')).payload)).toBe('r');
  });

  it('[MQTT-3.3.1-12] [MQTT-3.3.1-13] forwards RETAIN as published only when Retain As Published is set', async () => {
    const t = topic('rap');
    const plain = await raw(5);
    await subscribeRaw(plain, [{ topic: t, qos: 0, rap: false }]);
    const asPub = await raw(5);
    await subscribeRaw(asPub, [{ topic: t, qos: 0, rap: true }]);
    const pub = await client();
    await pub.publishAsync(t, 'live', { qos: 1, retain: true });
    expect((await plain.next('publish')).retain).toBe(false);
    expect((await asPub.next('publish')).retain).toBe(true);
  });

  it('[MQTT-3.3.1-9] clears RETAIN on live delivery to 3.1.1 subscribers', async () => {
    const t = topic('rap4');
    const sub = await raw(4);
    await subscribeRaw(sub, [{ topic: t, qos: 0 }]);
    const pub = await client();
    await pub.publishAsync(t, 'live', { qos: 1, retain: true });
    expect((await sub.next('publish')).retain).toBe(false);
  });
});

describe('Subscription options and identifiers', () => {
  it('[MQTT-3.8.3-3] does not send a message back to its publisher on a No Local subscription', async () => {
    const t = topic('nl');
    const c = await raw(5);
    await subscribeRaw(c, [{ topic: t, qos: 0, nl: true }]);
    const other = await raw(5);
    await subscribeRaw(other, [{ topic: t, qos: 0 }]);
    c.send({ cmd: 'publish', topic: t, payload: 'mine', qos: 0 });
    await other.next('publish');
    expect(await c.expectNone('publish', 150)).toBe(true);
  });

  it.skipIf(isMosquitto)('[MQTT-3.8.3-4] treats No Local on a shared subscription as a protocol error', async () => {
    const c = await raw(5);
    c.send({ cmd: 'subscribe', messageId: 3, subscriptions: [{ topic: `$share/g/${topic('nlshare')}`, qos: 0, nl: true }] });
    expect(await c.waitClosed()).toBe(true);
  });

  it.skipIf(isMosquitto)('[MQTT-3.3.4-4] includes every matching subscription identifier in its single PUBLISH (mosquitto sends one copy per subscription, allowed by MQTT-3.3.4-5)', async () => {
    const base = topic('subid');
    const c = await raw(5);
    await subscribeRaw(c, [{ topic: `${base}/#`, qos: 0 }], { subscriptionIdentifier: 11 });
    await subscribeRaw(c, [{ topic: `${base}/+`, qos: 0 }], { subscriptionIdentifier: 22 });
    const pub = await client();
    await pub.publishAsync(`${base}/x`, 'x', { qos: 1 });
    const p = await c.next('publish');
    const ids = p.properties?.subscriptionIdentifier;
    expect([ids].flat().sort()).toEqual([11, 22]);
    expect(await c.expectNone('publish', 150)).toBe(true);
  });
});

describe('Shared subscriptions', () => {
  it('[MQTT-4.8.2] gives each message to one member of the group, alternating between members', async () => {
    const t = topic('share');
    const a = await raw(5);
    const b = await raw(5);
    await subscribeRaw(a, [{ topic: `$share/grp/${t}`, qos: 0 }]);
    await subscribeRaw(b, [{ topic: `$share/grp/${t}`, qos: 0 }]);
    const pub = await client();
    for (let i = 0; i < 4; i++) await pub.publishAsync(t, String(i), { qos: 1 });
    await waitFor(() => a.received.length + b.received.length === 4);
    expect(a.received.length).toBe(2);
    expect(b.received.length).toBe(2);
  });

  it.skipIf(isMosquitto)('[MQTT-4.8.2] does not send retained messages on a shared subscription', async () => {
    const t = topic('shareret');
    const pub = await client();
    await pub.publishAsync(t, 'r', { qos: 1, retain: true });
    const a = await raw(5);
    await subscribeRaw(a, [{ topic: `$share/g2/${t}`, qos: 0 }]);
    expect(await a.expectNone('publish', 200)).toBe(true);
  });
});

describe('Properties forwarded and checked', () => {
  it('[MQTT-3.3.2-15] [MQTT-3.3.2-16] [MQTT-3.3.2-17] [MQTT-3.3.2-20] forwards response topic, correlation data, user properties and content type untouched', async () => {
    const t = topic('props');
    const sub = await raw(5);
    await subscribeRaw(sub, [{ topic: t, qos: 1 }]);
    const pub = await client();
    await pub.publishAsync(t, 'x', {
      qos: 1,
      properties: {
        responseTopic: 'reply/here',
        correlationData: Buffer.from([1, 2, 3]),
        userProperties: { a: ['1', '2'], b: 'x' },
        contentType: 'application/json',
        payloadFormatIndicator: true,
      },
    });
    const p = await sub.next('publish');
    expect(p.properties.responseTopic).toBe('reply/here');
    expect([...p.properties.correlationData!]).toEqual([1, 2, 3]);
    expect(p.properties.userProperties).toEqual({ a: ['1', '2'], b: 'x' });
    expect(p.properties.contentType).toBe('application/json');
    expect(p.properties.payloadFormatIndicator).toBe(true);
  });

  it('[MQTT-3.3.2-6] forwards the remaining Message Expiry Interval', async () => {
    const t = topic('expfwd');
    const pub = await client();
    await pub.publishAsync(t, 'x', { qos: 1, retain: true, properties: { messageExpiryInterval: 100 } });
    const sub = await raw(5);
    await subscribeRaw(sub, [{ topic: t, qos: 1 }]);
    const p = await sub.next('publish');
    expect(p.properties.messageExpiryInterval).toBeGreaterThan(95);
    expect(p.properties.messageExpiryInterval).toBeLessThanOrEqual(100);
  });

  it('[MQTT-3.3.2-5] does not deliver a retained message after its expiry', async () => {
    const t = topic('expired');
    const pub = await client();
    await pub.publishAsync(t, 'x', { qos: 1, retain: true, properties: { messageExpiryInterval: 1 } });
    await new Promise((r) => setTimeout(r, 1100));
    const sub = await raw(5);
    await subscribeRaw(sub, [{ topic: t, qos: 1 }]);
    expect(await sub.expectNone('publish', 200)).toBe(true);
  });

  it.skipIf(isMosquitto)('[MQTT-3.3.2-4] (optional check, mosquitto does not validate) rejects a QoS 1 payload that breaks its UTF-8 format indicator with PUBACK 0x99', async () => {
    const pub = await raw(5);
    pub.send({ cmd: 'publish', topic: topic('pfi'), payload: Buffer.from([0xff, 0xfe]), qos: 1, messageId: 5, properties: { payloadFormatIndicator: true } });
    const ack = await pub.next('puback');
    expect(ack.reasonCode).toBe(0x99);
  });
});

async function waitForPublish(c: RawClient, pred: (p: ReceivedPacket) => boolean, timeoutMs = 2000): Promise<ReceivedPacket> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const p = await c.next('publish', Math.max(1, deadline - Date.now()));
    if (pred(p)) return p;
  }
}

async function noneMatching(c: RawClient, pred: (p: ReceivedPacket) => boolean, windowMs: number): Promise<boolean> {
  const deadline = Date.now() + windowMs;
  while (Date.now() < deadline) {
    try {
      const p = await c.next('publish', Math.max(1, deadline - Date.now()));
      if (pred(p)) return false;
    } catch {
      return true;
    }
  }
  return true;
}

