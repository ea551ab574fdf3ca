import { z } from 'zod';
import { ConnectionIdSchema, type ConnectionId, type Deleted, type ExportedText } from './common';
import type { ConnectArgs, ConnectionInfo } from './connections';
import { request } from './define';

/** Identifies one saved connection profile; branded so a connection id can't be passed by mistake. */
export type ProfileId = string & { readonly __brand: 'ProfileId' };

export const ProfileIdSchema = z
  .string()
  .min(1, 'A profile id is required.')
  .max(100)
  .transform((s) => s as ProfileId);

/**
 * Option names that hold secrets (passwords, passphrases, private keys, PKCS#12 bundles, DTLS pre-shared keys, tokens).
 * Matched by name at any depth so options added to the connection schema later are still kept out
 * of plain-text files; the core seals these through the SecretStore.
 */
export const SECRET_OPTION_KEY = /^(password|passphrase|keyPassphrase|pfxPassphrase|pkcs12Password|pfxPassword|privateKey|privateKeyPem|key|keyPem|clientKey|pfx|pkcs12|psk|token|secret|authenticationData)$/i;

/** Whether an option with this name is a secret. */
export function isSecretOptionKey(key: string): boolean {
  return SECRET_OPTION_KEY.test(key);
}

/** Sub-trees whose keys are data, not option names (user property names are not secrets). */
export const NON_OPTION_KEYS: ReadonlySet<string> = new Set(['userProperties']);

/**
 * A profile's connection options: the connect request's shape. At rest and in `profiles.list`,
 * secret fields are absent; `secrets` on the profile names which ones are stored.
 */
export type ProfileOptions = Omit<ConnectArgs, 'name'>;

/** One saved profile as the UI sees it (never with secret values). */
export interface ProfileView {
  readonly id: ProfileId;
  readonly name: string;
  /** '' for the top level; folders nest with '/' ("Plant/Line 1"). */
  readonly folder: string;
  /** Position among the profiles of the same folder, from 0. */
  readonly order: number;
  readonly options: ProfileOptions;
  /** Dotted paths of the secret options that are stored sealed (e.g. "password", "tls.key"). */
  readonly secrets: readonly string[];
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** Which vault guards the secrets, in words for the UI. */
export interface SecretStoreInfo {
  readonly kind: 'os-keyring' | 'safe-storage' | 'encrypted-file';
  readonly description: string;
}

/** A problem the user should know about that did not stop Topiary (e.g. a damaged profiles file kept aside). */
export interface ProfilesNotice {
  readonly code: 'PROFILES_FILE_CORRUPT' | 'PROFILES_FILE_UNREADABLE';
  readonly message: string;
  /** Where the damaged file was moved. */
  readonly keptAs?: string;
}

/** A live connection opened from a profile. */
export interface ProfileConnection {
  readonly profileId: ProfileId;
  readonly connectionId: ConnectionId;
}

/** Everything the connections panel shows. */
export interface ProfilesList {
  /** Sorted by folder, then order. */
  readonly profiles: readonly ProfileView[];
  /** Every folder in use, sorted. */
  readonly folders: readonly string[];
  readonly live: readonly ProfileConnection[];
  readonly notice?: ProfilesNotice;
}

/** What an import did; nothing is dropped silently. */
export interface ImportResult {
  readonly format: 'topiary' | 'mqttx' | 'mqtt-explorer';
  readonly imported: readonly { readonly id: ProfileId; readonly name: string }[];
  readonly skipped: readonly { readonly name: string; readonly reason: string }[];
  /** Fields a foreign format had that Topiary could not carry over, per profile name. */
  readonly warnings: readonly string[];
  /** Decoder bindings, auto-responders and simulations the file carried, added to the app's (Topiary files only; scripts are code). */
  readonly scripts?: ImportedScripts;
  readonly list: ProfilesList;
}

/** What an import did with the file's decoder bindings, auto-responders and saved simulations. */
export interface ImportedScripts {
  readonly decoderBindings: number;
  /** Added switched off: a rule publishes on every open connection, so the user turns it on after reading it. */
  readonly responders: number;
  /** Added stopped: a simulation connects and publishes only when the user starts it. */
  readonly simulations: number;
  /** Entries identical to one the app already has, not added twice. */
  readonly alreadyPresent: number;
}

/** Topiary's own JSON format. */
export interface ExportResult extends ExportedText {
  readonly count: number;
  readonly includesSecrets: boolean;
  /** How many decoder bindings, auto-responders and saved simulations the file carries (none unless `includeScripts`). */
  readonly scripts: { readonly decoderBindings: number; readonly responders: number; readonly simulations: number };
}

const FolderSchema = z
  .string()
  .max(200)
  .transform((f) =>
    f
      .split('/')
      .map((part) => part.trim())
      .filter((part) => part.length > 0)
      .join('/'),
  );

/** The connection options, checked in full by the core against the connect schema (with stored secrets merged in). */
const OptionsSchema = z.custom<ProfileOptions>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), {
  message: 'Connection options must be an object.',
});

