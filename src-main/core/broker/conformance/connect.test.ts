import { describe, expect, it } from 'vitest';
import { RawClient } from '../../../test-support/conformance/raw-client';
import { isEmbedded, isMosquitto, startTarget } from '../../../test-support/conformance/target';
import { useTarget } from '../../../test-support/conformance/suite';

const suite = useTarget();
const { raws: open } = suite;
const track = <T extends { client: RawClient }>(r: T): T => {
  open.push(r.client);
  return r;
};

let n = 0;
const id = (p: string): string => `${p}-${process.pid}-${++n}`;

describe('CONNECT and CONNACK', () => {
  it('[MQTT-3.1.0-1] closes a connection whose first packet is not CONNECT', async () => {
    const c = await RawClient.open(suite.target.port, 4);
    open.push(c);
    c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'a', qos: 0 }] });
    expect(await c.waitClosed()).toBe(true);
    expect(c.received.filter((p) => p.cmd === 'suback')).toHaveLength(0);
  });

  it('[MQTT-3.1.0-2] treats a second CONNECT as a protocol error (v5: DISCONNECT 0x82) and closes', async () => {
    const { client } = track(await RawClient.connected(suite.target.port, 5, { clientId: id('twice') }));
    client.send({ cmd: 'connect', protocolVersion: 5, clean: true, keepalive: 60, clientId: id('twice') });
    expect(await client.waitClosed()).toBe(true);
    const d = client.received.find((p) => p.cmd === 'disconnect') as { reasonCode?: number } | undefined;
    if (d || isEmbedded) expect(d?.reasonCode).toBe(0x82);
  });

  it('[MQTT-3.1.0-2] closes a 3.1.1 connection that sends a second CONNECT', async () => {
    const { client } = track(await RawClient.connected(suite.target.port, 4, { clientId: id('twice4') }));
    client.send({ cmd: 'connect', protocolVersion: 4, clean: true, keepalive: 60, clientId: id('twice4') });
    expect(await client.waitClosed()).toBe(true);
  });

  it('[MQTT-3.1.2-2] answers an unsupported 3.x protocol level with CONNACK 0x01 and closes', async () => {
    const c = await RawClient.open(suite.target.port, 4);
    open.push(c);
    // CONNECT with protocol name MQTT and level 6.
    const body = Buffer.from([0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x06, 0x02, 0x00, 0x3c, 0x00, 0x01, 0x78]);
    c.sendRaw(Buffer.concat([Buffer.from([0x10, body.length]), body]));
    const ack = await c.next('connack');
    expect(ack.returnCode).toBe(1);
    expect(await c.waitClosed()).toBe(true);
  });

  it('[MQTT-3.2.2-5] accepts a v5 CONNECT with reason code 0 and announces its capabilities', async () => {
    const { connack } = track(await RawClient.connected(suite.target.port, 5, { clientId: id('caps') }));
    const a = connack;
    expect(a.reasonCode).toBe(0);
    expect(a.sessionPresent).toBe(false);
    expect(a.properties?.topicAliasMaximum).toBeGreaterThan(0);
  });

  it('[MQTT-3.1.3-6] [MQTT-3.2.2-16] assigns a client identifier to a v5 client that sends an empty one', async () => {
    const { connack } = track(await RawClient.connected(suite.target.port, 5, { clientId: '' }));
    const assigned = (connack as { properties?: { assignedClientIdentifier?: string } }).properties?.assignedClientIdentifier;
    expect(typeof assigned).toBe('string');
    expect(assigned!.length).toBeGreaterThan(0);
  });

  it('[MQTT-3.1.3-7] accepts an empty client identifier from a 3.1.1 client with clean session 1', async () => {
    const { connack } = track(await RawClient.connected(suite.target.port, 4, { clientId: '', clean: true }));
    expect((connack as { returnCode?: number }).returnCode).toBe(0);
  });

  it('[MQTT-3.1.3-8] refuses an empty client identifier with clean session 0 in 3.1.1 (CONNACK 0x02) and closes', async () => {
    const client = await RawClient.open(suite.target.port, 4);
    open.push(client);
    // mqtt-packet refuses to encode this, so the bytes are written by hand: clean session 0, empty id.
    const body = Buffer.from([0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0x00, 0x00, 0x3c, 0x00, 0x00]);
    client.sendRaw(Buffer.concat([Buffer.from([0x10, body.length]), body]));
    const connack = await client.next('connack');
    expect((connack as { returnCode?: number }).returnCode).toBe(2);
    expect(await client.waitClosed()).toBe(true);
  });

  it('[MQTT-3.1.4-2] accepts MQTT 3.1 (MQIsdp) clients on the same port', async () => {
    const { connack } = track(await RawClient.connected(suite.target.port, 3, { clientId: id('v31') }));
    expect((connack as { returnCode?: number }).returnCode).toBe(0);
  });

  it('[MQTT-4.12.0-1] refuses enhanced authentication it does not support with CONNACK 0x8C', async () => {
    const { client, connack } = track(
      await RawClient.connected(suite.target.port, 5, { clientId: id('authm'), properties: { authenticationMethod: 'NO-SUCH-METHOD' } }),
    );
    expect((connack as { reasonCode?: number }).reasonCode).toBe(0x8c);
    expect(await client.waitClosed()).toBe(true);
  });
});

