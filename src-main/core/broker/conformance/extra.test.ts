import { describe, expect, it } from 'vitest';
import { RawClient, type ReceivedPacket } from '../../../test-support/conformance/raw-client';
import { isMosquitto, startTarget } from '../../../test-support/conformance/target';
import { useTarget } from '../../../test-support/conformance/suite';

const suite = useTarget();
const { raws } = suite;

let n = 0;
const uid = (p: string): string => `${p}-${process.pid}-${++n}`;

async function raw(version: 4 | 5, connect: Record<string, unknown> = {}): Promise<{ c: RawClient; connack: ReceivedPacket }> {
  const { client, connack } = await RawClient.connected(suite.target.port, version, { clientId: uid('x'), ...connect });
  raws.push(client);
  return { c: client, connack };
}

function disconnectCode(c: RawClient): number | undefined {
  return (c.received.find((p) => p.cmd === 'disconnect') as { reasonCode?: number } | undefined)?.reasonCode;
}

describe('More protocol edges', () => {
  it('[MQTT-3.3.2-8] treats topic alias 0 as invalid (DISCONNECT 0x94)', async () => {
    const { c } = await raw(5);
    c.send({ cmd: 'publish', topic: 'alias/zero', payload: 'x', qos: 0, properties: { topicAlias: 0 } });
    expect(await c.waitClosed()).toBe(true);
    // mosquitto calls it Malformed Packet (0x81); 0x94 Topic Alias invalid is the precise code.
    expect(disconnectCode(c)).toBe(isMosquitto ? 0x81 : 0x94);
  });

  it('[MQTT-3.1.2-21] tells a v5 client asking for keepalive 0 the server keep alive when a maximum is set', async () => {
    const t = await startTarget({ maxKeepalive: 20 });
    try {
      const { client, connack } = await RawClient.connected(t.port, 5, { clientId: uid('ka0'), keepalive: 0 });
      raws.push(client);
      expect((connack as { properties?: { serverKeepAlive?: number } }).properties?.serverKeepAlive).toBe(20);
    } finally {
      await t.stop();
    }
  });

  it('[MQTT-3.14.2.2.2] ends the session when DISCONNECT sets the session expiry to 0', async () => {
    const cid = uid('expzero');
    const first = await raw(5, { clientId: cid, clean: false, properties: { sessionExpiryInterval: 60 } });
    first.c.send({ cmd: 'disconnect', reasonCode: 0, properties: { sessionExpiryInterval: 0 } });
    await first.c.waitClosed();
    const second = await raw(5, { clientId: cid, clean: false, properties: { sessionExpiryInterval: 60 } });
    expect(second.connack.sessionPresent).toBe(false);
  });

  it('[MQTT-3.3.1-5] delivers a retained message at the lower of its QoS and the subscription QoS', async () => {
    const t = `edge/${uid('retqos')}`;
    const pub = await raw(5);
    pub.c.send({ cmd: 'publish', topic: t, payload: 'r', qos: 1, retain: true, messageId: 1 });
    await pub.c.next('puback');
    const sub = await raw(5);
    sub.c.send({ cmd: 'subscribe', messageId: 2, subscriptions: [{ topic: t, qos: 2 }] });
    await sub.c.next('suback');
    expect((await sub.c.next('publish')).qos).toBe(1);
    const low = await raw(5);
    low.c.send({ cmd: 'subscribe', messageId: 3, subscriptions: [{ topic: t, qos: 0 }] });
    await low.c.next('suback');
    expect((await low.c.next('publish')).qos).toBe(0);
  });

  it('[MQTT-3.8.4-8] replaces an existing subscription with the same filter instead of adding a second one', async () => {
    const t = `edge/${uid('replace')}`;
    const { c } = await raw(5);
    c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: t, qos: 0 }] });
    await c.next('suback');
    c.send({ cmd: 'subscribe', messageId: 2, subscriptions: [{ topic: t, qos: 1 }] });
    await c.next('suback');
    const pub = await raw(5);
    pub.c.send({ cmd: 'publish', topic: t, payload: 'x', qos: 1, messageId: 1 });
    await pub.c.next('puback');
    const p = await c.next('publish');
    expect(p.qos).toBe(1);
    c.send({ cmd: 'puback', messageId: p.messageId });
    expect(await c.expectNone('publish', 150)).toBe(true);
  });

  it('[MQTT-3.8.3-1] matches an empty level with + (a//b against a/+/b)', async () => {
    const base = `edge/${uid('empty')}`;
    const { c } = await raw(4);
    c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: `${base}/+/b`, qos: 0 }] });
    await c.next('suback');
    const pub = await raw(4);
    pub.c.send({ cmd: 'publish', topic: `${base}//b`, payload: 'x', qos: 0 });
    expect((await c.next('publish')).topic).toBe(`${base}//b`);
  });

  it.skipIf(isMosquitto)('[MQTT-3.3.2-4] (optional check) disconnects a QoS 0 publisher whose payload breaks its UTF-8 format indicator with 0x99', async () => {
    const { c } = await raw(5);
    c.send({ cmd: 'publish', topic: 'edge/pfi', payload: Buffer.from([0xc3, 0x28]), qos: 0, properties: { payloadFormatIndicator: true } });
    expect(await c.waitClosed()).toBe(true);
    expect(disconnectCode(c)).toBe(0x99);
  });

  it('[MQTT-3.8.2.1.2] treats subscription identifier 0 as a protocol error', async () => {
    const { c } = await raw(5);
    // mqtt-packet will not encode identifier 0: SUBSCRIBE id 1, props len 2 (0x0B 0x00), filter "a", options 0.
    c.sendRaw([0x82, 0x09, 0x00, 0x01, 0x02, 0x0b, 0x00, 0x00, 0x01, 0x61, 0x00]);
    expect(await c.waitClosed()).toBe(true);
    expect(c.received.some((p) => p.cmd === 'suback')).toBe(false);
  });

  it('[MQTT-4.8.2-1] refuses a shared subscription with an invalid share name', async () => {
    const { c } = await raw(5);
    c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: '$share/g+x/a', qos: 0 }] });
    const outcome = await c.next('suback').then(
      (a) => a.granted![0]!,
      () => 'closed' as const,
    );
    if (outcome === 'closed') expect(isMosquitto).toBe(true);
    else expect(outcome).toBeGreaterThanOrEqual(0x80);
  });
});
