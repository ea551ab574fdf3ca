import { type TopiaryError } from '../../../shared/ipc/errors';
import { sealedBy, type SealingVault } from './sealed-format';
import type { SecretStore } from './secret-store';

export interface MultiVaultSecretStoreOptions {
  /** Seals every new secret; its kind is the store's kind. */
  readonly preferred: SecretStore;
  /** Opens bytes by the vault that sealed them, so secrets saved under an earlier choice stay readable. */
  readonly readers: Partial<Readonly<Record<SealingVault, SecretStore>>>;
  /** For vaults that cannot be opened here: the error that says why and what to do. */
  readonly unavailable?: Partial<Readonly<Record<SealingVault, TopiaryError>>>;
  /** The one sentence for the UI. */
  readonly description: string;
}

/** A vault that seals with one store and opens with whichever store sealed the bytes. */
export function createMultiVaultSecretStore(options: MultiVaultSecretStoreOptions): SecretStore {
  return {
    kind: options.preferred.kind,
    describe: () => options.description,
    encrypt: (plain) => options.preferred.encrypt(plain),
    decrypt: async (sealed) => {
      const owner = sealedBy(sealed);
      const reader = owner === undefined ? undefined : options.readers[owner];
      if (reader) return reader.decrypt(sealed);
      const refusal = owner === undefined ? undefined : options.unavailable?.[owner];
      if (refusal) throw refusal;
      // The preferred vault names the problem: damaged bytes, or another vault's mark.
      return options.preferred.decrypt(sealed);
    },
  };
}