describe('Sessions at connect', () => {
  it('[MQTT-3.1.2-4] [MQTT-3.2.2-2] clean start discards the session and reports no session present', async () => {
    const cid = id('clean');
    const first = track(await RawClient.connected(suite.target.port, 5, { clientId: cid, clean: false, properties: { sessionExpiryInterval: 60 } }));
    first.client.send({ cmd: 'disconnect', reasonCode: 0 });
    await first.client.waitClosed();
    const second = track(await RawClient.connected(suite.target.port, 5, { clientId: cid, clean: true }));
    expect((second.connack as { sessionPresent?: boolean }).sessionPresent).toBe(false);
  });

  it('[MQTT-3.1.2-5] [MQTT-3.2.2-3] clean start 0 resumes a stored session and reports session present', async () => {
    const cid = id('resume');
    const first = track(await RawClient.connected(suite.target.port, 5, { clientId: cid, clean: false, properties: { sessionExpiryInterval: 60 } }));
    first.client.send({ cmd: 'disconnect', reasonCode: 0 });
    await first.client.waitClosed();
    const second = track(await RawClient.connected(suite.target.port, 5, { clientId: cid, clean: false, properties: { sessionExpiryInterval: 60 } }));
    expect((second.connack as { sessionPresent?: boolean }).sessionPresent).toBe(true);
  });

  it('[MQTT-3.1.2-23] a session with expiry 0 ends with its connection', async () => {
    const cid = id('exp0');
    const first = track(await RawClient.connected(suite.target.port, 5, { clientId: cid, clean: false }));
    first.client.send({ cmd: 'disconnect', reasonCode: 0 });
    await first.client.waitClosed();
    const second = track(await RawClient.connected(suite.target.port, 5, { clientId: cid, clean: false }));
    expect((second.connack as { sessionPresent?: boolean }).sessionPresent).toBe(false);
  });

  it('[MQTT-3.1.2-6] a 3.1.1 session with clean session 0 survives the connection', async () => {
    const cid = id('v4persist');
    const first = track(await RawClient.connected(suite.target.port, 4, { clientId: cid, clean: false }));
    first.client.send({ cmd: 'disconnect' });
    await first.client.waitClosed();
    const second = track(await RawClient.connected(suite.target.port, 4, { clientId: cid, clean: false }));
    expect((second.connack as { sessionPresent?: boolean }).sessionPresent).toBe(true);
    const third = track(await RawClient.connected(suite.target.port, 4, { clientId: cid, clean: true }));
    expect((third.connack as { sessionPresent?: boolean }).sessionPresent).toBe(false);
  });

  it.skipIf(isMosquitto)('[MQTT-3.1.4-3] takes over a session: the old v5 connection gets DISCONNECT 0x8E and is closed (skipped on mosquitto 2.0: it closes without DISCONNECT)', async () => {
    const cid = id('takeover');
    const old = track(await RawClient.connected(suite.target.port, 5, { clientId: cid }));
    const fresh = track(await RawClient.connected(suite.target.port, 5, { clientId: cid }));
    expect((fresh.connack as { reasonCode?: number }).reasonCode).toBe(0);
    const d = await old.client.next('disconnect');
    expect(d.reasonCode).toBe(0x8e);
    expect(await old.client.waitClosed()).toBe(true);
    fresh.client.send({ cmd: 'pingreq' });
    await fresh.client.next('pingresp');
  });

  it('[MQTT-3.1.4-3] closes the old 3.1.1 connection on takeover', async () => {
    const cid = id('takeover4');
    const old = track(await RawClient.connected(suite.target.port, 4, { clientId: cid }));
    track(await RawClient.connected(suite.target.port, 4, { clientId: cid }));
    expect(await old.client.waitClosed()).toBe(true);
  });

  it('[MQTT-3.14.2.2.2] a DISCONNECT may not raise session expiry from 0 (protocol error 0x82)', async () => {
    const { client } = track(await RawClient.connected(suite.target.port, 5, { clientId: id('expraise') }));
    client.send({ cmd: 'disconnect', reasonCode: 0, properties: { sessionExpiryInterval: 30 } });
    expect(await client.waitClosed()).toBe(true);
    const d = client.received.find((p) => p.cmd === 'disconnect') as { reasonCode?: number } | undefined;
    if (d || isEmbedded) expect(d?.reasonCode).toBe(0x82);
  });
});

