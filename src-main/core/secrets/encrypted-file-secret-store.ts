import { contractError } from '../../../shared/ipc/errors';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { dirname } from 'node:path';
import { MASTER_KEY_BYTES, sealWithKey, unsealWithKey } from './sealed-format';
import type { SecretStore } from './secret-store';

const KEY_BYTES = MASTER_KEY_BYTES;
// Key file: "topiary-secret-key v1\n" + base64(key) + "\n" — text so a user can tell what it is.
const KEY_FILE_HEADER = 'topiary-secret-key v1';

export interface EncryptedFileSecretStoreOptions {
  /** Absolute path of the key file, normally inside the user-data folder. */
  readonly keyFile: string;
}

/** Opens (or creates on first use) the AES-256-GCM vault whose key sits in a 0600 file. */
export async function openEncryptedFileSecretStore(options: EncryptedFileSecretStoreOptions): Promise<SecretStore> {
  const key = await loadOrCreateKey(options.keyFile);
  return {
    kind: 'encrypted-file',
    describe: () => `Encrypted with AES-256-GCM; the key is in ${options.keyFile}, readable only by you.`,
    encrypt: async (plain) => sealWithKey('encrypted-file', key, plain),
    decrypt: async (sealed) => unsealWithKey('encrypted-file', key, sealed),
  };
}

async function loadOrCreateKey(keyFile: string): Promise<Buffer> {
  try {
    return await readKey(keyFile);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await fs.mkdir(dirname(keyFile), { recursive: true, mode: 0o700 });
  const key = randomBytes(KEY_BYTES);
  try {
    // 'wx' so two processes racing on first start cannot overwrite each other's key.
    await fs.writeFile(keyFile, `${KEY_FILE_HEADER}\n${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return readKey(keyFile);
    throw err;
  }
  return key;
}

async function readKey(keyFile: string): Promise<Buffer> {
  const handle = await fs.open(keyFile, 'r');
  try {
    const stat = await handle.stat();
    if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
      throw contractError(
        'SECRET_KEY_FILE_INSECURE',
        `The secret key file ${keyFile} can be read by other users (mode ${(stat.mode & 0o777).toString(8)}). Run "chmod 600 ${keyFile}" and try again.`,
        { keyFile, mode: stat.mode & 0o777 },
      );
    }
    const text = await handle.readFile('utf8');
    const [header, encoded] = text.split('\n');
    const key = encoded !== undefined ? Buffer.from(encoded.trim(), 'base64') : Buffer.alloc(0);
    if (header !== KEY_FILE_HEADER || key.length !== KEY_BYTES) {
      throw contractError(
        'SECRET_KEY_FILE_CORRUPT',
        `The secret key file ${keyFile} is damaged. Restore it from a backup; if you delete it, saved passwords and private keys must be entered again.`,
        { keyFile },
      );
    }
    return key;
  } finally {
    await handle.close();
  }
}
