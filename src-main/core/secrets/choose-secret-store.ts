import { contractError, hasReason, type TopiaryError } from '../../../shared/ipc/errors';
import { access } from 'node:fs/promises';
import path from 'node:path';
import { openEncryptedFileSecretStore } from './encrypted-file-secret-store';
import { openKeyringSecretStore, refusalPhrase } from './keyring-secret-store';
import { createMultiVaultSecretStore } from './multi-vault-secret-store';
import { childProcessKeyring, type KeyringRefusal, type OsKeyring } from './os-keyring';
import { sealedByOtherVaultError } from './sealed-format';
import type { SecretStore } from './secret-store';

/** Which vault web mode should seal with: the OS keyring when one works (`auto`), or exactly one. */
export type SecretStorePreference = 'auto' | 'os-keyring' | 'encrypted-file';

export interface ChooseSecretStoreOptions {
  readonly userDataDir: string;
  readonly preference?: SecretStorePreference;
  /** The keyring to try; the real one (asked from a child process, with a timeout) unless a test passes another. */
  readonly keyring?: OsKeyring;
}

/** The name of the file vault's key file inside the user-data folder. */
export const SECRET_KEY_FILE = 'secret.key';

/**
 * Picks web mode's vault: the OS keyring where one answers, otherwise the encrypted-file vault.
 *
 * Either way, secrets sealed earlier by the other vault stay readable while its key is at hand
 * (the key file exists, the keyring answers), and get an error saying what to do when it is not.
 */
export async function chooseWebSecretStore(options: ChooseSecretStoreOptions): Promise<SecretStore> {
  const preference = options.preference ?? 'auto';
  const keyFile = path.join(options.userDataDir, SECRET_KEY_FILE);
  const openFileVault = (): Promise<SecretStore> => openEncryptedFileSecretStore({ keyFile });
  if (preference === 'encrypted-file') return openFileVault();

  const keyring = options.keyring ?? childProcessKeyring();
  let refusal: TopiaryError;
  try {
    const keyringVault = await openKeyringSecretStore({ userDataDir: options.userDataDir, keyring });
    const hasFileVault = await exists(keyFile);
    const fileVault = hasFileVault ? await openFileVault() : undefined;
    return createMultiVaultSecretStore({
      preferred: keyringVault,
      readers: { 'os-keyring': keyringVault, ...(fileVault ? { 'encrypted-file': fileVault } : {}) },
      unavailable: fileVault
        ? {}
        : { 'encrypted-file': sealedByOtherVaultError('encrypted-file', `its key file ${keyFile} is missing. Restore it from a backup or enter the secret again.`) },
      description: fileVault
        ? `${keyringVault.describe()} Secrets saved earlier with the key file ${keyFile} are still read.`
        : keyringVault.describe(),
    });
  } catch (error) {
    if (!hasReason(error, 'SECRET_KEYRING_UNAVAILABLE') || preference === 'os-keyring') throw error;
    refusal = error;
  }

  const fileVault = await openFileVault();
  const reason = (refusal.details?.['refusal'] ?? 'failed') as KeyringRefusal;
  return createMultiVaultSecretStore({
    preferred: fileVault,
    readers: { 'encrypted-file': fileVault },
    unavailable: {
      'os-keyring': contractError('SECRET_KEYRING_UNAVAILABLE', `The stored secret was sealed with Topiary's key in the OS keyring, but ${lowerFirst(refusal.message)}`, refusal.details),
    },
    description: `${fileVault.describe()} Not using the OS keyring: ${refusalPhrase(reason)}.`,
  });
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