describe('Keep alive', () => {
  it('[MQTT-3.1.2-22] closes a connection that is silent for 1.5 times its keep alive', async () => {
    // From before CONNECT: the broker counts the silence from when it read it, not from when CONNACK arrived here.
    const started = Date.now();
    const { client } = track(await RawClient.connected(suite.target.port, 4, { clientId: id('ka'), keepalive: 1 }));
    // mosquitto checks keep alive on a coarse timer and closes several seconds late.
    expect(await client.waitClosed(isMosquitto ? 8000 : 2500)).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1450);
  });

  it('[MQTT-3.1.2-22] keeps a connection open while the client pings within its keep alive', async () => {
    const { client } = track(await RawClient.connected(suite.target.port, 4, { clientId: id('kaping'), keepalive: 1 }));
    for (let i = 0; i < 4; i++) {
      client.send({ cmd: 'pingreq' });
      await client.next('pingresp');
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(client.closed).toBe(false);
  });

  it('[MQTT-3.2.2-21] announces Server Keep Alive when the client asks for more than the maximum', async () => {
    const t = await startTarget({ maxKeepalive: 30 });
    try {
      const { client, connack } = await RawClient.connected(t.port, 5, { clientId: id('ska'), keepalive: 600 });
      open.push(client);
      expect((connack as { properties?: { serverKeepAlive?: number } }).properties?.serverKeepAlive).toBe(30);
    } finally {
      await t.stop();
    }
  });
});

describe('Malformed input at connect time', () => {
  it('[MQTT-3.1.2-3] closes a connection whose CONNECT sets the reserved flag', async () => {
    const c = await RawClient.open(suite.target.port, 4);
    open.push(c);
    const body = Buffer.from([0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0x03, 0x00, 0x3c, 0x00, 0x01, 0x78]);
    c.sendRaw(Buffer.concat([Buffer.from([0x10, body.length]), body]));
    expect(await c.waitClosed()).toBe(true);
    expect(c.received.some((p) => p.cmd === 'connack' && (p as { returnCode?: number }).returnCode === 0)).toBe(false);
  });

  it('[MQTT-3.1.2-1] closes a connection with an unknown protocol name', async () => {
    const c = await RawClient.open(suite.target.port, 4);
    open.push(c);
    const body = Buffer.from([0x00, 0x04, 0x4d, 0x51, 0x54, 0x58, 0x04, 0x02, 0x00, 0x3c, 0x00, 0x01, 0x78]);
    c.sendRaw(Buffer.concat([Buffer.from([0x10, body.length]), body]));
    expect(await c.waitClosed()).toBe(true);
  });

  it(`[MQTT-3.1.2-2] answers an unsupported level to a v5-style client with a refusal${isMosquitto ? ' (mosquitto: v3 format)' : ''}`, async () => {
    const c = await RawClient.open(suite.target.port, 4);
    open.push(c);
    const body = Buffer.from([0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x07, 0x02, 0x00, 0x3c, 0x00, 0x01, 0x78]);
    c.sendRaw(Buffer.concat([Buffer.from([0x10, body.length]), body]));
    expect(await c.waitClosed()).toBe(true);
  });
});
