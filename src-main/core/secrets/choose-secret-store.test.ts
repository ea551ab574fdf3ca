import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TopiaryError } from '../../../shared/ipc/errors';
import { chooseWebSecretStore } from './choose-secret-store';
import { openEncryptedFileSecretStore } from './encrypted-file-secret-store';
import { createFakeOsKeyring } from '../../test-support/fakes/fake-os-keyring';

let dir: string;
let keyFile: string;

beforeEach(async () => {
  dir = await fs.mkdtemp(join(tmpdir(), 'topiary-choose-'));
  keyFile = join(dir, 'secret.key');
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function errorOf(promise: Promise<unknown>): Promise<TopiaryError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TopiaryError);
  return error as TopiaryError;
}

const exists = (file: string): Promise<boolean> => fs.access(file).then(() => true, () => false);

describe('choosing the web-mode vault', () => {
  it('uses the OS keyring when it answers and writes no key file', async () => {
    const keyring = createFakeOsKeyring();
    const store = await chooseWebSecretStore({ userDataDir: dir, keyring });
    expect(store.kind).toBe('os-keyring');
    expect(store.describe()).toBe('Secrets are sealed with a key kept in the OS keyring (Fake Keyring).');
    const sealed = await store.encrypt(Buffer.from('pw'));
    expect(sealed.subarray(0, 4).toString()).toBe('TPK1');
    expect(await exists(keyFile)).toBe(false);
  });

  it('falls back to the encrypted-file vault and says why when the keyring is absent', async () => {
    const keyring = createFakeOsKeyring();
    keyring.refuse = 'absent';
    const store = await chooseWebSecretStore({ userDataDir: dir, keyring });
    expect(store.kind).toBe('encrypted-file');
    expect(store.describe()).toContain(keyFile);
    expect(store.describe()).toContain('Not using the OS keyring: no keyring service is running.');
    expect((await store.decrypt(await store.encrypt(Buffer.from('pw')))).toString()).toBe('pw');
  });

  it('keeps reading secrets the file vault sealed, and seals new ones in the keyring once it answers', async () => {
    const keyring = createFakeOsKeyring();
    keyring.refuse = 'timeout';
    const before = await chooseWebSecretStore({ userDataDir: dir, keyring });
    const old = await before.encrypt(Buffer.from('old password'));

    keyring.refuse = undefined;
    const after = await chooseWebSecretStore({ userDataDir: dir, keyring });
    expect(after.kind).toBe('os-keyring');
    expect(after.describe()).toContain(`Secrets saved earlier with the key file ${keyFile} are still read.`);
    expect((await after.decrypt(old)).toString()).toBe('old password');
    const fresh = await after.encrypt(Buffer.from('new password'));
    expect(fresh.subarray(0, 4).toString()).toBe('TPK1');
    expect((await after.decrypt(fresh)).toString()).toBe('new password');
  });

  it('tells the user to unlock the keyring when a keyring-sealed secret is read while it is locked', async () => {
    const keyring = createFakeOsKeyring();
    const sealed = await (await chooseWebSecretStore({ userDataDir: dir, keyring })).encrypt(Buffer.from('pw'));
    keyring.refuse = 'locked';
    const fallback = await chooseWebSecretStore({ userDataDir: dir, keyring });
    expect(fallback.kind).toBe('encrypted-file');
    const err = await errorOf(fallback.decrypt(sealed));
    expect(err.reason).toBe('SECRET_KEYRING_UNAVAILABLE');
    expect(err.message).toContain("sealed with Topiary's key in the OS keyring, but the OS keyring (Fake Keyring) is locked");
  });

  it('names the missing key file when a file-sealed secret turns up without it', async () => {
    const sealed = await (await openEncryptedFileSecretStore({ keyFile })).encrypt(Buffer.from('pw'));
    await fs.rm(keyFile);
    const store = await chooseWebSecretStore({ userDataDir: dir, keyring: createFakeOsKeyring() });
    const err = await errorOf(store.decrypt(sealed));
    expect(err.reason).toBe('SECRET_SEALED_BY_OTHER_VAULT');
    expect(err.message).toContain(`sealed by the encrypted-file vault; its key file ${keyFile} is missing`);
  });

  it('reports damaged bytes as damaged whichever vault is in use', async () => {
    const store = await chooseWebSecretStore({ userDataDir: dir, keyring: createFakeOsKeyring() });
    expect((await errorOf(store.decrypt(Buffer.from('garbage that is long enough to parse')))).reason).toBe('SECRET_SEALED_CORRUPT');
  });

  it('honours an explicit choice: the file vault without asking the keyring, the keyring or an error', async () => {
    const keyring = createFakeOsKeyring();
    const file = await chooseWebSecretStore({ userDataDir: dir, keyring, preference: 'encrypted-file' });
    expect(file.kind).toBe('encrypted-file');
    expect(keyring.lookups).toBe(0);

    keyring.refuse = 'locked';
    const err = await errorOf(chooseWebSecretStore({ userDataDir: dir, keyring, preference: 'os-keyring' }));
    expect(err.reason).toBe('SECRET_KEYRING_UNAVAILABLE');
  });
});
