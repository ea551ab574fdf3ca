import { contractError, type TopiaryError } from '../../../shared/ipc/errors';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { KeyringRefusal, OsKeyring } from './os-keyring';
import { MASTER_KEY_BYTES, sealWithKey, unsealWithKey } from './sealed-format';
import type { SecretStore } from './secret-store';

/** The keyring service Topiary's entries live under (what a user sees in Seahorse or Keychain Access). */
export const KEYRING_SERVICE = 'Topiary';

export interface KeyringSecretStoreOptions {
  /** The user-data folder: each folder gets its own master key, so two never share or overwrite one. */
  readonly userDataDir: string;
  readonly keyring: OsKeyring;
}

/** The keyring account for a user-data folder: its absolute path, so the entry says which folder it serves. */
export function keyringAccountFor(userDataDir: string): string {
  return `master-key:${path.resolve(userDataDir)}`;
}

/**
 * Opens the vault whose 32-byte master key lives in the OS keyring, creating the key on first use.
 *
 * Only the master key goes into the keyring; secrets are sealed with AES-256-GCM under it and kept
 * by their owners, as with the file vault. Throws SECRET_KEYRING_UNAVAILABLE when the keyring is
 * missing, locked, refuses or does not answer.
 */
export async function openKeyringSecretStore(options: KeyringSecretStoreOptions): Promise<SecretStore> {
  const account = keyringAccountFor(options.userDataDir);
  const lookup = await options.keyring.loadOrCreate(KEYRING_SERVICE, account, () => randomBytes(MASTER_KEY_BYTES).toString('base64'));
  if (!lookup.ok) throw keyringUnavailableError(options.keyring.backend, lookup.reason, lookup.message);
  const key = Buffer.from(lookup.value, 'base64');
  if (key.length !== MASTER_KEY_BYTES || key.toString('base64') !== lookup.value) {
    // Never overwrite it: the entry may hold a key that sealed secrets still need.
    throw contractError(
      'SECRET_KEYRING_UNAVAILABLE',
      `The OS keyring entry "${KEYRING_SERVICE}" / "${account}" does not hold a Topiary key. Remove that entry with your keyring manager (secrets sealed with it are lost) and restart Topiary.`,
      { backend: options.keyring.backend, account },
    );
  }
  return createKeyringSecretStore(key, options.keyring.backend);
}

/** The keyring vault over a master key already fetched from the keyring. */
export function createKeyringSecretStore(masterKey: Buffer, backend: string): SecretStore {
  return {
    kind: 'os-keyring',
    describe: () => `Secrets are sealed with a key kept in the OS keyring (${backend}).`,
    encrypt: async (plain) => sealWithKey('os-keyring', masterKey, plain),
    decrypt: async (sealed) => unsealWithKey('os-keyring', masterKey, sealed),
  };
}

/** The error for a keyring that gave no key, with what to do about it. */
export function keyringUnavailableError(backend: string, reason: KeyringRefusal, detail: string): TopiaryError {
  return contractError('SECRET_KEYRING_UNAVAILABLE', `The OS keyring (${backend}) ${REFUSAL_WORDS[reason]} (${detail}).`, { backend, refusal: reason });
}

const REFUSAL_WORDS: Readonly<Record<KeyringRefusal, string>> = {
  absent: 'is not running or not reachable; start your desktop session\'s keyring (e.g. gnome-keyring) and restart Topiary',
  locked: 'is locked or refused access; unlock it and restart Topiary',
  timeout: 'did not answer in time; unlock it or check that it is responding, then restart Topiary',
  failed: 'could not be used; check that it works, then restart Topiary',
};

/** A short phrase for why the keyring is not in use, for the vault's one-sentence description. */
export function refusalPhrase(reason: KeyringRefusal): string {
  return REFUSAL_PHRASES[reason];
}

const REFUSAL_PHRASES: Readonly<Record<KeyringRefusal, string>> = {
  absent: 'no keyring service is running',
  locked: 'it is locked or refused access',
  timeout: 'it did not answer in time',
  failed: 'it could not be used',
};
