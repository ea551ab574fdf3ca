import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScramCredential } from '../core/auth/scram';
import { createUserRecord } from '../core/broker/user-credentials';
import { startFakeAuthServer } from '../test-support/fake-auth-server';
import { startMosquitto, type Mosquitto } from '../test-support/mosquitto';
import { connect, createBroker, type AuthMethod, type EmbeddedBroker, type TopiaryClient } from './index';

let broker: EmbeddedBroker;
const clients: TopiaryClient[] = [];
const track = (c: TopiaryClient): TopiaryClient => (clients.push(c), c);

beforeAll(async () => {
  const good = await createScramCredential('SCRAM-SHA-256', 'right', {});
  const impostorKeys = await createScramCredential('SCRAM-SHA-256', 'something else', { salt: Buffer.from(good.salt, 'base64') });
  broker = await createBroker({
    allowAnonymous: false,
    users: [
      await createUserRecord('alice', 'wonderland', { passwordIterations: 1000 }),
      await createUserRecord('bob', 'builder', { authMethods: ['SCRAM-SHA-512'] }),
      // Proofs check out against StoredKey, but the ServerKey is not the one the password gives: a broker that
      // never knew the password (say, it relays proofs it cannot make itself).
      { username: 'eve', passwordHash: '', scram: [{ ...good, serverKey: impostorKeys.serverKey }] },
    ],
  });
});
afterAll(async () => {
  for (const c of clients) await c.end().catch(() => undefined);
  await broker.stop();
});

