import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TopiaryError } from '../../../shared/ipc/errors';
import { createSafeStorageSecretStore } from './safe-storage-secret-store';
import { sealWithKey } from './sealed-format';
import { fakeSafeStorage } from '../../test-support/fakes/fake-safe-storage';


describe('safeStorage secret store', () => {
  it('round-trips arbitrary binary data through a string-only safeStorage', async () => {
    const store = createSafeStorageSecretStore(fakeSafeStorage());
    const plain = Buffer.from([0, 255, 128, 10, 13, 0xc3]);
    expect(await store.decrypt(await store.encrypt(plain))).toEqual(plain);
    expect(store.kind).toBe('safe-storage');
  });

  it('refuses with SECRET_ENCRYPTION_UNAVAILABLE when the keychain is unavailable', async () => {
    const store = createSafeStorageSecretStore(fakeSafeStorage(false));
    await expect(store.encrypt(Buffer.from('x'))).rejects.toMatchObject({ details: { reason: 'SECRET_ENCRYPTION_UNAVAILABLE' } });
  });

  it('turns a keychain decryption failure into SECRET_DECRYPT_FAILED', async () => {
    const store = createSafeStorageSecretStore(fakeSafeStorage());
    const err = await store.decrypt(randomBytes(40)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TopiaryError);
    expect((err as TopiaryError).reason).toBe('SECRET_DECRYPT_FAILED');
  });

  it('says which web-mode vault sealed bytes it is handed instead of blaming the keychain', async () => {
    const store = createSafeStorageSecretStore(fakeSafeStorage());
    const err = await store.decrypt(sealWithKey('os-keyring', randomBytes(32), Buffer.from('pw'))).catch((e: unknown) => e);
    expect(err).toMatchObject({ details: { reason: 'SECRET_SEALED_BY_OTHER_VAULT' } });
    expect((err as TopiaryError).message).toContain('sealed by the OS keyring vault; ');
  });
});
