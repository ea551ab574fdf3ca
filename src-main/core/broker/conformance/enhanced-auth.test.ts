import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScramClient, type ScramMechanism } from '../../auth/scram';
import { createUserRecord } from '../user-credentials';
import { RawClient, type ReceivedPacket } from '../../../test-support/conformance/raw-client';
import { isEmbedded, isMosquitto, startTarget, type Target } from '../../../test-support/conformance/target';

/** MQTT 5 enhanced authentication (section 4.12, the AUTH packet of 3.15) with SCRAM. mosquitto 2.0 has none: see DIFFERENCES.md. */

interface AuthProps {
  readonly authenticationMethod?: string;
  readonly authenticationData?: Buffer;
}
const authOf = (p: ReceivedPacket): AuthProps => (p.properties ?? {}) as AuthProps;

let target: Target;
const open: RawClient[] = [];

beforeAll(async () => {
  const users = isEmbedded
    ? await Promise.all([
        createUserRecord('alice', 'wonderland', { passwordIterations: 1000 }),
        createUserRecord('bob', 'builder', { authMethods: ['SCRAM-SHA-512'] }),
      ])
    : undefined;
  target = await startTarget({ users, connectTimeout: 2 });
});
afterAll(async () => {
  for (const c of open) c.close();
  await target.stop();
});

let n = 0;
const id = (p: string): string => `${p}-${process.pid}-${++n}`;

async function openRaw(): Promise<RawClient> {
  const c = await RawClient.open(target.port, 5);
  open.push(c);
  return c;
}

/** Sends a CONNECT naming a SCRAM method with the client-first message. */
async function startScram(mechanism: ScramMechanism, username: string, password: string, extra: Record<string, unknown> = {}): Promise<{ c: RawClient; scram: ScramClient }> {
  const c = await openRaw();
  const scram = new ScramClient(mechanism, username, password);
  c.send({
    cmd: 'connect',
    protocolVersion: 5,
    protocolId: 'MQTT',
    clean: true,
    keepalive: 60,
    clientId: id('scram'),
    properties: { authenticationMethod: mechanism, authenticationData: Buffer.from(scram.first()) },
    ...extra,
  });
  return { c, scram };
}

/** Runs a whole SCRAM exchange at CONNECT; resolves with the CONNACK. */
async function scramConnect(mechanism: ScramMechanism, username: string, password: string): Promise<{ c: RawClient; scram: ScramClient; connack: ReceivedPacket }> {
  const { c, scram } = await startScram(mechanism, username, password);
  const challenge = await c.next('auth');
  const final = await scram.final(authOf(challenge).authenticationData!.toString());
  c.send({ cmd: 'auth', reasonCode: 0x18, properties: { authenticationMethod: mechanism, authenticationData: Buffer.from(final) } });
  return { c, scram, connack: await c.next('connack') };
}

/** Re-authenticates on a live connection; resolves with the server's last packet (AUTH 0x00 or DISCONNECT). */
async function reauthenticate(c: RawClient, mechanism: ScramMechanism, username: string, password: string): Promise<{ scram: ScramClient; last: ReceivedPacket }> {
  const scram = new ScramClient(mechanism, username, password);
  c.send({ cmd: 'auth', reasonCode: 0x19, properties: { authenticationMethod: mechanism, authenticationData: Buffer.from(scram.first()) } });
  const challenge = await c.next('auth');
  expect(challenge.reasonCode).toBe(0x18);
  c.send({ cmd: 'auth', reasonCode: 0x18, properties: { authenticationMethod: mechanism, authenticationData: Buffer.from(await scram.final(authOf(challenge).authenticationData!.toString())) } });
  const last = await c.next(undefined);
  return { scram, last };
}

