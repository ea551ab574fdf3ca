import { contractError, type TopiaryError } from '../../../shared/ipc/errors';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** The vaults whose sealed bytes Topiary can tell apart. */
export type SealingVault = 'encrypted-file' | 'os-keyring' | 'safe-storage';

/** The vaults that seal with AES-256-GCM under a 32-byte key in the layout below. */
export type AesSealingVault = Exclude<SealingVault, 'safe-storage'>;

export const MASTER_KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const FORMAT_VERSION = 1;
// Sealed layout: magic(4) | version(1) | iv(12) | tag(16) | ciphertext.
// The magic names the vault, so bytes handed to the wrong vault get an error that says where they belong.
const MAGIC: Readonly<Record<AesSealingVault, Buffer>> = {
  'encrypted-file': Buffer.from('TPS1', 'ascii'),
  'os-keyring': Buffer.from('TPK1', 'ascii'),
};
const MAGIC_BYTES = 4;
const HEADER_BYTES = MAGIC_BYTES + 1 + IV_BYTES + TAG_BYTES;
// Chromium's OSCrypt (behind Electron's safeStorage) prefixes its ciphertext with a version tag.
const SAFE_STORAGE_PREFIXES = [Buffer.from('v10', 'ascii'), Buffer.from('v11', 'ascii')];

/** Which vault sealed these bytes, or undefined when they carry no mark Topiary knows. */
export function sealedBy(sealed: Buffer): SealingVault | undefined {
  const head = sealed.subarray(0, MAGIC_BYTES);
  for (const vault of Object.keys(MAGIC) as AesSealingVault[]) {
    if (head.equals(MAGIC[vault])) return vault;
  }
  if (SAFE_STORAGE_PREFIXES.some((prefix) => sealed.subarray(0, prefix.length).equals(prefix))) return 'safe-storage';
  return undefined;
}

/** Seals with AES-256-GCM under `key`, marking the bytes as `vault`'s. */
export function sealWithKey(vault: AesSealingVault, key: Buffer, plain: Buffer): Buffer {
  const iv = randomBytes(IV_BYTES);
  const header = Buffer.concat([MAGIC[vault], Buffer.of(FORMAT_VERSION)]);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  // The header is authenticated so a version byte or vault mark cannot be swapped under us.
  cipher.setAAD(header);
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([header, iv, cipher.getAuthTag(), body]);
}

/** Opens bytes sealed by `sealWithKey(vault, key, …)`; anything else gets a SECRET_STORE_ERROR saying why. */
export function unsealWithKey(vault: AesSealingVault, key: Buffer, sealed: Buffer): Buffer {
  const owner = sealedBy(sealed);
  if (owner !== undefined && owner !== vault) throw sealedByOtherVaultError(owner);
  if (owner === undefined || sealed.length < HEADER_BYTES) {
    throw contractError('SECRET_SEALED_CORRUPT', 'The stored secret is damaged or was not written by Topiary. Enter the secret again.');
  }
  const version = sealed[MAGIC_BYTES];
  if (version !== FORMAT_VERSION) {
    throw contractError(
      'SECRET_UNSUPPORTED_VERSION',
      `The stored secret uses format version ${String(version)}, which this Topiary cannot read. Update Topiary or enter the secret again.`,
      { version },
    );
  }
  let offset = MAGIC_BYTES + 1;
  const iv = sealed.subarray(offset, (offset += IV_BYTES));
  const tag = sealed.subarray(offset, (offset += TAG_BYTES));
  const body = sealed.subarray(offset);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAAD(sealed.subarray(0, MAGIC_BYTES + 1));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]);
  } catch {
    throw contractError(
      'SECRET_DECRYPT_FAILED',
      vault === 'os-keyring'
        ? "The stored secret could not be decrypted: Topiary's key in the OS keyring has changed since it was sealed, or the secret has been altered. Enter the secret again."
        : 'The stored secret could not be decrypted: it was sealed with a different key or has been altered. Enter the secret again.',
    );
  }
}

/** The error for bytes that belong to a vault this store cannot open; `hint` says what the user can do about it. */
export function sealedByOtherVaultError(owner: SealingVault, hint?: string): TopiaryError {
  return contractError('SECRET_SEALED_BY_OTHER_VAULT', `The stored secret was ${VAULT_WORDS[owner]}; ${hint ?? DEFAULT_HINT[owner]}`, {
    sealedBy: owner,
  });
}

const VAULT_WORDS: Readonly<Record<SealingVault, string>> = {
  'encrypted-file': 'sealed by the encrypted-file vault',
  'os-keyring': 'sealed by the OS keyring vault',
  'safe-storage': "sealed by the desktop app's system keychain (Electron safeStorage)",
};

const DEFAULT_HINT: Readonly<Record<SealingVault, string>> = {
  'encrypted-file': 'its key file (secret.key in the user-data folder) is not in use here. Restore that file or enter the secret again.',
  'os-keyring': 'its key is in the OS keyring, which is not in use here. Unlock your keyring, restart Topiary, or enter the secret again.',
  'safe-storage': 'open it in the Topiary desktop app or enter the secret again.',
};
