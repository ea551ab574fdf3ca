import { describe, expect, it } from 'vitest';
import { ConnectArgsSchema } from '../../../../shared/ipc/connections';
import type { ProfileId, ProfileView } from '../../../../shared/ipc/profiles';
import { draftFromProfile, EMPTY_DRAFT, optionsFromDraft } from './profile-draft';

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
