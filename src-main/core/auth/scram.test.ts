import { describe, expect, it } from 'vitest';
import {
  ScramClient,
  ScramError,
  ScramServer,
  createScramCredential,
  formatScramCredential,
  parseClientFinal,
  parseClientFirst,
  parseScramCredential,
  parseServerFirst,
  type ScramCredential,
  type ScramMechanism,
} from './scram';

/** The example exchanges of RFC 5802 section 5 (SHA-1) and RFC 7677 section 3 (SHA-256): user "user", password "pencil". */
const EXAMPLES: readonly {
  readonly mechanism: ScramMechanism;
  readonly clientNonce: string;
  readonly serverNonce: string;
  readonly salt: string;
  readonly clientFirst: string;
  readonly serverFirst: string;
  readonly clientFinal: string;
  readonly serverFinal: string;
}[] = [
  {
    mechanism: 'SCRAM-SHA-1',
    clientNonce: 'fyko+d2lbbFgONRv9qkxdawL',
    serverNonce: '3rfcNHYJY1ZVvWVs7j',
    salt: 'QSXCR+Q6sek8bf92',
    clientFirst: 'n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL',
    serverFirst: 'r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096',
    clientFinal: 'c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=',
    serverFinal: 'v=rmF9pqV8S7suAoZWja4dJRkFsKQ=',
  },
  {
    mechanism: 'SCRAM-SHA-256',
    clientNonce: 'rOprNGfwEbeRWgbNEkqO',
    serverNonce: '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0',
    salt: 'W22ZaJ0SNY7soEsUEjb6gQ==',
    clientFirst: 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO',
    serverFirst: 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
    clientFinal: 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
    serverFinal: 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=',
  },
];

const DECOY = Buffer.from('decoy secret for tests');

