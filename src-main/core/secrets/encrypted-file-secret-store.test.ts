import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TopiaryError } from '../../../shared/ipc/errors';
import { openEncryptedFileSecretStore } from './encrypted-file-secret-store';

let dir: string;
let keyFile: string;

beforeEach(async () => {
  dir = await fs.mkdtemp(join(tmpdir(), 'topiary-secrets-'));
  keyFile = join(dir, 'user-data', 'secret.key');
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (err) {
    expect(err).toBeInstanceOf(TopiaryError);
    expect((err as TopiaryError).message.length).toBeGreaterThan(20);
    return (err as TopiaryError).reason;
  }
}

describe('encrypted-file secret store', () => {
  it('round-trips bytes and never returns the plaintext in the sealed form', async () => {
    const store = await openEncryptedFileSecretStore({ keyFile });
    const plain = Buffer.from('-----BEGIN PRIVATE KEY-----\nsecret');
    const sealed = await store.encrypt(plain);
    expect(sealed.includes(plain)).toBe(false);
    expect(sealed.subarray(0, 4).toString()).toBe('TPS1');
    expect(await store.decrypt(sealed)).toEqual(plain);
    expect(store.kind).toBe('encrypted-file');
    expect(store.describe()).toContain(keyFile);
  });

  it('seals the same plaintext differently each time', async () => {
    const store = await openEncryptedFileSecretStore({ keyFile });
    const a = await store.encrypt(Buffer.from('pw'));
    const b = await store.encrypt(Buffer.from('pw'));
    expect(a.equals(b)).toBe(false);
  });

  it('creates the key file with mode 0600 and reuses it on the next open', async () => {
    const first = await openEncryptedFileSecretStore({ keyFile });
    const sealed = await first.encrypt(Buffer.from('hello'));
    expect((await fs.stat(keyFile)).mode & 0o777).toBe(0o600);
    const second = await openEncryptedFileSecretStore({ keyFile });
    expect((await second.decrypt(sealed)).toString()).toBe('hello');
  });

  it('refuses a key file that group or others can read', async () => {
    await openEncryptedFileSecretStore({ keyFile });
    await fs.chmod(keyFile, 0o644);
    expect(await codeOf(openEncryptedFileSecretStore({ keyFile }))).toBe('SECRET_KEY_FILE_INSECURE');
  });

  it('refuses a corrupt key file', async () => {
    await openEncryptedFileSecretStore({ keyFile });
    await fs.writeFile(keyFile, 'topiary-secret-key v1\nnot-a-key\n', { mode: 0o600 });
    expect(await codeOf(openEncryptedFileSecretStore({ keyFile }))).toBe('SECRET_KEY_FILE_CORRUPT');
  });

  it('reports tampered, foreign-key, truncated and future-version secrets distinctly', async () => {
    const store = await openEncryptedFileSecretStore({ keyFile });
    const sealed = await store.encrypt(Buffer.from('password'));
    const tampered = Buffer.from(sealed);
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] ?? 0) ^ 1;
    expect(await codeOf(store.decrypt(tampered))).toBe('SECRET_DECRYPT_FAILED');

    const other = await openEncryptedFileSecretStore({ keyFile: join(dir, 'other.key') });
    expect(await codeOf(other.decrypt(sealed))).toBe('SECRET_DECRYPT_FAILED');

    expect(await codeOf(store.decrypt(sealed.subarray(0, 10)))).toBe('SECRET_SEALED_CORRUPT');

    const future = Buffer.from(sealed);
    future[4] = 9;
    expect(await codeOf(store.decrypt(future))).toBe('SECRET_UNSUPPORTED_VERSION');
  });
});