export const SaveProfileArgsSchema = z
  .object({
    /** Absent to create a new profile. */
    id: ProfileIdSchema.optional(),
    name: z.string().trim().min(1, 'Give the profile a name.').max(200),
    folder: FolderSchema.default(''),
    /** Secret fields given here replace the stored ones; absent secrets are kept. */
    options: OptionsSchema,
    /** Dotted paths of stored secrets to forget. */
    clearSecrets: z.array(z.string().max(200)).max(100).default([]),
  })
  .strict();

export type SaveProfileArgs = z.input<typeof SaveProfileArgsSchema>;

export const ImportForeignFormatSchema = z.enum(['auto', 'mqttx', 'mqtt-explorer']);

export const profilesRequests = {
  'profiles.list': request<ProfilesList>()(z.object({}).strict()),
  'profiles.save': request<{ readonly id: ProfileId; readonly list: ProfilesList }>()(SaveProfileArgsSchema),
  /**
   * Saves a connection opened without a profile (quick connect, embedded broker), live or closed and kept, as a profile
   * with the options it connected with; a live one then shows as that profile's connection. Its name unless `name`.
   */
  'profiles.saveConnection': request<{ readonly id: ProfileId; readonly list: ProfilesList }>()(
    z.object({ connectionId: ConnectionIdSchema, name: z.string().min(1).max(200).optional(), folder: FolderSchema.default('') }).strict(),
  ),
  'profiles.duplicate': request<{ readonly id: ProfileId; readonly list: ProfilesList }>()(z.object({ id: ProfileIdSchema }).strict()),
  'profiles.delete': request<Deleted>()(z.object({ id: ProfileIdSchema }).strict()),
  'profiles.move': request<ProfilesList>()(
    z
      .object({
        id: ProfileIdSchema,
        folder: FolderSchema,
        /** Position in the target folder; past the end means last. */
        index: z.number().int().min(0),
      })
      .strict(),
  ),
  'profiles.connect': request<ConnectionInfo>()(z.object({ id: ProfileIdSchema }).strict()),
  'profiles.export': request<ExportResult>()(
    z
      .object({
        /** All profiles when absent. */
        ids: z.array(ProfileIdSchema).max(10_000).optional(),
        includeSecrets: z.boolean().default(false),
        /** The app's decoder bindings and auto-responders (they apply to every connection) and saved simulations travel with the profiles. */
        includeScripts: z.boolean().default(true),
      })
      .strict(),
  ),
  'profiles.import': request<ImportResult>()(z.object({ text: z.string().max(50_000_000) }).strict()),
  'profiles.importForeign': request<ImportResult>()(
    z
      .object({
        text: z.string().max(50_000_000),
        format: ImportForeignFormatSchema.default('auto'),
      })
      .strict(),
  ),
  'profiles.getSecretStore': request<SecretStoreInfo>()(z.object({}).strict()),
} as const;

export interface ProfilesEvents {
  /** Another window (or this one) changed the saved profiles. */
  readonly 'profiles.changed': ProfilesList;
}
