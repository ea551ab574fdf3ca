import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectionId } from '../../../shared/ipc/common';
import type { ConnectionInfo } from '../../../shared/ipc/connections';
import { createBroker, type Broker } from '../broker';
import { startMosquitto, type Mosquitto } from '../../test-support/mosquitto';
import { waitFor } from '../../test-support/wait-for';
import { createManagerHarness, type ManagerHarness } from '../../test-support/manager-harness';

// The client respects what the broker says: its Maximum Packet Size, a session taken over, an assigned client id.

const fast = { initialDelayMs: 50, maxDelayMs: 200, jitter: 0 };

let limited: Mosquitto;
let plain: Mosquitto;
let h: ManagerHarness;
const others: MqttClient[] = [];
const embedded: Broker[] = [];

beforeAll(async () => {
  [limited, plain] = await Promise.all([startMosquitto({ config: ['max_packet_size 4096'] }), startMosquitto()]);
});

afterAll(async () => {
  await Promise.all([limited?.stop(), plain?.stop()]);
});

afterEach(async () => {
  await h?.close();
  for (const c of others.splice(0)) c.end(true);
  for (const b of embedded.splice(0)) await b.stop();
});

function sentPublishes(id: ConnectionId, topic: string): number {
  return h.manager.packetLog(id, { types: ['publish'], direction: 'out', offset: 0, limit: 10_000 }).entries.filter((e) => e.topic === topic).length;
}

function connectsSent(id: ConnectionId): number {
  return h.manager.packetLog(id, { types: ['connect'], direction: 'out', offset: 0, limit: 10_000 }).matched;
}

function statusesOf(id: ConnectionId): ConnectionInfo[] {
  return h.statuses.filter((s) => s.connectionId === id);
}

/** Another client (MQTT.js, as a second app would be) connected with a given id. */
async function otherClient(url: string, clientId: string, protocolVersion: 4 | 5): Promise<MqttClient> {
  const client = mqtt.connect(url, { clientId, protocolVersion, reconnectPeriod: 0 });
  client.on('error', () => undefined);
  others.push(client);
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('close', () => reject(new Error('the other client could not connect')));
  });
  return client;
}

