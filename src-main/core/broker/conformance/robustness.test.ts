import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { collect, endAll, mqttClient, type Received } from '../../../test-support/conformance/clients';
import { RawClient } from '../../../test-support/conformance/raw-client';
import { startTarget, type Target } from '../../../test-support/conformance/target';
import { waitFor } from '../../../test-support/conformance/wait-for';

let target: Target;
let healthy: MqttClient;
let healthyInbox: Received[];
const raws: RawClient[] = [];
let n = 0;

beforeAll(async () => {
  target = await startTarget();
  healthy = await mqttClient(target, { protocolVersion: 5, clientId: `healthy-${process.pid}` });
  await healthy.subscribeAsync('robust/echo', { qos: 1 });
  healthyInbox = collect(healthy);
});
afterAll(async () => {
  for (const c of raws) c.close();
  await endAll([healthy]);
  await target.stop();
});

/** The well-behaved client still publishes and receives after the bad one was dealt with. */
async function assertOthersStillServed(): Promise<void> {
  const marker = `alive-${++n}`;
  await healthy.publishAsync('robust/echo', marker, { qos: 1 });
  await waitFor(() => healthyInbox.some((m) => m.payload === marker), 3000, 'the healthy client to get its message');
}

async function openRaw(): Promise<RawClient> {
  const c = await RawClient.open(target.port, 4);
  raws.push(c);
  return c;
}

async function connectedRaw(version: 4 | 5 = 4): Promise<RawClient> {
  const { client } = await RawClient.connected(target.port, version, { clientId: `bad-${process.pid}-${++n}` });
  raws.push(client);
  return client;
}

describe('Hostile and broken input', () => {
  it('[MQTT-4.13.1-1] closes a connection that sends random bytes and keeps serving others', async () => {
    for (let i = 0; i < 5; i++) {
      const c = await openRaw();
      // 0x00 and 0xF0 are reserved packet types: start with one so the garbage is always invalid.
      c.sendRaw(Buffer.concat([Buffer.from([i % 2 === 0 ? 0x00 : 0xf0, 0x10]), randomBytes(64)]));
      expect(await c.waitClosed()).toBe(true);
    }
    await assertOthersStillServed();
  });

  it('[MQTT-4.13.1-1] closes a connected client that sends random bytes', async () => {
    const c = await connectedRaw();
    c.sendRaw(Buffer.concat([Buffer.from([0xf0, 0x20]), randomBytes(32)]));
    expect(await c.waitClosed()).toBe(true);
    await assertOthersStillServed();
  });

  it('[MQTT-1.5.5-1] closes a connection whose remaining length runs past four bytes', async () => {
    const c = await connectedRaw();
    c.sendRaw([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]);
    expect(await c.waitClosed()).toBe(true);
    await assertOthersStillServed();
  });

  it('[MQTT-4.13.1-1] closes a connection whose PUBLISH topic length runs past the packet', async () => {
    const c = await connectedRaw();
    c.sendRaw([0x30, 0x04, 0x00, 0x40, 0x61, 0x62]);
    expect(await c.waitClosed()).toBe(true);
    await assertOthersStillServed();
  });

  it('[MQTT-4.13.1-1] closes a connection whose SUBSCRIBE is cut short', async () => {
    const c = await connectedRaw();
    c.sendRaw([0x82, 0x04, 0x00, 0x01, 0x00, 0x05]);
    expect(await c.waitClosed()).toBe(true);
    await assertOthersStillServed();
  });

  it('[MQTT-1.5.4-1] closes a v5 connection that publishes an invalid UTF-8 topic', async () => {
    const c = await connectedRaw(5);
    c.sendRaw([0x30, 0x06, 0x00, 0x03, 0x61, 0xff, 0x62, 0x00]);
    expect(await c.waitClosed()).toBe(true);
    await assertOthersStillServed();
  });

  it('[MQTT-3.1.0-1] closes a connection that publishes before CONNECT', async () => {
    const c = await openRaw();
    c.send({ cmd: 'publish', topic: 'robust/echo', payload: 'sneaky', qos: 0 });
    expect(await c.waitClosed()).toBe(true);
    await assertOthersStillServed();
    expect(healthyInbox.some((m) => m.payload === 'sneaky')).toBe(false);
  });

  it('[MQTT-3.1.0-2] closes a connection that sends a second CONNECT', async () => {
    const c = await connectedRaw();
    c.send({ cmd: 'connect', protocolVersion: 4, clean: true, keepalive: 60, clientId: 'again' });
    expect(await c.waitClosed()).toBe(true);
    await assertOthersStillServed();
  });

  it('[MQTT-2.2.2-2] closes a connection that sends PUBREL with wrong header flags', async () => {
    const c = await connectedRaw();
    c.sendRaw([0x60, 0x02, 0x00, 0x01]);
    expect(await c.waitClosed()).toBe(true);
    await assertOthersStillServed();
  });

  it('[MQTT-4.13.1-1] survives a partial packet followed by a dropped connection', async () => {
    const c = await connectedRaw();
    c.sendRaw([0x30, 0x20, 0x00, 0x05, 0x61]);
    c.close();
    await assertOthersStillServed();
  });
});
