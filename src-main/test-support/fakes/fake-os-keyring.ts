import type { KeyringRefusal, MasterKeyLookup, OsKeyring } from '../../core/secrets/os-keyring';

/** An in-memory keyring for tests of the vault's decisions; the real one is exercised against gnome-keyring. */
export interface FakeOsKeyring extends OsKeyring {
  readonly entries: Map<string, string>;
  /** When set, every lookup is refused for this reason. */
  refuse: KeyringRefusal | undefined;
  lookups: number;
}

export function createFakeOsKeyring(): FakeOsKeyring {
  const keyring: FakeOsKeyring = {
    backend: 'Fake Keyring',
    entries: new Map(),
    refuse: undefined,
    lookups: 0,
    loadOrCreate: async (service, account, newValue): Promise<MasterKeyLookup> => {
      keyring.lookups++;
      if (keyring.refuse) return { ok: false, reason: keyring.refuse, message: `fake keyring: ${keyring.refuse}` };
      const id = `${service}\u0000${account}`;
      const existing = keyring.entries.get(id);
      if (existing !== undefined) return { ok: true, value: existing, created: false };
      const value = newValue();
      keyring.entries.set(id, value);
      return { ok: true, value, created: true };
    },
  };
  return keyring;
}