describe('the broker’s Maximum Packet Size', () => {
  it.each([0, 1] as const)('refuses a QoS %i publish larger than an MQTT 5 broker announced, naming both sizes, and stays connected', async (qos) => {
    h = createManagerHarness();
    const info = await h.connect({ url: limited.url, protocolVersion: 5, reconnect: fast, subscriptions: [] });
    expect(info.broker?.maximumPacketSize).toBe(4096);
    const failure = await h.publish({ connectionId: info.connectionId, topic: 'big/one', payload: 'x'.repeat(5_000), qos }).catch((e: unknown) => e);
    expect(failure).toMatchObject({ code: 'PACKET_TOO_LARGE', details: { maximumPacketSize: 4096 } });
    expect((failure as Error).message).toMatch(/is 50\d\d bytes; the broker accepts packets of at most 4096 bytes/);
    expect(sentPublishes(info.connectionId, 'big/one')).toBe(0);
    // Still connected and usable: a small publish goes through.
    await h.publish({ connectionId: info.connectionId, topic: 'big/small', payload: 'fits', qos: 1 });
    expect(h.manager.get(info.connectionId).state).toBe('connected');
    expect(connectsSent(info.connectionId)).toBe(1);
  });

  it('refuses an oversized publish while offline instead of queueing it, once the limit is known', async () => {
    const broker = await startMosquitto({ config: ['max_packet_size 4096'] });
    try {
      h = createManagerHarness();
      const info = await h.connect({ url: broker.url, protocolVersion: 5, reconnect: fast, subscriptions: [] });
      await broker.kill();
      await h.waitForStatus((s) => s.connectionId === info.connectionId && s.state === 'reconnecting', 'reconnecting');
      await expect(h.publish({ connectionId: info.connectionId, topic: 'big/offline', payload: 'x'.repeat(5_000), qos: 1 })).rejects.toMatchObject({ code: 'PACKET_TOO_LARGE' });
      expect(h.manager.get(info.connectionId).queuedCount).toBe(0);
    } finally {
      await broker.stop();
    }
  });

  it('refuses an oversized publish against the embedded broker’s announced limit too', async () => {
    const broker = createBroker({ listeners: [{ kind: 'tcp', host: '127.0.0.1', port: 0 }], limits: { maxPacketSize: 1024 } });
    embedded.push(broker);
    const [bound] = await broker.start();
    h = createManagerHarness();
    const info = await h.connect({ url: `mqtt://127.0.0.1:${bound!.port}`, reconnect: fast, subscriptions: [] });
    await expect(h.publish({ connectionId: info.connectionId, topic: 'big/e', payload: new Uint8Array(2_000), qos: 1 })).rejects.toMatchObject({
      code: 'PACKET_TOO_LARGE',
      message: expect.stringContaining('at most 1024 bytes'),
    });
    expect(h.manager.get(info.connectionId).state).toBe('connected');
  });

  it('refuses a SUBSCRIBE larger than the embedded broker announced, naming both sizes, sending none of the request, and stays connected', async () => {
    const broker = createBroker({ listeners: [{ kind: 'tcp', host: '127.0.0.1', port: 0 }], limits: { maxPacketSize: 1024 } });
    embedded.push(broker);
    const [bound] = await broker.start();
    h = createManagerHarness();
    const info = await h.connect({ url: `mqtt://127.0.0.1:${bound!.port}`, reconnect: fast, subscriptions: [] });
    expect(info.broker?.maximumPacketSize).toBe(1024);
    const long = `big/${'x'.repeat(2_000)}/#`;
    const failure = await h.manager
      .addSubscriptions(info.connectionId, [
        { filter: 'fits/#', qos: 0 },
        { filter: long, qos: 1 },
      ])
      .catch((e: unknown) => e);
    expect(failure).toMatchObject({ code: 'PACKET_TOO_LARGE', details: { maximumPacketSize: 1024, filter: long } });
    expect((failure as Error).message).toMatch(/is a 20\d\d-byte SUBSCRIBE; the broker accepts packets of at most 1024 bytes/);
    // Nothing of the refused request went out, and the connection is still there and usable.
    expect(h.manager.packetLog(info.connectionId, { types: ['subscribe'], direction: 'out', offset: 0, limit: 100 }).matched).toBe(0);
    const verdicts = await h.manager.addSubscriptions(info.connectionId, [{ filter: 'fits/#', qos: 0 }]);
    expect(verdicts).toEqual([expect.objectContaining({ filter: 'fits/#', ok: true })]);
    expect(h.manager.get(info.connectionId).state).toBe('connected');
    expect(connectsSent(info.connectionId)).toBe(1);
  });

  it('checks the SUBSCRIBE sent at connect against the broker’s limit: a filter too long alone is shown refused and not sent, the rest go in SUBSCRIBEs that fit', async () => {
    h = createManagerHarness();
    const long = `big/${'x'.repeat(5_000)}/#`;
    // Each fits alone, but not all three in one SUBSCRIBE.
    const mid = [0, 1, 2].map((i) => `mid${i}/${'y'.repeat(1_500)}/#`);
    const info = await h.connect({
      url: limited.url,
      protocolVersion: 5,
      reconnect: fast,
      subscriptions: [{ filter: 'fits/#', qos: 0 }, { filter: long, qos: 1 }, ...mid.map((filter) => ({ filter, qos: 1 as const }))],
    });
    const settled = await h.waitForStatus(
      (s) => s.connectionId === info.connectionId && (s.subscriptions ?? []).length === 5 && (s.subscriptions ?? []).every((x) => x.state !== 'pending'),
      'every subscription settled',
    );
    const byFilter = new Map((settled.subscriptions ?? []).map((x) => [x.filter, x]));
    expect(byFilter.get(long)).toMatchObject({ state: 'refused' });
    expect(byFilter.get(long)?.reason).toMatch(/is a 50\d\d-byte SUBSCRIBE; the broker accepts packets of at most 4096 bytes/);
    for (const filter of ['fits/#', ...mid]) expect(byFilter.get(filter)).toMatchObject({ state: 'active' });
    const sent = h.manager.packetLog(info.connectionId, { types: ['subscribe'], direction: 'out', offset: 0, limit: 100 });
    expect(sent.matched).toBe(2);
    // No disconnect over it, so no reconnect loop: a publish still round-trips on the first connection.
    await h.publish({ connectionId: info.connectionId, topic: 'fits/after', payload: 'ok', qos: 1 });
    expect(h.manager.get(info.connectionId).state).toBe('connected');
    expect(connectsSent(info.connectionId)).toBe(1);
  });

  it('recognises an MQTT 3.1.1 broker closing the connection right after a QoS 1 publish: fails it once, never resends it, refuses the next', async () => {
    h = createManagerHarness();
    const info = await h.connect({ url: limited.url, protocolVersion: 4, reconnect: fast, subscriptions: [] });
    const failure = await h.publish({ connectionId: info.connectionId, topic: 'big/v4', payload: 'x'.repeat(5_000), qos: 1 }).catch((e: unknown) => e);
    expect(failure).toMatchObject({ code: 'PACKET_TOO_LARGE' });
    expect((failure as Error).message).toMatch(/closed the connection right after a 50\d\d-byte publish to "big\/v4"/);
    // Back once, and the refused packet was not sent again on the new connection.
    await h.waitForStatus((s) => s.connectionId === info.connectionId && s.state === 'connected' && connectsSent(info.connectionId) === 2, 'reconnected once');
    await h.publish({ connectionId: info.connectionId, topic: 'big/after', payload: 'small', qos: 1 });
    expect(sentPublishes(info.connectionId, 'big/v4')).toBe(1);
    expect(connectsSent(info.connectionId)).toBe(2);
    // The same size again is refused without costing another connection.
    await expect(h.publish({ connectionId: info.connectionId, topic: 'big/v4', payload: 'x'.repeat(5_000), qos: 1 })).rejects.toMatchObject({
      code: 'PACKET_TOO_LARGE',
      message: expect.stringMatching(/closed the connection over a 50\d\d-byte publish before/),
    });
    expect(connectsSent(info.connectionId)).toBe(2);
  });

  it('says why an MQTT 3.1.1 connection dropped right after a QoS 0 publish, and refuses the next one of that size', async () => {
    h = createManagerHarness();
    const info = await h.connect({ url: limited.url, protocolVersion: 4, reconnect: fast, subscriptions: [] });
    // QoS 0 has no acknowledgement: it settles when written; the broker's answer is the close that follows.
    await h.publish({ connectionId: info.connectionId, topic: 'big/q0', payload: 'x'.repeat(5_000), qos: 0 });
    const dropped = await h.waitForStatus((s) => s.connectionId === info.connectionId && s.state === 'reconnecting', 'the drop');
    expect(dropped.error).toMatchObject({ code: 'PACKET_TOO_LARGE', message: expect.stringContaining('right after a 50') });
    await h.waitForState(info.connectionId, 'connected');
    await expect(h.publish({ connectionId: info.connectionId, topic: 'big/q0', payload: 'x'.repeat(5_000), qos: 0 })).rejects.toMatchObject({ code: 'PACKET_TOO_LARGE' });
    expect(sentPublishes(info.connectionId, 'big/q0')).toBe(1);
  });
});

