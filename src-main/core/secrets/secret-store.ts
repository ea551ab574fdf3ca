/** Where sealed secrets get their protection; shown to users so they know what guards their keys. */
export type SecretStoreKind = 'os-keyring' | 'safe-storage' | 'encrypted-file';

/**
 * Seals and unseals small secrets (connection passwords, private keys).
 *
 * Byte-oriented on purpose: callers keep the sealed bytes wherever the secret belongs
 * (a profile, a certificate entry), so the vault needs no naming scheme or index of its own.
 */
export interface SecretStore {
  readonly kind: SecretStoreKind;
  /** One sentence for the UI, e.g. where the key lives. */
  describe(): string;
  encrypt(plain: Buffer): Promise<Buffer>;
  decrypt(sealed: Buffer): Promise<Buffer>;
}
