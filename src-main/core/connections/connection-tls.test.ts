import { createSecureContext, createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectArgs } from '../../../shared/ipc/connections';
import { createTestPki, type TestPki } from '../../test-support/pki';
import { freePort } from '../../test-support/free-port';
import { startMosquitto, type Mosquitto } from '../../test-support/mosquitto';
import { createManagerHarness, type ManagerHarness } from '../../test-support/manager-harness';

let pki: TestPki;
let broker: Mosquitto;
let h: ManagerHarness;
const ports: Record<'ok' | 'expired' | 'self' | 'wrongHost' | 'mutual' | 'wss' | 'plain', number> = {
  ok: 0, expired: 0, self: 0, wrongHost: 0, mutual: 0, wss: 0, plain: 0,
};

beforeAll(async () => {
  pki = createTestPki();
  pki.openssl(['pkey', '-in', 'client.key', '-aes256', '-passout', 'pass:key-pass', '-out', 'client-enc.key']);
  pki.openssl(['pkcs12', '-export', '-in', 'client.crt', '-inkey', 'client.key', '-passout', 'pass:p12-pass', '-out', 'client.p12']);
  pki.openssl(['pkcs12', '-export', '-legacy', '-in', 'client.crt', '-inkey', 'client.key', '-passout', 'pass:p12-pass', '-out', 'client-legacy.p12']);
  for (const key of Object.keys(ports) as (keyof typeof ports)[]) ports[key] = await freePort();
  const tlsListener = (port: number, name: string, extra: string[] = []): string[] => [
    `listener ${port} 127.0.0.1`,
    `certfile ${pki.path(`${name}.crt`)}`,
    `keyfile ${pki.path(`${name}.key`)}`,
    ...extra,
  ];
  broker = await startMosquitto({
    port: ports.ok,
    listeners: [
      'allow_anonymous true',
      ...tlsListener(ports.ok, 'direct'),
      ...tlsListener(ports.expired, 'expired'),
      ...tlsListener(ports.self, 'self'),
      ...tlsListener(ports.wrongHost, 'wrong-host'),
      ...tlsListener(ports.mutual, 'direct', [`cafile ${pki.path('root.crt')}`, 'require_certificate true']),
      ...tlsListener(ports.wss, 'direct', ['protocol websockets', 'socket_domain ipv4']),
      `listener ${ports.plain} 127.0.0.1`,
    ],
  });
}, 30_000);

afterAll(async () => {
  await broker?.stop();
  pki?.cleanup();
});

afterEach(async () => {
  await h?.close();
});

const root = (): string => pki.text('root.crt');
const connect = (args: Partial<ConnectArgs> & { url: string }): Promise<unknown> => {
  h = createManagerHarness();
  return h.connect({ subscriptions: [], ...args });
};
const failure = (args: Partial<ConnectArgs> & { url: string }): Promise<{ code: string; message: string }> =>
  connect(args).then(
    () => {
      throw new Error('expected the connection to fail');
    },
    (e: unknown) => e as { code: string; message: string },
  );

