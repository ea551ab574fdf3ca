import { randomUUID } from 'node:crypto';
import { ConnectArgsSchema } from '../../../shared/ipc/connections';
import { hasReason, TopiaryError } from '../../../shared/ipc/errors';
import type { ProfileId, ProfileOptions, ProfilesNotice, ProfileView, SecretStoreInfo } from '../../../shared/ipc/profiles';
import { validationError } from '../ipc/serve';
import type { SecretStore } from '../secrets/secret-store';
import { bytesFromJson, bytesToJson } from './json-bytes';
import { readProfilesFile, writeProfilesFile, type StoredProfile } from './profiles-file';
import { mergeSecrets, splitSecrets, type SecretValue } from './secret-fields';

export interface ProfileStoreOptions {
  /** The profiles file, normally `<userData>/profiles.json`. */
  readonly file: string;
  /** Seals passwords, passphrases and private keys; nothing secret is written without it. */
  readonly secrets: SecretStore;
  /**
   * A vault that sealed older secrets (the encrypted-file one, when the app has since moved to the
   * OS keychain). Read from only; every save re-seals with `secrets`, so profiles migrate as they are edited.
   */
  readonly previousSecrets?: () => Promise<SecretStore | undefined>;
  readonly now?: () => Date;
}

/** What a caller saves: a new profile (no id) or changes to one. */
export interface ProfileInput {
  readonly id?: ProfileId;
  readonly name: string;
  readonly folder: string;
  /** Connect options; secret fields present here replace stored ones, absent ones are kept. */
  readonly options: Readonly<Record<string, unknown>>;
  /** Dotted paths of stored secrets to forget. */
  readonly clearSecrets?: readonly string[];
}

/** A profile with its secrets unsealed, ready to connect or export. */
export interface ResolvedProfile {
  readonly profile: ProfileView;
  /** The full connect options, secrets included. */
  readonly options: Record<string, unknown>;
}

/** The user's saved connection profiles, in one JSON file; secrets only ever sealed. */
export class ProfileStore {
  private writes: Promise<void> = Promise.resolve();

  private constructor(
    private readonly options: ProfileStoreOptions,
    private profiles: StoredProfile[],
    readonly notice: ProfilesNotice | undefined,
    private readonly readOnly: boolean,
  ) {}

  static async open(options: ProfileStoreOptions): Promise<ProfileStore> {
    const loaded = await readProfilesFile(options.file, options.now);
    return new ProfileStore(options, loaded.profiles, loaded.notice, loaded.readOnly ?? false);
  }

  secretStoreInfo(): SecretStoreInfo {
    return { kind: this.options.secrets.kind, description: this.options.secrets.describe() };
  }

  /** Sorted by folder, then by order within it. */
  list(): ProfileView[] {
    return [...this.profiles].sort(byFolderThenOrder).map(toView);
  }

  folders(): string[] {
    return [...new Set(this.profiles.map((p) => p.folder))].sort((a, b) => a.localeCompare(b));
  }

  get(id: ProfileId): ProfileView {
    return toView(this.require(id));
  }

  /** Creates or updates a profile; the options are checked against the connect schema with the stored secrets merged in. */
  async save(input: ProfileInput): Promise<ProfileView> {
    this.assertWritable();
    const existing = input.id !== undefined ? this.require(input.id) : undefined;
    const { name: _ignoredName, ...rawOptions } = input.options;
    const { options, secrets: given } = splitSecrets(rawOptions);
    const cleared = new Set(input.clearSecrets ?? []);

    const sealedSecrets: Record<string, StoredProfile['sealedSecrets'][string]> = {};
    for (const [path, sealed] of Object.entries(existing?.sealedSecrets ?? {})) {
      if (!cleared.has(path) && !given.has(path)) sealedSecrets[path] = sealed;
    }
    // Validate what a connect would see, so a profile that saves is a profile that connects.
    const kept = await this.unseal(sealedSecrets);
    const check = ConnectArgsSchema.safeParse(mergeSecrets(options, new Map([...kept, ...given])));
    if (!check.success) {
      const data = validationError(check.error);
      throw new TopiaryError(data.code, data.message, data.details);
    }
    for (const [path, value] of [...kept, ...given]) sealedSecrets[path] = await this.seal(value);

    const now = this.now().toISOString();
    const folder = input.folder;
    let order: number;
    if (existing && existing.folder === folder) order = existing.order;
    else order = this.profiles.filter((p) => p.folder === folder && p.id !== existing?.id).length;
    const stored: StoredProfile = {
      id: existing?.id ?? randomUUID(),
      name: input.name,
      folder,
      order,
      options: bytesToJson(options) as Record<string, unknown>,
      sealedSecrets,
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
    };
    const oldFolder = existing?.folder;
    this.profiles = existing ? this.profiles.map((p) => (p.id === stored.id ? stored : p)) : [...this.profiles, stored];
    if (oldFolder !== undefined && oldFolder !== folder) this.renumber(oldFolder);
    await this.persist();
    return toView(stored);
  }

