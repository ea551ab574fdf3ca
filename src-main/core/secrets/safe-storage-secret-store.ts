import { contractError } from '../../../shared/ipc/errors';
import { sealedBy, sealedByOtherVaultError } from './sealed-format';
import type { SecretStore } from './secret-store';

/** The part of Electron's `safeStorage` the vault needs; the shell passes the real object in. */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
}

/**
 * Wraps Electron's safeStorage as a SecretStore.
 *
 * safeStorage only takes strings, so bytes travel as base64 to survive arbitrary binary keys.
 */
export function createSafeStorageSecretStore(safeStorage: SafeStorageLike): SecretStore {
  const ensureAvailable = (): void => {
    if (!safeStorage.isEncryptionAvailable()) {
      throw contractError(
        'SECRET_ENCRYPTION_UNAVAILABLE',
        'The system keychain is not available, so secrets cannot be encrypted. Unlock your keyring or switch to the encrypted-file vault in settings.',
      );
    }
  };
  return {
    kind: 'safe-storage',
    describe: () => "Encrypted by your operating system's keychain.",
    encrypt: async (plain) => {
      ensureAvailable();
      return safeStorage.encryptString(plain.toString('base64'));
    },
    decrypt: async (sealed) => {
      // Web mode's vaults mark their bytes; say so rather than blame the keychain.
      const owner = sealedBy(sealed);
      if (owner === 'encrypted-file' || owner === 'os-keyring') throw sealedByOtherVaultError(owner);
      ensureAvailable();
      let text: string;
      try {
        text = safeStorage.decryptString(sealed);
      } catch {
        throw contractError(
          'SECRET_DECRYPT_FAILED',
          'The stored secret could not be decrypted by the system keychain; it may come from another user or machine. Enter the secret again.',
        );
      }
      return Buffer.from(text, 'base64');
    },
  };
}