describe('enhanced authentication from the library', () => {
  for (const authMethod of ['SCRAM-SHA-1', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const) {
    it(`${authMethod}: connects, round-trips a message and re-authenticates on the live connection`, async () => {
      const c = track(await connect({ url: broker.url, username: 'alice', password: 'wonderland', authMethod, subscriptions: ['scram/#'] }));
      expect(c.info.state).toBe('connected');
      expect(broker.engine.listClients().some((x) => x.username === 'alice')).toBe(true);
      const got = new Promise<string>((resolve) => c.once('message', (m) => resolve(Buffer.from(m.payload).toString())));
      await c.publish('scram/a', 'hello', { qos: 1 });
      expect(await got).toBe('hello');
      await c.reauthenticate();
      await c.publish('scram/b', 'still here', { qos: 1 });
      await c.end();
    });
  }

  it('a broker that offers only SCRAM-SHA-512 answers SCRAM-SHA-256 with 0x8C, named as unsupported', async () => {
    const narrow = await createBroker({ allowAnonymous: false, enhancedAuthMethods: ['SCRAM-SHA-512'], users: [await createUserRecord('alice', 'wonderland', { authMethods: ['SCRAM-SHA-256', 'SCRAM-SHA-512'] })] });
    try {
      const e = await connect({ url: narrow.url, username: 'alice', password: 'wonderland', authMethod: 'SCRAM-SHA-256' }).catch((x: unknown) => x);
      expect(e).toMatchObject({ code: 'AUTHENTICATION_FAILED', details: { reasonCode: 0x8c } });
      expect((e as Error).message).toMatch(/does not support SCRAM-SHA-256/);
      await (await connect({ url: narrow.url, username: 'alice', password: 'wonderland', authMethod: 'SCRAM-SHA-512' })).end();
    } finally {
      await narrow.stop();
    }
  });

  it('never sends the password in CONNECT', async () => {
    const fake = await startFakeAuthServer(() => ({ kind: 'refuse', reasonCode: 0x87 }));
    try {
      await expect(connect({ url: fake.url, username: 'alice', password: 'wonderland', authMethod: 'SCRAM-SHA-256', reconnect: { enabled: false } })).rejects.toThrow();
      expect(fake.connects).toHaveLength(1);
      expect(fake.connects[0]!.password).toBeUndefined();
      expect(fake.connects[0]!.properties?.authenticationMethod).toBe('SCRAM-SHA-256');
      expect(fake.connects[0]!.properties?.authenticationData?.toString()).toMatch(/^n,,n=alice,r=/);
    } finally {
      await fake.close();
    }
  });

  it('a wrong password is refused with AUTHENTICATION_FAILED (CONNACK 0x87) and a sentence that says so', async () => {
    const e = await connect({ url: broker.url, username: 'alice', password: 'nope', authMethod: 'SCRAM-SHA-256' }).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'AUTHENTICATION_FAILED', details: { reasonCode: 0x87 } });
    expect((e as Error).message).toMatch(/refused the SCRAM-SHA-256 proof .*wrong user name or password/);
  });

  it('a method the user may not use is refused like a wrong password (0x87)', async () => {
    const e = await connect({ url: broker.url, username: 'bob', password: 'builder', authMethod: 'SCRAM-SHA-256' }).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'AUTHENTICATION_FAILED', details: { reasonCode: 0x87 } });
    await (track(await connect({ url: broker.url, username: 'bob', password: 'builder', authMethod: 'SCRAM-SHA-512' }))).end();
  });

  it('refuses a broker that cannot prove it knows the password (wrong server signature)', async () => {
    const e = await connect({ url: broker.url, username: 'eve', password: 'right', authMethod: 'SCRAM-SHA-256', reconnect: { enabled: false } }).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'AUTHENTICATION_FAILED', details: { reason: 'server-not-verified' } });
    expect((e as Error).message).toMatch(/could not prove that it knows the password/);
    await expect.poll(() => broker.engine.listClients().some((x) => x.username === 'eve')).toBe(false);
  });

  it('refuses a server that accepts without finishing the exchange (no method in CONNACK)', async () => {
    const fake = await startFakeAuthServer(() => ({ kind: 'accept', omitMethod: true }));
    try {
      const e = await connect({ url: fake.url, username: 'alice', password: 'wonderland', authMethod: 'SCRAM-SHA-1', reconnect: { enabled: false } }).catch((x: unknown) => x);
      expect(e).toMatchObject({ code: 'AUTHENTICATION_FAILED' });
      expect((e as Error).message).toMatch(/without completing SCRAM-SHA-1/);
    } finally {
      await fake.close();
    }
  });

  it('refuses a server whose challenge is malformed or asks for a weak iteration count', async () => {
    const fake = await startFakeAuthServer((_m, data) => {
      const nonce = /r=([^,]+)/.exec(data?.toString() ?? '')?.[1] ?? '';
      return { kind: 'continue', data: Buffer.from(`r=${nonce}xyz,s=QSXCR+Q6sek8bf92,i=1`) };
    });
    try {
      const e = await connect({ url: fake.url, username: 'alice', password: 'x', authMethod: 'SCRAM-SHA-256', reconnect: { enabled: false } }).catch((x: unknown) => x);
      expect(e).toMatchObject({ code: 'AUTHENTICATION_FAILED' });
      expect((e as Error).message).toMatch(/asked for 1 SCRAM iterations/);
    } finally {
      await fake.close();
    }
  });

  it('a failed re-authentication (the password changed on the broker) rejects with AUTHENTICATION_FAILED (DISCONNECT 0x87)', async () => {
    const users = broker.engine.listUsers();
    const c = track(await connect({ url: broker.url, username: 'alice', password: 'wonderland', authMethod: 'SCRAM-SHA-256', reconnect: { enabled: false } }));
    broker.engine.setUsers([...users.filter((u) => u.username !== 'alice'), await createUserRecord('alice', 'changed', { passwordIterations: 1000 })]);
    try {
      const e = await c.reauthenticate().catch((x: unknown) => x);
      expect(e).toMatchObject({ code: 'AUTHENTICATION_FAILED' });
      expect((e as Error).message).toMatch(/refused re-authentication \(SCRAM-SHA-256, DISCONNECT 0x87\)/);
    } finally {
      broker.engine.setUsers(users);
    }
  });

  it('re-authentication without a method is refused before anything is sent', async () => {
    const c = track(await connect({ url: broker.url, username: 'alice', password: 'wonderland' }));
    await expect(c.reauthenticate()).rejects.toThrow(/without an authentication method/);
  });

  it('asks for MQTT 5, and for a user name and password, with a clear error', async () => {
    await expect(connect({ url: broker.url, username: 'alice', password: 'x', authMethod: 'SCRAM-SHA-256', protocolVersion: 4 })).rejects.toThrow(/needs MQTT 5/);
    await expect(connect({ url: broker.url, username: 'alice', authMethod: 'SCRAM-SHA-256' })).rejects.toThrow(/needs a user name and a password/);
  });

  it('takes a method of the user\'s own (a token method) through the same interface', async () => {
    const fake = await startFakeAuthServer((method, data, step) => {
      if (method !== 'TOKEN') return { kind: 'refuse', reasonCode: 0x8c };
      if (step === 0) return data?.toString() === 'token-123' ? { kind: 'continue', data: Buffer.from('nonce-9') } : { kind: 'refuse', reasonCode: 0x87 };
      return data?.toString() === 'signed:nonce-9' ? { kind: 'accept', data: Buffer.from('welcome') } : { kind: 'refuse', reasonCode: 0x87 };
    });
    const seen: string[] = [];
    const token: AuthMethod = {
      name: 'TOKEN',
      session: () => ({
        start: () => Buffer.from('token-123'),
        continue: async (d) => Buffer.from(`signed:${d?.toString() ?? ''}`),
        finish: (d) => {
          seen.push(d?.toString() ?? '');
          if (d?.toString() !== 'welcome') throw new Error('the server did not say welcome');
        },
      }),
    };
    try {
      const c = track(await connect({ url: fake.url, authMethod: token }));
      expect(c.info.state).toBe('connected');
      expect(seen).toEqual(['welcome']);
      await c.end();
    } finally {
      await fake.close();
    }
  });
});

describe('enhanced authentication against mosquitto', () => {
  let mosquitto: Mosquitto;
  beforeAll(async () => {
    mosquitto = await startMosquitto();
  });
  afterAll(async () => {
    await mosquitto.stop();
  });

  it('says clearly that the broker does not support SCRAM', async () => {
    const e = await connect({ url: mosquitto.url, username: 'alice', password: 'wonderland', authMethod: 'SCRAM-SHA-256' }).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'AUTHENTICATION_FAILED', details: { reasonCode: 0x8c } });
    expect((e as Error).message).toMatch(/This broker does not support SCRAM-SHA-256/);
  });
});
