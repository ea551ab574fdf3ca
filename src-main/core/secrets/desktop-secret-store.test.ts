import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDesktopSecretStore } from './desktop-secret-store';
import { openEncryptedFileSecretStore } from './encrypted-file-secret-store';
import type { SafeStorageLike } from './safe-storage-secret-store';

// A stand-in for Electron's safeStorage: strings in, opaque bytes out (Chromium's own 'v10' mark first).
function fakeSafeStorage(available = true): SafeStorageLike {
  const key = randomBytes(32);
  return {
    isEncryptionAvailable: () => available,
    encryptString: (text) => {
      const iv = randomBytes(16);
      const c = createCipheriv('aes-256-cbc', key, iv);
      return Buffer.concat([Buffer.from('v10'), iv, c.update(text, 'utf8'), c.final()]);
    },
    decryptString: (buf) => {
      const d = createDecipheriv('aes-256-cbc', key, buf.subarray(3, 19));
      return Buffer.concat([d.update(buf.subarray(19)), d.final()]).toString('utf8');
    },
  };
}

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