  /** Copies a profile (secrets included) right after the original, named "<name> (copy)". */
  async duplicate(id: ProfileId): Promise<ProfileView> {
    this.assertWritable();
    const source = this.require(id);
    const now = this.now().toISOString();
    const copy: StoredProfile = {
      ...structuredClone(source),
      id: randomUUID(),
      name: `${source.name} (copy)`,
      order: source.order + 1,
      createdAt: now,
      updatedAt: now,
    };
    this.profiles = this.profiles.map((p) => (p.folder === source.folder && p.order > source.order ? { ...p, order: p.order + 1 } : p));
    this.profiles.push(copy);
    this.renumber(source.folder);
    await this.persist();
    return toView(copy);
  }

  async delete(id: ProfileId): Promise<void> {
    this.assertWritable();
    const target = this.require(id);
    this.profiles = this.profiles.filter((p) => p.id !== id);
    this.renumber(target.folder);
    await this.persist();
  }

  /** Moves a profile into a folder at a position; the rest of both folders close up around it. */
  async move(id: ProfileId, folder: string, index: number): Promise<void> {
    this.assertWritable();
    const target = this.require(id);
    const siblings = this.profiles
      .filter((p) => p.folder === folder && p.id !== id)
      .sort(byFolderThenOrder);
    const at = Math.min(index, siblings.length);
    siblings.splice(at, 0, { ...target, folder });
    const reordered = new Map(siblings.map((p, i) => [p.id, { ...p, order: i }]));
    const moved = reordered.get(id);
    if (moved && moved.folder !== target.folder) reordered.set(id, { ...moved, updatedAt: this.now().toISOString() });
    this.profiles = this.profiles.map((p) => reordered.get(p.id) ?? p);
    if (target.folder !== folder) this.renumber(target.folder);
    await this.persist();
  }

  /** The profile with every secret unsealed, for connecting or exporting. */
  async resolve(id: ProfileId): Promise<ResolvedProfile> {
    const stored = this.require(id);
    const secrets = await this.unseal(stored.sealedSecrets);
    return { profile: toView(stored), options: mergeSecrets(bytesFromJson(stored.options) as Record<string, unknown>, secrets) };
  }

  /** Waits for queued writes (tests, shutdown). */
  flushed(): Promise<void> {
    return this.writes;
  }

  private require(id: ProfileId): StoredProfile {
    const found = this.profiles.find((p) => p.id === id);
    if (!found) throw new TopiaryError('NOT_FOUND', 'That connection profile no longer exists; it may have been deleted in another window.');
    return found;
  }

  private renumber(folder: string): void {
    const inFolder = this.profiles.filter((p) => p.folder === folder).sort(byFolderThenOrder);
    const orders = new Map(inFolder.map((p, i) => [p.id, i]));
    this.profiles = this.profiles.map((p) => (orders.has(p.id) && orders.get(p.id) !== p.order ? { ...p, order: orders.get(p.id) ?? 0 } : p));
  }

  private assertWritable(): void {
    if (this.readOnly) throw new TopiaryError('INTERNAL_ERROR', `${this.notice?.message ?? 'The profiles file could not be read.'} This change was not saved.`);
  }

  private persist(): Promise<void> {
    const snapshot = this.profiles;
    // Chained so two saves never write at once; each writes the state as it was when it asked.
    const next = this.writes.catch(() => undefined).then(() => writeProfilesFile(this.options.file, snapshot));
    this.writes = next;
    return next.catch((error: unknown) => {
      throw new TopiaryError('INTERNAL_ERROR', `The profiles could not be saved to ${this.options.file}: ${error instanceof Error ? error.message : String(error)}. Check the disk space and the folder's permissions.`);
    });
  }

  private async seal(value: SecretValue): Promise<StoredProfile['sealedSecrets'][string]> {
    const plain = typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value);
    const sealed = await this.options.secrets.encrypt(plain);
    return { encoding: typeof value === 'string' ? 'text' : 'bytes', sealed: sealed.toString('base64') };
  }

  private async unseal(sealed: StoredProfile['sealedSecrets']): Promise<Map<string, SecretValue>> {
    const out = new Map<string, SecretValue>();
    for (const [path, entry] of Object.entries(sealed)) {
      let plain: Buffer;
      try {
        plain = await this.decrypt(Buffer.from(entry.sealed, 'base64'));
      } catch (error) {
        if (hasReason(error)) {
          throw new TopiaryError('VALIDATION_ERROR', `The saved secret "${path}" could not be opened: ${error.message}`, { secretCode: error.reason, path });
        }
        throw error;
      }
      out.set(path, entry.encoding === 'text' ? plain.toString('utf8') : new Uint8Array(plain));
    }
    return out;
  }

  private async decrypt(sealed: Buffer): Promise<Buffer> {
    try {
      return await this.options.secrets.decrypt(sealed);
    } catch (error) {
      const previous = await this.options.previousSecrets?.();
      if (!previous || !hasReason(error)) throw error;
      try {
        return await previous.decrypt(sealed);
      } catch {
        throw error;
      }
    }
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }
}

function byFolderThenOrder(a: StoredProfile, b: StoredProfile): number {
  return a.folder.localeCompare(b.folder) || a.order - b.order || a.name.localeCompare(b.name);
}

function toView(stored: StoredProfile): ProfileView {
  return {
    id: stored.id as ProfileId,
    name: stored.name,
    folder: stored.folder,
    order: stored.order,
    options: bytesFromJson(stored.options) as ProfileOptions,
    secrets: Object.keys(stored.sealedSecrets).sort(),
    createdAt: stored.createdAt,
    updatedAt: stored.updatedAt,
  };
}