describe('enhanced authentication (MQTT 5 section 4.12)', () => {
  it('[MQTT-4.12.0-1] answers an Authentication Method it does not support with CONNACK 0x8C and closes', async () => {
    const c = await openRaw();
    c.send({ cmd: 'connect', protocolVersion: 5, protocolId: 'MQTT', clean: true, keepalive: 60, clientId: id('bad-method'), properties: { authenticationMethod: 'KERBEROS-PLEASE' } });
    const ack = await c.next('connack');
    expect(ack.reasonCode).toBe(0x8c);
    expect(await c.waitClosed()).toBe(true);
  });

  it('[MQTT-4.12.0-6] sends no Authentication Method in CONNACK, and no AUTH, to a client that named none', async () => {
    const { client, connack } = await RawClient.connected(target.port, 5, { clientId: id('plain') });
    open.push(client);
    expect(connack.reasonCode).toBe(0);
    expect(authOf(connack).authenticationMethod).toBeUndefined();
    expect(await client.expectNone('auth')).toBe(true);
  });

  it('[MQTT-4.12.0-7] treats AUTH from a client that named no method as a protocol error (DISCONNECT 0x82)', async () => {
    const { client } = await RawClient.connected(target.port, 5, { clientId: id('stray-auth') });
    open.push(client);
    client.send({ cmd: 'auth', reasonCode: 0x19, properties: { authenticationMethod: 'SCRAM-SHA-256', authenticationData: Buffer.from('n,,n=alice,r=abc') } });
    expect(await client.waitClosed()).toBe(true);
    // mosquitto 2.0 closes without a DISCONNECT (DIFFERENCES.md).
    const d = client.received.find((p) => p.cmd === 'disconnect');
    if (d || isEmbedded) expect(d).toMatchObject({ reasonCode: 0x82 });
  });

  it('[3.1.2.11.10] treats Authentication Data without an Authentication Method as a protocol error (mosquitto: ignores it)', async () => {
    const c = await openRaw();
    c.send({ cmd: 'connect', protocolVersion: 5, protocolId: 'MQTT', clean: true, keepalive: 60, clientId: id('data-only'), properties: { authenticationData: Buffer.from('x') } });
    const ack = await c.next('connack');
    expect(ack.reasonCode).toBe(isMosquitto ? 0 : 0x82);
    if (isEmbedded) expect(await c.waitClosed()).toBe(true);
  });

  it.runIf(isMosquitto)('mosquitto (no enhanced authentication) answers a SCRAM CONNECT with CONNACK 0x8C', async () => {
    const { c } = await startScram('SCRAM-SHA-256', 'alice', 'wonderland');
    expect((await c.next('connack')).reasonCode).toBe(0x8c);
    expect(await c.waitClosed()).toBe(true);
  });
});

