import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chooseWebSecretStore } from './choose-secret-store';
import { assertGnomeKeyringTools, startGnomeKeyringSession, type GnomeKeyringSession } from '../../test-support/gnome-keyring-session';
import { KEYRING_SERVICE, keyringAccountFor } from './keyring-secret-store';
import { childProcessKeyring } from './os-keyring';

// Generous, so a busy test machine cannot turn a slow answer into a fallback; the timeout itself is tested in os-keyring.test.ts.
const PATIENT_MS = 10_000;
let dir: string;
let home: string;
let userDataDir: string;
let session: GnomeKeyringSession | undefined;

beforeAll(() => assertGnomeKeyringTools());
beforeEach(async () => {
  dir = await fs.mkdtemp(join(tmpdir(), 'topiary-web-vault-'));
  home = join(dir, 'home');
  userDataDir = join(dir, 'user-data');
  await fs.mkdir(userDataDir, { recursive: true });
});
afterEach(async () => {
  await session?.close();
  session = undefined;
  await fs.rm(dir, { recursive: true, force: true });
});

async function filesUnder(root: string): Promise<string[]> {
  const entries = await fs.readdir(root, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe.runIf(process.platform === 'linux')('web-mode vault against a real gnome-keyring', () => {
  it('keeps the master key in the keyring: secrets survive a keyring restart and the key is in no file in the clear', async () => {
    session = await startGnomeKeyringSession({ home, password: 'test' });
    const store = await chooseWebSecretStore({ userDataDir, keyring: childProcessKeyring({ env: session.env, timeoutMs: PATIENT_MS }) });
    expect(store.kind).toBe('os-keyring');
    expect(store.describe()).toBe('Secrets are sealed with a key kept in the OS keyring (Secret Service).');
    const sealed = await store.encrypt(Buffer.from('broker password'));
    const fresh = await chooseWebSecretStore({ userDataDir, keyring: childProcessKeyring({ env: session.env, timeoutMs: PATIENT_MS }) });
    expect((await fresh.decrypt(sealed)).toString()).toBe('broker password');

    // A new daemon on a new bus can only know the key from the keyring file gnome-keyring keeps on disk.
    await session.close();
    session = await startGnomeKeyringSession({ home, password: 'test' });
    const keyring = childProcessKeyring({ env: session.env, timeoutMs: PATIENT_MS });
    const afterRestart = await chooseWebSecretStore({ userDataDir, keyring });
    expect((await afterRestart.decrypt(sealed)).toString()).toBe('broker password');

    const lookup = await keyring.loadOrCreate(KEYRING_SERVICE, keyringAccountFor(userDataDir), () => 'unused');
    if (!lookup.ok) throw new Error(`the keyring entry is not readable: ${lookup.message}`);
    expect(lookup.created).toBe(false);
    const key = Buffer.from(lookup.value, 'base64');
    expect(key).toHaveLength(32);
    await expect(fs.access(join(userDataDir, 'secret.key'))).rejects.toMatchObject({ code: 'ENOENT' });
    const files = await filesUnder(dir);
    expect(files.some((f) => f.includes('keyrings'))).toBe(true);
    for (const file of files) {
      const bytes = await fs.readFile(file);
      expect(bytes.includes(key), file).toBe(false);
      expect(bytes.includes(Buffer.from(lookup.value)), file).toBe(false);
    }
  });

  it('falls back to the encrypted-file vault, saying the keyring is locked, and still opens file-sealed secrets later', async () => {
    session = await startGnomeKeyringSession({ home });
    const locked = await chooseWebSecretStore({ userDataDir, keyring: childProcessKeyring({ env: session.env, timeoutMs: PATIENT_MS }) });
    expect(locked.kind).toBe('encrypted-file');
    expect(locked.describe()).toContain('Not using the OS keyring: it is locked or refused access.');
    const sealed = await locked.encrypt(Buffer.from('older password'));
    await session.close();

    session = await startGnomeKeyringSession({ home, password: 'test' });
    const unlocked = await chooseWebSecretStore({ userDataDir, keyring: childProcessKeyring({ env: session.env, timeoutMs: PATIENT_MS }) });
    expect(unlocked.kind).toBe('os-keyring');
    expect((await unlocked.decrypt(sealed)).toString()).toBe('older password');
  });
});
