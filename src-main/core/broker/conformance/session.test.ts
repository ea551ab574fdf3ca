import { describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { collect, mqttClient } from '../../../test-support/conformance/clients';
import { RawClient, type ReceivedPacket } from '../../../test-support/conformance/raw-client';
import { isMosquitto } from '../../../test-support/conformance/target';
import { useTarget } from '../../../test-support/conformance/suite';
import { waitFor } from '../../../test-support/conformance/wait-for';

const suite = useTarget();
const { raws, clients } = suite;

// mosquitto keeps time in whole seconds, so one-second expiries need an extra second of slack there.
const SECOND_PLUS = isMosquitto ? 2300 : 1300;

let n = 0;
const uid = (p: string): string => `${p}-${process.pid}-${++n}`;

async function raw(version: 3 | 4 | 5, connect: Record<string, unknown>): Promise<{ c: RawClient; connack: ReceivedPacket }> {
  const { client, connack } = await RawClient.connected(suite.target.port, version, connect);
  raws.push(client);
  return { c: client, connack };
}

async function publisher(): Promise<MqttClient> {
  const c = await mqttClient(suite.target, { protocolVersion: 5 });
  clients.push(c);
  return c;
}

async function disconnect(c: RawClient, properties?: Record<string, unknown>): Promise<void> {
  c.send({ cmd: 'disconnect', reasonCode: 0, ...(properties ? { properties } : {}) });
  await c.waitClosed();
}

describe('Offline sessions', () => {
  it('[MQTT-3.1.2-5] keeps QoS 1 and 2 messages for an offline session and delivers them on resume', async () => {
    const cid = uid('offline');
    const t = `sess/${cid}`;
    const first = await raw(5, { clientId: cid, clean: false, properties: { sessionExpiryInterval: 60 } });
    first.c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: t, qos: 2 }] });
    await first.c.next('suback');
    await disconnect(first.c);
    const pub = await publisher();
    await pub.publishAsync(t, 'q1', { qos: 1 });
    await pub.publishAsync(t, 'q2', { qos: 2 });
    await pub.publishAsync(t, 'q0', { qos: 0 });
    const second = await raw(5, { clientId: cid, clean: false, properties: { sessionExpiryInterval: 60 } });
    expect(second.connack.sessionPresent).toBe(true);
    const a = await second.c.next('publish');
    const b = await second.c.next('publish');
    expect([String(a.payload), String(b.payload)]).toEqual(['q1', 'q2']);
    expect([a.qos, b.qos]).toEqual([1, 2]);
  });

  it('[MQTT-4.4.0-1] [MQTT-3.3.1-1] resends unacknowledged QoS 1 messages with DUP set and the same packet identifier', async () => {
    const cid = uid('dup');
    const t = `sess/${cid}`;
    const first = await raw(4, { clientId: cid, clean: false });
    first.c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: t, qos: 1 }] });
    await first.c.next('suback');
    const pub = await publisher();
    await pub.publishAsync(t, 'unacked', { qos: 1 });
    const original = await first.c.next('publish');
    expect(original.dup).toBe(false);
    first.c.close(); // no PUBACK
    await first.c.waitClosed();
    const second = await raw(4, { clientId: cid, clean: false });
    const again = await second.c.next('publish');
    expect(again.dup).toBe(true);
    expect(again.messageId).toBe(original.messageId);
    expect(String(again.payload)).toBe('unacked');
  });

  it('[MQTT-4.4.0-1] resends PUBREL (not the PUBLISH) when the client had already sent PUBREC', async () => {
    const cid = uid('pubrel');
    const t = `sess/${cid}`;
    const first = await raw(5, { clientId: cid, clean: false, properties: { sessionExpiryInterval: 60 } });
    first.c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: t, qos: 2 }] });
    await first.c.next('suback');
    const pub = await publisher();
    await pub.publishAsync(t, 'x', { qos: 2 });
    const p = await first.c.next('publish');
    first.c.send({ cmd: 'pubrec', messageId: p.messageId });
    await first.c.next('pubrel');
    first.c.close();
    await first.c.waitClosed();
    const second = await raw(5, { clientId: cid, clean: false, properties: { sessionExpiryInterval: 60 } });
    const rel = await second.c.next('pubrel');
    expect(rel.messageId).toBe(p.messageId);
    second.c.send({ cmd: 'pubcomp', messageId: rel.messageId });
    expect(await second.c.expectNone('publish', 200)).toBe(true);
  });

  it('[MQTT-3.1.2-23] discards the session once its expiry interval passes', async () => {
    const cid = uid('expire');
    const first = await raw(5, { clientId: cid, clean: false, properties: { sessionExpiryInterval: 1 } });
    await disconnect(first.c);
    await new Promise((r) => setTimeout(r, SECOND_PLUS));
    const second = await raw(5, { clientId: cid, clean: false, properties: { sessionExpiryInterval: 1 } });
    expect(second.connack.sessionPresent).toBe(false);
  });

  it('[MQTT-3.3.2-5] does not deliver a queued message whose expiry passed while the session was offline', async () => {
    const cid = uid('qexp');
    const t = `sess/${cid}`;
    const first = await raw(5, { clientId: cid, clean: false, properties: { sessionExpiryInterval: 60 } });
    first.c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: t, qos: 1 }] });
    await first.c.next('suback');
    await disconnect(first.c);
    const pub = await publisher();
    await pub.publishAsync(t, 'short', { qos: 1, properties: { messageExpiryInterval: 1 } });
    await pub.publishAsync(t, 'long', { qos: 1, properties: { messageExpiryInterval: 60 } });
    await new Promise((r) => setTimeout(r, SECOND_PLUS));
    const second = await raw(5, { clientId: cid, clean: false, properties: { sessionExpiryInterval: 60 } });
    const p = await second.c.next('publish');
    expect(String(p.payload)).toBe('long');
    expect(p.properties.messageExpiryInterval).toBeLessThan(60);
  });

  it('[MQTT-3.14.2-2] [MQTT-3.3.2-6] keeps a session whose expiry was raised at DISCONNECT beyond a timer\'s range, and delivers its unexpired messages with the remaining expiry', async () => {
    // The scenario exactly: 999,999,999 s is longer than a Node timer can wait (2^31 - 1 ms).
    const cid = uid('raised');
    const t = `sess/${cid}`;
    const first = await raw(5, { clientId: cid, clean: false, properties: { sessionExpiryInterval: 99_999 } });
    first.c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: t, qos: 2 }] });
    await first.c.next('suback');
    await disconnect(first.c, { sessionExpiryInterval: 999_999_999 });
    const pub = await publisher();
    await pub.publishAsync(t, 'q1-short', { qos: 1, properties: { messageExpiryInterval: 1 } });
    await pub.publishAsync(t, 'q2-short', { qos: 2, properties: { messageExpiryInterval: 1 } });
    // Long enough that a busy machine's slow reconnect cannot expire them too (6 s did not leave room for one).
    await pub.publishAsync(t, 'q1-long', { qos: 1, properties: { messageExpiryInterval: 60 } });
    await pub.publishAsync(t, 'q2-long', { qos: 2, properties: { messageExpiryInterval: 60 } });
    // The wait is the scenario: the short expiries must pass while the session is offline. A little over 3 s, since a
    // timer may fire a millisecond early and a broker that counted 2.999 s would rightly say 58 s remain.
    await new Promise((r) => setTimeout(r, 3100));
    const second = await raw(5, { clientId: cid, clean: false, properties: { sessionExpiryInterval: 99_999 } });
    expect(second.connack.sessionPresent).toBe(true);
    const a = await second.c.next('publish');
    second.c.send({ cmd: 'puback', messageId: a.messageId });
    const b = await second.c.next('publish');
    expect([String(a.payload), String(b.payload)]).toEqual(['q1-long', 'q2-long']);
    expect([a.qos, b.qos]).toEqual([1, 2]);
    for (const p of [a, b]) {
      expect(p.properties.messageExpiryInterval).toBeGreaterThan(0);
      // At least the 3 s waited have come off.
      expect(p.properties.messageExpiryInterval).toBeLessThanOrEqual(57);
    }
    expect(await second.c.expectNone('publish', 300)).toBe(true);
  });
});