describe('SCRAM', () => {
  for (const ex of EXAMPLES) {
    it(`the client reproduces the ${ex.mechanism} example exchange byte for byte`, async () => {
      const client = new ScramClient(ex.mechanism, 'user', 'pencil', ex.clientNonce);
      expect(client.first()).toBe(ex.clientFirst);
      expect(await client.final(ex.serverFirst)).toBe(ex.clientFinal);
      expect(() => client.verify(ex.serverFinal)).not.toThrow();
    });

    it(`the server reproduces the ${ex.mechanism} example exchange byte for byte from stored keys alone`, async () => {
      const credential = await createScramCredential(ex.mechanism, 'pencil', { salt: Buffer.from(ex.salt, 'base64'), iterations: 4096 });
      expect(JSON.stringify(credential)).not.toContain('pencil');
      const server = new ScramServer(ex.mechanism, (u, m) => (u === 'user' && m === ex.mechanism ? credential : undefined), DECOY, ex.serverNonce);
      expect(server.start(ex.clientFirst)).toBe(ex.serverFirst);
      expect(server.finish(ex.clientFinal)).toEqual({ ok: true, username: 'user', serverFinal: ex.serverFinal });
    });
  }

  for (const mechanism of ['SCRAM-SHA-1', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const) {
    it(`${mechanism}: a client and server agree on the right password and disagree on a wrong one`, async () => {
      const credential = await createScramCredential(mechanism, 'pässwörd ok');
      const lookup = (u: string): ScramCredential | undefined => (u === 'al,ice=' ? credential : undefined);
      const good = new ScramClient(mechanism, 'al,ice=', 'pässwörd ok');
      const server = new ScramServer(mechanism, lookup, DECOY);
      expect(good.first()).toContain('n=al=2Cice=3D,');
      const verdict = server.finish(await good.final(server.start(good.first())));
      expect(verdict.ok).toBe(true);
      good.verify(verdict.serverFinal);

      const bad = new ScramClient(mechanism, 'al,ice=', 'wrong');
      const server2 = new ScramServer(mechanism, lookup, DECOY);
      const refused = server2.finish(await bad.final(server2.start(bad.first())));
      expect(refused).toMatchObject({ ok: false, serverFinal: 'e=invalid-proof' });
      expect(() => bad.verify(refused.serverFinal)).toThrow(/refused the SCRAM proof: invalid-proof/);
    });
  }

  it('an unknown user gets the same made-up salt on every try and fails only at the proof', async () => {
    const s1 = new ScramServer('SCRAM-SHA-256', () => undefined, DECOY);
    const s2 = new ScramServer('SCRAM-SHA-256', () => undefined, DECOY);
    const c = new ScramClient('SCRAM-SHA-256', 'nobody', 'x');
    const f1 = parseServerFirst(s1.start(c.first()));
    const f2 = parseServerFirst(s2.start(new ScramClient('SCRAM-SHA-256', 'nobody', 'x').first()));
    expect(f1.salt.equals(f2.salt)).toBe(true);
    expect(f1.iterations).toBe(4096);
    const verdict = s1.finish(await c.final(s1.start(c.first())));
    expect(verdict).toMatchObject({ ok: false, serverFinal: 'e=invalid-proof' });
  });

  it('the client refuses a server signature made with another key, and a missing one', async () => {
    const ex = EXAMPLES[1]!;
    const client = new ScramClient(ex.mechanism, 'user', 'pencil', ex.clientNonce);
    await client.final(ex.serverFirst);
    expect(() => client.verify('v=' + Buffer.alloc(32, 7).toString('base64'))).toThrow(expect.objectContaining({ code: 'server-not-verified' }));
    expect(() => client.verify(undefined)).toThrow(/did not send its SCRAM signature/);
  });

  it('the client refuses a server nonce that does not extend its own, and a weak iteration count', async () => {
    const client = new ScramClient('SCRAM-SHA-256', 'user', 'pencil', 'abc');
    await expect(client.final('r=xyz123,s=QSXCR+Q6sek8bf92,i=4096')).rejects.toThrow(/does not extend ours/);
    await expect(client.final('r=abc123,s=QSXCR+Q6sek8bf92,i=1')).rejects.toThrow(expect.objectContaining({ code: 'bad-iterations' }));
    await expect(client.final('r=abc123,s=QSXCR+Q6sek8bf92,i=99999999')).rejects.toThrow(/accepts 4096 to 1000000/);
    await expect(client.final('e=unknown-user')).rejects.toThrow(/refused SCRAM: unknown-user/);
  });

  it('the server refuses a tampered nonce and a mismatched channel binding', async () => {
    const credential = await createScramCredential('SCRAM-SHA-256', 'pencil');
    const server = new ScramServer('SCRAM-SHA-256', () => credential, DECOY);
    const client = new ScramClient('SCRAM-SHA-256', 'user', 'pencil');
    const final = await client.final(server.start(client.first()));
    expect(server.finish(final.replace(/r=[^,]+/, 'r=other'))).toMatchObject({ ok: false, serverFinal: 'e=other-error' });
    expect(server.finish(final.replace('c=biws', 'c=eSws'))).toMatchObject({ ok: false, serverFinal: 'e=channel-bindings-dont-match' });
  });

  it('malformed messages get a specific error, never a crash', () => {
    const bad = ['', 'n=user,r=abc', 'p=tls-unique,,n=user,r=abc', 'n,a=admin,n=user,r=abc', 'n,,m=ext,n=user,r=abc', 'n,,n=,r=abc', 'n,,n=us=er,r=abc', 'n,,n=user,r=a,b', 'n,,n=user', 'n,,' + 'x'.repeat(5000)];
    for (const text of bad) expect(() => parseClientFirst(text), text).toThrow(ScramError);
    for (const text of ['', 'r=abc', 'r=abc,s=!!!,i=4096', 'r=abc,s=QSXCR+Q6sek8bf92,i=-1', 'r=abc,s=QSXCR+Q6sek8bf92,i=0x10']) expect(() => parseServerFirst(text), text).toThrow(ScramError);
    for (const text of ['', 'c=biws,r=abc', 'c=biws,r=abc,p=%%%']) expect(() => parseClientFinal(text), text).toThrow(ScramError);
  });

  it('stored credentials round-trip through RFC 5803 text and bad text is refused', async () => {
    const c = await createScramCredential('SCRAM-SHA-512', 'secret', { iterations: 5000 });
    const text = formatScramCredential(c);
    expect(text).toMatch(/^SCRAM-SHA-512\$5000:/);
    expect(parseScramCredential(text)).toEqual(c);
    expect(parseScramCredential(text.replace('SHA-512', 'SHA-256'))).toBeUndefined();
    expect(parseScramCredential('SCRAM-SHA-256$4096:abc')).toBeUndefined();
    await expect(createScramCredential('SCRAM-SHA-256', 'x', { iterations: 10 })).rejects.toThrow(/from 4096 to 1000000/);
  });
});
