import { describe, expect, it } from 'vitest';
import { ConnectArgsSchema } from '../../../../shared/ipc/connections';
import type { ProfileId, ProfileView } from '../../../../shared/ipc/profiles';
import { draftFromProfile, EMPTY_DRAFT, optionsFromDraft, pskKeyProblem } from './profile-draft';

const CA = '-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----';
const CA2 = '-----BEGIN CERTIFICATE-----\nBBB\n-----END CERTIFICATE-----';

describe('profile draft', () => {
  it('turns a filled-in form into options the connect schema accepts, splitting a pasted CA bundle', () => {
    const options = optionsFromDraft({
      ...EMPTY_DRAFT,
      name: 'x',
      url: 'mqtts://127.0.0.1:8883',
      urls: 'mqtts://backup:8883\n',
      username: 'u',
      password: 'p',
      tlsCa: `${CA}\n${CA2}\n`,
      willTopic: 'clients/x/state',
      willPayload: 'gone',
      willQos: '1',
      subscriptions: 'a/# 1\nb/+',
      userProperties: 'site=north\nline=1=2',
      receiveMaximum: '20',
    });
    expect(options.tls?.ca).toEqual([`${CA}\n`, `${CA2}\n`]);
    expect(options.subscriptions).toEqual([
      { filter: 'a/#', qos: 1 },
      { filter: 'b/+', qos: 0 },
    ]);
    expect(options.properties).toEqual({ receiveMaximum: 20, userProperties: [['site', 'north'], ['line', '1=2']] });
    expect(options.will).toEqual({ topic: 'clients/x/state', payload: 'gone', qos: 1, retain: false });
    expect(options.urls).toEqual(['mqtts://backup:8883']);
    expect(ConnectArgsSchema.safeParse(options).success).toBe(true);
  });

  it('keeps the authentication method: none by default, a SCRAM mechanism when chosen, back and forth', () => {
    expect(optionsFromDraft({ ...EMPTY_DRAFT })).not.toHaveProperty('authMethod');
    const options = optionsFromDraft({ ...EMPTY_DRAFT, username: 'u', password: 'p', authMethod: 'SCRAM-SHA-512' });
    expect(options.authMethod).toBe('SCRAM-SHA-512');
    expect(ConnectArgsSchema.safeParse(options).success).toBe(true);
    const view = { id: 'p1' as ProfileId, name: 'n', folder: '', options, secrets: [] } as unknown as ProfileView;
    expect(draftFromProfile(view).authMethod).toBe('SCRAM-SHA-512');
  });

  it('leaves empty secret fields out so the stored ones are kept, and drops TLS for a plain URL', () => {
    const options = optionsFromDraft({ ...EMPTY_DRAFT, url: 'mqtt://h:1883', tlsCa: CA, subscriptions: '  \n' });
    expect(options).not.toHaveProperty('password');
    expect(options).not.toHaveProperty('tls');
    expect(options).not.toHaveProperty('subscriptions');
  });

  it('round-trips a saved profile through the form', () => {
    const options = optionsFromDraft({ ...EMPTY_DRAFT, url: 'wss://h/mqtt', tlsCa: CA, tlsCaIds: ['ca-1', 'ca-2'], tlsIdentityId: 'id-1', clientId: 'c', keepalive: '15', connectTimeoutSeconds: '2.5', sessionExpiryInterval: '60' });
    const view: ProfileView = { id: 'p1' as ProfileId, name: 'n', folder: 'f', order: 0, options, secrets: [], createdAt: '', updatedAt: '' };
    expect(options.tls).toMatchObject({ caIds: ['ca-1', 'ca-2'], identityId: 'id-1' });
    expect(optionsFromDraft(draftFromProfile(view))).toEqual(options);
  });
});

describe('profile draft with a DTLS pre-shared key', () => {
  const KEY = '7a11ce0123456789abcdef0123456789';

  it('sends only the identity and key (no certificates) for an mqtts-dtls:// URL, and leaves an empty key out so the stored one stays', () => {
    const draft = { ...EMPTY_DRAFT, name: 'p', url: 'mqtts-dtls://127.0.0.1:5684', tlsAuth: 'psk' as const, tlsPskIdentity: ' dev-1 ', tlsPsk: KEY, tlsCa: CA };
    expect(optionsFromDraft(draft).tls).toEqual({ rejectUnauthorized: true, pskIdentity: 'dev-1', psk: KEY });
    expect(ConnectArgsSchema.safeParse(optionsFromDraft(draft)).success).toBe(true);
    expect(optionsFromDraft({ ...draft, tlsPsk: '' }).tls).toEqual({ rejectUnauthorized: true, pskIdentity: 'dev-1' });
    // Any other scheme ignores the choice.
    expect(optionsFromDraft({ ...draft, url: 'mqtts://127.0.0.1:8883' }).tls).toMatchObject({ ca: [`${CA}\n`] });
    expect(optionsFromDraft({ ...draft, url: 'mqtts://127.0.0.1:8883' }).tls?.psk).toBeUndefined();
  });

  it('reopens a saved PSK profile on the pre-shared key choice, with the key field empty', () => {
    const profile = { id: 'p1' as ProfileId, name: 'p', folder: '', order: 0, options: { url: 'mqtts-dtls://h:5684', tls: { rejectUnauthorized: true, pskIdentity: 'dev-1' } }, secrets: ['tls.psk'], createdAt: '', updatedAt: '' } as unknown as ProfileView;
    const draft = draftFromProfile(profile);
    expect([draft.tlsAuth, draft.tlsPskIdentity, draft.tlsPsk]).toEqual(['psk', 'dev-1', '']);
  });

  it('says in a sentence what is wrong with a typed key', () => {
    expect(pskKeyProblem('')).toBeUndefined();
    expect(pskKeyProblem(KEY)).toBeUndefined();
    expect(pskKeyProblem('zz11')).toBe('A pre-shared key is written in hex: only the digits 0–9 and the letters a–f.');
    expect(pskKeyProblem('abc')).toBe('A pre-shared key is whole bytes, two hex digits each: this one has 3 digits.');
    expect(pskKeyProblem('ab'.repeat(65))).toBe('A pre-shared key is 1–64 bytes (2–128 hex digits): this one has 65 bytes.');
  });
});