describe('a session taken over by another client', () => {
  it('stops reconnecting after an MQTT 5 DISCONNECT 0x8E, says so, and takes the session back on request', async () => {
    const broker = createBroker({ listeners: [{ kind: 'tcp', host: '127.0.0.1', port: 0 }] });
    embedded.push(broker);
    const [bound] = await broker.start();
    const url = `mqtt://127.0.0.1:${bound!.port}`;
    h = createManagerHarness();
    const info = await h.connect({ url, clientId: 'same-id', reconnect: fast, subscriptions: [] });
    const other = await otherClient(url, 'same-id', 5);
    const stopped = await h.waitForStatus((s) => s.connectionId === info.connectionId && s.state === 'error', 'the takeover');
    expect(stopped.error).toMatchObject({ code: 'SESSION_TAKEN_OVER', message: expect.stringMatching(/stopped reconnecting/) });
    expect(stopped.reconnect).toBeUndefined();
    // Give a flapping client the time of many back-off periods: the other keeps the session, and we stay stopped.
    await expect(waitFor(() => !other.connected, { timeoutMs: 1_000, what: 'the other client kicked' })).rejects.toThrow(/Timed out/);
    expect(connectsSent(info.connectionId)).toBe(1);
    const back = await h.manager.reconnect(info.connectionId);
    expect(back.state).toBe('connected');
    await waitFor(() => !other.connected, { what: 'the other client losing the session' });
  });

  it.each([4, 5] as const)('stops reconnecting when mosquitto silently closes a taken-over session (protocol version %i)', async (protocolVersion) => {
    h = createManagerHarness();
    const info = await h.connect({ url: plain.url, clientId: `same-id-${protocolVersion}`, protocolVersion, reconnect: fast, subscriptions: [] });
    const other = await otherClient(plain.url, `same-id-${protocolVersion}`, protocolVersion);
    const stopped = await h.waitForStatus((s) => s.connectionId === info.connectionId && s.state === 'error', 'the takeover');
    expect(stopped.error).toMatchObject({ code: 'SESSION_TAKEN_OVER', message: expect.stringContaining(`same client id ("same-id-${protocolVersion}")`) });
    await expect(waitFor(() => !other.connected, { timeoutMs: 1_000, what: 'the other client kicked' })).rejects.toThrow(/Timed out/);
    expect(connectsSent(info.connectionId)).toBe(1);
    expect(statusesOf(info.connectionId).length).toBeLessThanOrEqual(4);
  });

  it('still reconnects with a fixed client id when mosquitto restarts', async () => {
    const broker = await startMosquitto();
    try {
      h = createManagerHarness();
      const info = await h.connect({ url: broker.url, clientId: 'fixed-restart', protocolVersion: 4, reconnect: fast, subscriptions: [] });
      await broker.restart();
      await h.waitForStatus((s) => s.connectionId === info.connectionId && s.state === 'connected' && connectsSent(info.connectionId) >= 2, 'reconnected');
    } finally {
      await broker.stop();
    }
  });
});

