import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { ConnectArgsSchema } from '../../../shared/ipc/connections';
import { isSecretOptionKey } from '../../../shared/ipc/profiles';
import { mergeSecrets, splitSecrets } from './secret-fields';

// Walks the connect schema's object shapes (through optional/default/array wrappers) to list every option path.
function optionPaths(schema: z.ZodType, prefix: readonly string[] = []): string[] {
  const def = (schema as unknown as { _zod: { def: { type: string; innerType?: z.ZodType; element?: z.ZodType; shape?: Record<string, z.ZodType> } } })._zod.def;
  if (def.innerType) return optionPaths(def.innerType, prefix);
  if (def.type === 'array' && def.element) return optionPaths(def.element, [...prefix, '0']);
  if (def.type === 'object' && def.shape) {
    return Object.entries(def.shape).flatMap(([key, child]) => [[...prefix, key].join('.'), ...(key === 'userProperties' ? [] : optionPaths(child, [...prefix, key]))]);
  }
  return [];
}

describe('secret fields', () => {
  it('treats exactly the password, private key, passphrases, PKCS#12 material and DTLS pre-shared key of the connect schema as secrets', () => {
    const secretPaths = optionPaths(ConnectArgsSchema).filter((path) => isSecretOptionKey(path.split('.').pop() ?? ''));
    expect(secretPaths.sort()).toEqual(['password', 'tls.key', 'tls.keyPassphrase', 'tls.pkcs12', 'tls.pkcs12Password', 'tls.psk']);
  });

  it('lifts secrets out at any depth and puts them back where they were', () => {
    const options = {
      url: 'mqtts://h:8883',
      password: 'pw',
      tls: { ca: ['-----BEGIN CERTIFICATE-----'], key: 'KEY', pkcs12: new Uint8Array([1, 2, 3]) },
      will: { topic: 't', properties: { userProperties: [['password', 'not a secret name']] } },
    };
    const { options: rest, secrets } = splitSecrets(options);
    expect(rest).toEqual({ url: 'mqtts://h:8883', tls: { ca: ['-----BEGIN CERTIFICATE-----'] }, will: options.will });
    expect([...secrets.keys()]).toEqual(['password', 'tls.key', 'tls.pkcs12']);
    expect(mergeSecrets(rest, secrets)).toEqual(options);
  });

  it('drops empty secrets instead of storing them', () => {
    const { options, secrets } = splitSecrets({ url: 'mqtt://h', password: '', username: 'u' });
    expect(options).toEqual({ url: 'mqtt://h', username: 'u' });
    expect(secrets.size).toBe(0);
  });

  it('creates missing objects and arrays when merging a secret into options that lack its parent', () => {
    expect(mergeSecrets({ url: 'x' }, new Map([['tls.key', 'K'], ['servers.1.password', 'p']]))).toEqual({
      url: 'x',
      tls: { key: 'K' },
      servers: [undefined, { password: 'p' }],
    });
  });
});
