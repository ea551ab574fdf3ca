import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDesktopSecretStore } from './desktop-secret-store';
import { openEncryptedFileSecretStore } from './encrypted-file-secret-store';
import { fakeSafeStorage } from '../../test-support/fakes/fake-safe-storage';


describe('the desktop vault', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'topiary-desktop-vault-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('seals with safeStorage, and still reads what web mode sealed in the same folder', async () => {
    const web = await openEncryptedFileSecretStore({ keyFile: path.join(dir, 'secret.key') });
    const fromWeb = await web.encrypt(Buffer.from('web-password'));
    const desktop = await openDesktopSecretStore({ userDataDir: dir, safeStorage: fakeSafeStorage() });
    expect(desktop?.kind).toBe('safe-storage');
    expect((await desktop!.decrypt(fromWeb)).toString()).toBe('web-password');
    const fresh = await desktop!.encrypt(Buffer.from('desktop-password'));
    expect(fresh.subarray(0, 3).toString()).toBe('v10');
    expect((await desktop!.decrypt(fresh)).toString()).toBe('desktop-password');
    expect(desktop!.describe()).toMatch(/web mode/);
  });

  it('is plain safeStorage where web mode never ran, and leaves the choice to the core without a keychain', async () => {
    const desktop = await openDesktopSecretStore({ userDataDir: dir, safeStorage: fakeSafeStorage() });
    expect(desktop?.describe()).not.toMatch(/web mode/);
    expect(await openDesktopSecretStore({ userDataDir: dir, safeStorage: fakeSafeStorage(false) })).toBeUndefined();
  });
});