describe('the client id', () => {
  it('sends an empty id with MQTT 5, shows the Assigned Client Identifier, and reconnects with it', async () => {
    h = createManagerHarness();
    const info = await h.connect({ url: plain.url, protocolVersion: 5, clientId: '', reconnect: fast, subscriptions: [] });
    expect(info.clientId).toMatch(/^auto-/);
    expect(info.clientIdAssigned).toBe(true);
    expect(info.broker?.assignedClientIdentifier).toBe(info.clientId);
    const connects = () => h.manager.packetLog(info.connectionId, { types: ['connect'], direction: 'out', offset: 0, limit: 10 }).entries;
    expect(connects()[0]?.properties).toMatchObject({ clientId: '' });
    h.manager.abortTransport(info.connectionId);
    await waitFor(() => connects().length === 2 && h.manager.get(info.connectionId).state === 'connected', { what: 'the reconnect' });
    expect(connects()[1]?.properties).toMatchObject({ clientId: info.clientId });
    expect(h.manager.get(info.connectionId).clientId).toBe(info.clientId);
  });

  it('sends an empty id with MQTT 3.1.1 and a clean session, but makes one up for MQTT 3.1 and for a kept 3.1.1 session', async () => {
    h = createManagerHarness();
    const v4 = await h.connect({ url: plain.url, protocolVersion: 4, subscriptions: [] });
    expect(v4.clientId).toBe('');
    expect(v4.clientIdAssigned).toBe(true);
    const v3 = await h.connect({ url: plain.url, protocolVersion: 3, subscriptions: [] });
    expect(v3.clientId).toMatch(/^topiary-/);
    const kept = await h.connect({ url: plain.url, protocolVersion: 4, clean: false, subscriptions: [] });
    expect(kept.clientId).toMatch(/^topiary-/);
  });
});
