import { describe, expect, it } from 'vitest';
import { TopiaryError } from '../../../shared/ipc/errors';
import { createFakeOsKeyring } from '../../test-support/fakes/fake-os-keyring';
import { KEYRING_SERVICE, keyringAccountFor, openKeyringSecretStore } from './keyring-secret-store';

async function errorOf(promise: Promise<unknown>): Promise<TopiaryError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TopiaryError);
  return error as TopiaryError;
}

describe('OS keyring secret store', () => {
  it('creates a 32-byte master key on first use and finds the same key from a fresh store', async () => {
    const keyring = createFakeOsKeyring();
    const first = await openKeyringSecretStore({ userDataDir: '/data/a', keyring });
    const sealed = await first.encrypt(Buffer.from('hunter2'));
    expect(sealed.includes(Buffer.from('hunter2'))).toBe(false);
    const stored = keyring.entries.get(`${KEYRING_SERVICE}\u0000${keyringAccountFor('/data/a')}`);
    expect(Buffer.from(stored ?? '', 'base64')).toHaveLength(32);

    const second = await openKeyringSecretStore({ userDataDir: '/data/a', keyring });
    expect((await second.decrypt(sealed)).toString()).toBe('hunter2');
    expect(second.kind).toBe('os-keyring');
    expect(second.describe()).toBe('Secrets are sealed with a key kept in the OS keyring (Fake Keyring).');
  });

  it('gives each user-data folder its own key, so one cannot open or overwrite the other', async () => {
    const keyring = createFakeOsKeyring();
    const a = await openKeyringSecretStore({ userDataDir: '/data/a', keyring });
    const b = await openKeyringSecretStore({ userDataDir: '/data/b', keyring });
    expect(keyring.entries.size).toBe(2);
    expect(keyringAccountFor('/data/a/../a')).toBe(keyringAccountFor('/data/a'));
    const err = await errorOf(b.decrypt(await a.encrypt(Buffer.from('x'))));
    expect(err.reason).toBe('SECRET_DECRYPT_FAILED');
  });

  it('fails with SECRET_KEYRING_UNAVAILABLE and a way out when the keyring is locked', async () => {
    const keyring = createFakeOsKeyring();
    keyring.refuse = 'locked';
    const err = await errorOf(openKeyringSecretStore({ userDataDir: '/data/a', keyring }));
    expect(err.reason).toBe('SECRET_KEYRING_UNAVAILABLE');
    expect(err.message).toContain('locked');
    expect(err.message).toContain('unlock it and restart Topiary');
  });

  it('refuses, without overwriting it, an entry that does not hold a Topiary key', async () => {
    const keyring = createFakeOsKeyring();
    const id = `${KEYRING_SERVICE}\u0000${keyringAccountFor('/data/a')}`;
    keyring.entries.set(id, 'somebody else');
    const err = await errorOf(openKeyringSecretStore({ userDataDir: '/data/a', keyring }));
    expect(err.reason).toBe('SECRET_KEYRING_UNAVAILABLE');
    expect(err.message).toContain('does not hold a Topiary key');
    expect(keyring.entries.get(id)).toBe('somebody else');
  });
});