describe.runIf(isEmbedded)('SCRAM at CONNECT', () => {
  for (const mechanism of ['SCRAM-SHA-1', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const) {
    it(`[MQTT-4.12.0-2] [MQTT-4.12.0-3] [MQTT-4.12.0-5] ${mechanism}: AUTH 0x18 both ways, then CONNACK 0 with the method and a server signature that verifies`, async () => {
      const { c, scram } = await startScram(mechanism, 'alice', 'wonderland');
      const challenge = await c.next('auth');
      expect(challenge.reasonCode).toBe(0x18);
      expect(authOf(challenge).authenticationMethod).toBe(mechanism);
      const final = await scram.final(authOf(challenge).authenticationData!.toString());
      c.send({ cmd: 'auth', reasonCode: 0x18, properties: { authenticationMethod: mechanism, authenticationData: Buffer.from(final) } });
      const connack = await c.next('connack');
      expect(connack.reasonCode).toBe(0);
      expect(authOf(connack).authenticationMethod).toBe(mechanism);
      expect(() => scram.verify(authOf(connack).authenticationData?.toString())).not.toThrow();
      const who = target.broker!.listClients().find((x) => x.username === 'alice');
      expect(who).toBeDefined();
    });
  }

  it('[MQTT-4.12.0-4] refuses a wrong password with CONNACK 0x87 (carrying e=invalid-proof) and closes', async () => {
    const { c, connack } = await scramConnect('SCRAM-SHA-256', 'alice', 'not-wonderland');
    expect(connack.reasonCode).toBe(0x87);
    expect(authOf(connack).authenticationData?.toString()).toBe('e=invalid-proof');
    expect(await c.waitClosed()).toBe(true);
  });

  it('[MQTT-4.12.0-4] an unknown user is challenged like a real one and refused only at the proof (no user enumeration)', async () => {
    const { c, connack } = await scramConnect('SCRAM-SHA-256', 'mallory', 'guess');
    expect(connack.reasonCode).toBe(0x87);
    expect(await c.waitClosed()).toBe(true);
  });

  it('honours the per-user choice of methods: bob may use SCRAM-SHA-512 only, not SHA-256 and not a password', async () => {
    expect((await scramConnect('SCRAM-SHA-512', 'bob', 'builder')).connack.reasonCode).toBe(0);
    expect((await scramConnect('SCRAM-SHA-256', 'bob', 'builder')).connack.reasonCode).toBe(0x87);
    const { client, connack } = await RawClient.connected(target.port, 5, { clientId: id('bob-pw'), username: 'bob', password: Buffer.from('builder') });
    open.push(client);
    expect(connack.reasonCode).toBe(0x86);
  });

  it('refuses a CONNECT whose user name is not the SCRAM user with CONNACK 0x87', async () => {
    const { c, scram } = await startScram('SCRAM-SHA-256', 'alice', 'wonderland', { username: 'bob' });
    const challenge = await c.next('auth');
    c.send({ cmd: 'auth', reasonCode: 0x18, properties: { authenticationMethod: 'SCRAM-SHA-256', authenticationData: Buffer.from(await scram.final(authOf(challenge).authenticationData!.toString())) } });
    expect((await c.next('connack')).reasonCode).toBe(0x87);
  });

  it('[MQTT-3.1.2-30] treats a packet other than AUTH or DISCONNECT before CONNACK as a protocol error (CONNACK 0x82)', async () => {
    const { c } = await startScram('SCRAM-SHA-256', 'alice', 'wonderland');
    await c.next('auth');
    c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'a', qos: 0 }], properties: {} });
    expect((await c.next('connack')).reasonCode).toBe(0x82);
    expect(await c.waitClosed()).toBe(true);
    expect(c.received.some((p) => p.cmd === 'suback')).toBe(false);
  });

  it('[MQTT-4.12.0-5] treats an AUTH naming another method than CONNECT as a protocol error', async () => {
    const { c } = await startScram('SCRAM-SHA-256', 'alice', 'wonderland');
    await c.next('auth');
    c.send({ cmd: 'auth', reasonCode: 0x18, properties: { authenticationMethod: 'SCRAM-SHA-1', authenticationData: Buffer.from('c=biws,r=x,p=AAAA') } });
    expect((await c.next('connack')).reasonCode).toBe(0x82);
  });

  it('[MQTT-4.12.0-3] treats an AUTH 0x19 in answer to the server\'s challenge as a protocol error', async () => {
    const { c } = await startScram('SCRAM-SHA-256', 'alice', 'wonderland');
    await c.next('auth');
    c.send({ cmd: 'auth', reasonCode: 0x19, properties: { authenticationMethod: 'SCRAM-SHA-256', authenticationData: Buffer.from('n,,n=alice,r=abc') } });
    expect((await c.next('connack')).reasonCode).toBe(0x82);
  });

  it('refuses a malformed SCRAM client message with CONNACK 0x87', async () => {
    const c = await openRaw();
    c.send({ cmd: 'connect', protocolVersion: 5, protocolId: 'MQTT', clean: true, keepalive: 60, clientId: id('garbage'), properties: { authenticationMethod: 'SCRAM-SHA-256', authenticationData: Buffer.from('hello there') } });
    expect((await c.next('connack')).reasonCode).toBe(0x87);
    expect(await c.waitClosed()).toBe(true);
  });

  it('refuses a SCRAM CONNECT without the client-first message (no Authentication Data) with CONNACK 0x87', async () => {
    const c = await openRaw();
    c.send({ cmd: 'connect', protocolVersion: 5, protocolId: 'MQTT', clean: true, keepalive: 60, clientId: id('no-data'), properties: { authenticationMethod: 'SCRAM-SHA-1' } });
    expect((await c.next('connack')).reasonCode).toBe(0x87);
  });

  it('a client may leave with DISCONNECT during the exchange, and gets no CONNACK', async () => {
    const { c } = await startScram('SCRAM-SHA-256', 'alice', 'wonderland');
    await c.next('auth');
    c.send({ cmd: 'disconnect', reasonCode: 0 });
    expect(await c.waitClosed()).toBe(true);
    expect(c.received.some((p) => p.cmd === 'connack')).toBe(false);
  });

  it('closes a client that never answers the challenge once the connect time is up', async () => {
    const { c } = await startScram('SCRAM-SHA-256', 'alice', 'wonderland');
    await c.next('auth');
    expect(await c.waitClosed(6000)).toBe(true);
  });

  it('[MQTT-3.15.1-1] treats an AUTH with reserved flag bits set as malformed', async () => {
    const { c } = await startScram('SCRAM-SHA-256', 'alice', 'wonderland');
    await c.next('auth');
    // AUTH, flags 0x1, remaining length 2: reason 0x18, no properties.
    c.sendRaw([0xf1, 0x02, 0x18, 0x00]);
    expect(await c.waitClosed()).toBe(true);
    expect(c.received.some((p) => p.cmd === 'connack' && (p as { reasonCode?: number }).reasonCode === 0)).toBe(false);
  });
});

