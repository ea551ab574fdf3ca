import { promises as fs } from 'node:fs';
import path from 'node:path';
import { openEncryptedFileSecretStore } from './encrypted-file-secret-store';
import { createMultiVaultSecretStore } from './multi-vault-secret-store';
import { createSafeStorageSecretStore, type SafeStorageLike } from './safe-storage-secret-store';
import type { SecretStore } from './secret-store';

/**
 * The desktop app's vault: Electron's safeStorage (the OS keychain) seals new secrets. Web mode
 * uses the same user-data folder, so secrets it sealed with its encrypted-file vault stay readable.
 * Undefined when safeStorage has no keychain: the core then uses the encrypted-file vault.
 */
export async function openDesktopSecretStore(options: { readonly userDataDir: string; readonly safeStorage: SafeStorageLike }): Promise<SecretStore | undefined> {
  if (!options.safeStorage.isEncryptionAvailable()) return undefined;
  const preferred = createSafeStorageSecretStore(options.safeStorage);
  const keyFile = path.join(options.userDataDir, 'secret.key');
  const webVaultExists = await fs.access(keyFile).then(
    () => true,
    () => false,
  );
  if (!webVaultExists) return preferred;
  const webVault = await openEncryptedFileSecretStore({ keyFile });
  return createMultiVaultSecretStore({
    preferred,
    readers: { 'safe-storage': preferred, 'encrypted-file': webVault },
    description: `${preferred.describe()} Secrets saved earlier in web mode are still read from its encrypted-file vault.`,
  });
}