describe('Will messages', () => {
  async function willWatcher(t: string): Promise<ReturnType<typeof collect>> {
    const w = await publisher();
    await w.subscribeAsync(t, { qos: 1 });
    return collect(w);
  }

  it('[MQTT-3.1.2-8] publishes the will when the connection is lost without DISCONNECT', async () => {
    const t = `will/${uid('lost')}`;
    const got = await willWatcher(t);
    const { c } = await raw(5, { clientId: uid('w'), will: { topic: t, payload: Buffer.from('gone'), qos: 1, retain: false } });
    c.close();
    await waitFor(() => got.length === 1, 3000, 'will message');
    expect(got[0]!.payload).toBe('gone');
  });

  it('[MQTT-3.1.2-10] discards the will on a normal DISCONNECT', async () => {
    const t = `will/${uid('normal')}`;
    const got = await willWatcher(t);
    const { c } = await raw(5, { clientId: uid('w'), will: { topic: t, payload: Buffer.from('gone'), qos: 1, retain: false } });
    await disconnect(c);
    // A probe published after the disconnect arrives only after any will would have.
    const pub = await publisher();
    await pub.publishAsync(t, 'probe', { qos: 1 });
    await waitFor(() => got.length >= 1);
    expect(got.map((m) => m.payload)).toEqual(['probe']);
  });

  it('[MQTT-3.14.4-3] publishes the will on DISCONNECT with reason 0x04', async () => {
    const t = `will/${uid('with')}`;
    const got = await willWatcher(t);
    const { c } = await raw(5, { clientId: uid('w'), will: { topic: t, payload: Buffer.from('asked'), qos: 0, retain: false } });
    c.send({ cmd: 'disconnect', reasonCode: 4 });
    await waitFor(() => got.length === 1, 3000, 'will message');
    expect(got[0]!.payload).toBe('asked');
  });

  it('[MQTT-3.1.3-9] does not publish a delayed will when the client reconnects before the delay ends', async () => {
    const t = `will/${uid('delay')}`;
    const cid = uid('wd');
    const got = await willWatcher(t);
    const first = await raw(5, {
      clientId: cid,
      clean: false,
      properties: { sessionExpiryInterval: 60 },
      will: { topic: t, payload: Buffer.from('late'), qos: 1, retain: false, properties: { willDelayInterval: 1 } },
    });
    first.c.close();
    await first.c.waitClosed();
    await raw(5, { clientId: cid, clean: false, properties: { sessionExpiryInterval: 60 } });
    await new Promise((r) => setTimeout(r, 1400));
    const pub = await publisher();
    await pub.publishAsync(t, 'probe', { qos: 1 });
    await waitFor(() => got.length >= 1);
    expect(got.map((m) => m.payload)).toEqual(['probe']);
  });

  it('[MQTT-3.1.2-8] cancels a pending delayed will when the client id reconnects, even with clean start', async () => {
    const t = `will/${uid('cleanend')}`;
    const cid = uid('wd3');
    const got = await willWatcher(t);
    const first = await raw(5, {
      clientId: cid,
      clean: false,
      properties: { sessionExpiryInterval: 60 },
      will: { topic: t, payload: Buffer.from('ended'), qos: 1, retain: false, properties: { willDelayInterval: 1 } },
    });
    first.c.close();
    await first.c.waitClosed();
    await raw(5, { clientId: cid, clean: true });
    await new Promise((r) => setTimeout(r, SECOND_PLUS));
    const pub = await publisher();
    await pub.publishAsync(t, 'probe', { qos: 1 });
    await waitFor(() => got.length >= 1);
    expect(got.map((m) => m.payload)).toEqual(['probe']);
  });

  it('[MQTT-3.1.3-9] publishes a delayed will once the delay passes', async () => {
    const t = `will/${uid('delayed')}`;
    const got = await willWatcher(t);
    const first = await raw(5, {
      clientId: uid('wd2'),
      clean: false,
      properties: { sessionExpiryInterval: 60 },
      will: { topic: t, payload: Buffer.from('late'), qos: 1, retain: false, properties: { willDelayInterval: 1 } },
    });
    const closedAt = Date.now();
    first.c.close();
    await waitFor(() => got.length === 1, 4000, 'delayed will');
    expect(Date.now() - closedAt).toBeGreaterThanOrEqual(900);
  });

  it('[MQTT-3.1.2-8] publishes the will of a 3.1.1 client whose connection drops', async () => {
    const t = `will/${uid('v4')}`;
    const got = await willWatcher(t);
    const { c } = await raw(4, { clientId: uid('w4'), will: { topic: t, payload: Buffer.from('v4gone'), qos: 0, retain: false } });
    c.close();
    await waitFor(() => got.length === 1, 3000, 'will message');
    expect(got[0]!.payload).toBe('v4gone');
  });
});