describe.runIf(isEmbedded)('SCRAM re-authentication (MQTT 5 section 4.12.1)', () => {
  it('[MQTT-4.12.1-1] re-authenticates a live connection: AUTH 0x19, 0x18 both ways, AUTH 0x00 with a signature that verifies; the connection carries on', async () => {
    const { c, connack } = await scramConnect('SCRAM-SHA-256', 'alice', 'wonderland');
    expect(connack.reasonCode).toBe(0);
    const { scram, last } = await reauthenticate(c, 'SCRAM-SHA-256', 'alice', 'wonderland');
    expect(last).toMatchObject({ cmd: 'auth', reasonCode: 0 });
    expect(authOf(last).authenticationMethod).toBe('SCRAM-SHA-256');
    expect(() => scram.verify(authOf(last).authenticationData?.toString())).not.toThrow();
    c.send({ cmd: 'pingreq' });
    expect((await c.next('pingresp')).cmd).toBe('pingresp');
  });

  it('[MQTT-4.12.1-2] a failed re-authentication gets DISCONNECT 0x87 and the connection closes', async () => {
    const { c } = await scramConnect('SCRAM-SHA-256', 'alice', 'wonderland');
    const { last } = await reauthenticate(c, 'SCRAM-SHA-256', 'alice', 'wrong');
    expect(last).toMatchObject({ cmd: 'disconnect', reasonCode: 0x87 });
    expect(await c.waitClosed()).toBe(true);
  });

  it('[MQTT-4.12.1-2] re-authenticating as another user gets DISCONNECT 0x87', async () => {
    const { c } = await scramConnect('SCRAM-SHA-512', 'alice', 'wonderland');
    const { last } = await reauthenticate(c, 'SCRAM-SHA-512', 'bob', 'builder');
    expect(last).toMatchObject({ cmd: 'disconnect', reasonCode: 0x87 });
  });

  it('[MQTT-4.12.1-1] treats re-authentication with another method as a protocol error (DISCONNECT 0x82)', async () => {
    const { c } = await scramConnect('SCRAM-SHA-256', 'alice', 'wonderland');
    c.send({ cmd: 'auth', reasonCode: 0x19, properties: { authenticationMethod: 'SCRAM-SHA-1', authenticationData: Buffer.from(new ScramClient('SCRAM-SHA-1', 'alice', 'x').first()) } });
    expect(await c.next('disconnect')).toMatchObject({ reasonCode: 0x82 });
  });

  it('[MQTT-3.15.2-1] treats an AUTH 0x18 with no re-authentication under way as a protocol error', async () => {
    const { c } = await scramConnect('SCRAM-SHA-256', 'alice', 'wonderland');
    c.send({ cmd: 'auth', reasonCode: 0x18, properties: { authenticationMethod: 'SCRAM-SHA-256', authenticationData: Buffer.from('c=biws,r=x,p=AAAA') } });
    expect(await c.next('disconnect')).toMatchObject({ reasonCode: 0x82 });
  });
});