describe('trusting the broker', () => {
  it('connects over mqtts when the profile trusts the CA (one PEM among several)', async () => {
    const info = await connect({ url: `mqtts://127.0.0.1:${ports.ok}`, tls: { ca: [pki.text('self.crt'), root()], alpnProtocols: ['mqtt'] } });
    expect(info).toMatchObject({ state: 'connected', url: `mqtts://127.0.0.1:${ports.ok}` });
  });

  it('connects with the OS trust store and a profile CA together', async () => {
    const info = await connect({ url: `mqtts://localhost:${ports.ok}`, tls: { ca: [root()], systemCa: true } });
    expect(info).toMatchObject({ state: 'connected' });
  });

  it('connects over wss with a path', async () => {
    const info = await connect({ url: `wss://127.0.0.1:${ports.wss}/mqtt`, tls: { ca: [root()] } });
    expect(info).toMatchObject({ state: 'connected' });
  });

  it('names an unknown CA when only the OS trust store is used', async () => {
    const e = await failure({ url: `mqtts://127.0.0.1:${ports.ok}` });
    expect(e.code).toBe('TLS_ERROR');
    expect(e.message).toMatch(/unknown CA/);
  });

  it('names an expired broker certificate', async () => {
    const e = await failure({ url: `mqtts://127.0.0.1:${ports.expired}`, tls: { ca: [root()] } });
    expect(e).toMatchObject({ code: 'TLS_ERROR', message: expect.stringMatching(/has expired/) });
  });

  it('names a self-signed broker certificate', async () => {
    const e = await failure({ url: `mqtts://127.0.0.1:${ports.self}`, tls: { ca: [root()] } });
    expect(e).toMatchObject({ code: 'TLS_ERROR', message: expect.stringMatching(/self-signed/) });
  });

  it('names a host name mismatch, and connects when the SNI server name matches the certificate', async () => {
    const e = await failure({ url: `mqtts://127.0.0.1:${ports.wrongHost}`, tls: { ca: [root()] } });
    expect(e).toMatchObject({ code: 'TLS_ERROR', message: expect.stringMatching(/another host name/) });
    const info = await connect({ url: `mqtts://127.0.0.1:${ports.wrongHost}`, tls: { ca: [root()], servername: 'wrong.example' } });
    expect(info).toMatchObject({ state: 'connected' });
  });

  it('connects to a self-signed broker when verification is off', async () => {
    const info = await connect({ url: `mqtts://127.0.0.1:${ports.self}`, tls: { rejectUnauthorized: false } });
    expect(info).toMatchObject({ state: 'connected' });
  });

  it('offers the SNI server name and ALPN protocols it was given', async () => {
    const seen: { servername: string | false | undefined; alpn: string | false | null }[] = [];
    const server = createTlsServer({ cert: pki.text('direct.crt'), key: pki.text('direct.key'), ALPNProtocols: ['mqtt'] }, (socket: TLSSocket) => {
      seen.push({ servername: (socket as TLSSocket & { servername?: string | false }).servername, alpn: socket.alpnProtocol });
      socket.destroy();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as { port: number }).port;
      await failure({ url: `mqtts://127.0.0.1:${port}`, tls: { ca: [root()], servername: 'localhost', alpnProtocols: ['mqtt', 'x-other'] } });
      expect(seen).toEqual([{ servername: 'localhost', alpn: 'mqtt' }]);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('says the port may not serve TLS when mqtts points at a plain listener', async () => {
    const e = await failure({ url: `mqtts://127.0.0.1:${ports.plain}`, tls: { ca: [root()] } });
    expect(e).toMatchObject({ code: 'TLS_ERROR', message: expect.stringMatching(/TLS handshake.*serves TLS/) });
  });
});

describe('client certificates (mutual TLS)', () => {
  const url = (): string => `mqtts://127.0.0.1:${ports.mutual}`;

  it('says the broker requires a client certificate when none is given', async () => {
    const e = await failure({ url: url(), tls: { ca: [root()] } });
    expect(e).toMatchObject({ code: 'TLS_ERROR', message: expect.stringMatching(/requires a client certificate/) });
  });

  it('connects with a PEM certificate and key', async () => {
    const info = await connect({ url: url(), tls: { ca: [root()], cert: pki.text('client.crt'), key: pki.text('client.key') } });
    expect(info).toMatchObject({ state: 'connected' });
  });

  it('connects with an encrypted key and its passphrase', async () => {
    const info = await connect({ url: url(), tls: { ca: [root()], cert: pki.text('client.crt'), key: pki.text('client-enc.key'), keyPassphrase: 'key-pass' } });
    expect(info).toMatchObject({ state: 'connected' });
  });

  it('names a wrong key passphrase before opening a socket', async () => {
    const e = await failure({ url: url(), tls: { ca: [root()], cert: pki.text('client.crt'), key: pki.text('client-enc.key'), keyPassphrase: 'nope' } });
    expect(e).toMatchObject({ code: 'TLS_ERROR', message: expect.stringMatching(/passphrase is wrong/) });
    expect(h.statuses).toEqual([]);
  });

  it('connects with a modern PKCS#12 bundle', async () => {
    const info = await connect({ url: url(), tls: { ca: [root()], pkcs12: new Uint8Array(pki.read('client.p12')), pkcs12Password: 'p12-pass' } });
    expect(info).toMatchObject({ state: 'connected' });
  });

  it('connects with a legacy (RC2) PKCS#12 bundle that Node alone cannot open', async () => {
    const legacy = pki.read('client-legacy.p12');
    expect(() => createSecureContext({ pfx: legacy, passphrase: 'p12-pass' })).toThrow();
    const info = await connect({ url: url(), tls: { ca: [root()], pkcs12: new Uint8Array(legacy), pkcs12Password: 'p12-pass' } });
    expect(info).toMatchObject({ state: 'connected' });
  });

  it('names a wrong PKCS#12 password', async () => {
    const e = await failure({ url: url(), tls: { ca: [root()], pkcs12: new Uint8Array(pki.read('client.p12')), pkcs12Password: 'wrong' } });
    expect(e).toMatchObject({ code: 'TLS_ERROR', message: expect.stringMatching(/password does not open/) });
  });

  it('names a key that does not belong to the certificate', async () => {
    const e = await failure({ url: url(), tls: { ca: [root()], cert: pki.text('client.crt'), key: pki.text('direct.key') } });
    expect(e).toMatchObject({ code: 'TLS_ERROR', message: expect.stringMatching(/does not match/) });
  });
});
