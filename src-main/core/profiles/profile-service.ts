import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { ConnectionId, Deleted } from '../../../shared/ipc/common';
import { ConnectArgsSchema, type ConnectionInfo } from '../../../shared/ipc/connections';
import type { ParsedArg } from '../../../shared/ipc/contract';
import { TopiaryError } from '../../../shared/ipc/errors';
import type { ExportResult, ImportedScripts, ImportResult, ProfileConnection, ProfileId, ProfilesList, SecretStoreInfo } from '../../../shared/ipc/profiles';
import { validationError } from '../ipc/serve';
import { openEncryptedFileSecretStore } from '../secrets/encrypted-file-secret-store';
import type { SecretStore } from '../secrets/secret-store';
import { readForeignProfiles } from './importers/foreign-import';
import type { ImportCandidate } from './importers/import-candidate';
import { bytesFromJson, bytesToJson } from './json-bytes';
import { ProfileStore } from './profile-store';
import { StoredProfileSchema } from './profiles-file';

export interface ProfileServiceOptions {
  readonly userDataDir: string;
  readonly secrets: SecretStore;
  /** Opens a connection (the connection manager's connect). */
  readonly connect: (args: ParsedArg<'connections.connect'>) => Promise<ConnectionInfo>;
  /** The options a connection (live, or closed and kept) connected with, to save it as a profile. */
  readonly connectionOptions?: (connectionId: ConnectionId) => ParsedArg<'connections.connect'>;
  /** Connections alive now, so a profile shows live only while its connection is. */
  readonly liveConnectionIds: () => Iterable<ConnectionId>;
  /** Told after every change, to push `profiles.changed` to every window. */
  readonly changed?: (list: ProfilesList) => void;
  readonly now?: () => Date;
  /** The app's decoder bindings, auto-responders and saved simulations, which travel in Topiary's own export file. */
  readonly scripts?: ProfileScripts;
}

/** A part of the app whose entries a profiles export carries: listed for export, added back on import. */
export interface ScriptEntries {
  exportEntries(): readonly object[];
  importEntries(entries: readonly unknown[]): Promise<{
    readonly added: number;
    readonly present: number;
    readonly refused: readonly { readonly name: string; readonly reason: string }[];
    readonly warnings: readonly string[];
  }>;
}

/** Decoder bindings, auto-responders and saved simulations: what the user wrote, saved with the profiles' export. */
export interface ProfileScripts {
  readonly decoderBindings: ScriptEntries;
  readonly responders: ScriptEntries;
  readonly simulations?: ScriptEntries;
}

/** The three kinds of entries a Topiary export may carry beside its profiles. */
interface ScriptFileEntries {
  readonly decoderBindings: readonly unknown[];
  readonly responders: readonly unknown[];
  readonly simulations: readonly unknown[];
}

/** Most entries of each kind a file may carry (each is checked one by one). */
const SCRIPT_ENTRIES_MAX = 10_000;

const EXPORT_FORMAT = 'topiary-profiles-export';

const ExportFileSchema = z.object({
  format: z.literal(EXPORT_FORMAT),
  version: z.literal(1),
  profiles: z.array(
    z.object({
      name: z.string(),
      folder: z.string().default(''),
      order: z.number().optional(),
      options: z.record(z.string(), z.unknown()),
    }),
  ),
  // Checked entry by entry on import, so one bad entry is refused with why and the rest still come in.
  decoderBindings: z.array(z.unknown()).max(SCRIPT_ENTRIES_MAX).optional(),
  responders: z.array(z.unknown()).max(SCRIPT_ENTRIES_MAX).optional(),
  simulations: z.array(z.unknown()).max(SCRIPT_ENTRIES_MAX).optional(),
});

const ProfilesFileImportSchema = z.object({ format: z.literal('topiary-profiles'), version: z.literal(1), profiles: z.array(StoredProfileSchema) });

/** The `profiles.*` requests: saved profiles, connecting from them, import and export. */
export class ProfileService {
  // Which profile each live connection came from.
  private readonly opened = new Map<ConnectionId, ProfileId>();

  private constructor(
    private readonly store: ProfileStore,
    private readonly options: ProfileServiceOptions,
  ) {}

  static async open(options: ProfileServiceOptions): Promise<ProfileService> {
    const keyFile = path.join(options.userDataDir, 'secret.key');
    let previous: Promise<SecretStore | undefined> | undefined;
    const store = await ProfileStore.open({
      file: path.join(options.userDataDir, 'profiles.json'),
      secrets: options.secrets,
      // Secrets sealed before the app moved to the OS keychain stay readable while the key file exists.
      ...(options.secrets.kind !== 'encrypted-file'
        ? {
            previousSecrets: () =>
              (previous ??= fs.access(keyFile).then(
                () => openEncryptedFileSecretStore({ keyFile }),
                () => undefined,
              )),
          }
        : {}),
      ...(options.now ? { now: options.now } : {}),
    });
    return new ProfileService(store, options);
  }

  list(): ProfilesList {
    const alive = new Set(this.options.liveConnectionIds());
    for (const id of this.opened.keys()) if (!alive.has(id)) this.opened.delete(id);
    const live: ProfileConnection[] = [...this.opened].map(([connectionId, profileId]) => ({ profileId, connectionId }));
    return {
      profiles: this.store.list(),
      folders: this.store.folders(),
      live,
      ...(this.store.notice ? { notice: this.store.notice } : {}),
    };
  }

  secretStoreInfo(): SecretStoreInfo {
    return this.store.secretStoreInfo();
  }

  async save(args: ParsedArg<'profiles.save'>): Promise<{ id: ProfileId; list: ProfilesList }> {
    const saved = await this.store.save({
      ...(args.id !== undefined ? { id: args.id } : {}),
      name: args.name,
      folder: args.folder,
      options: args.options as Record<string, unknown>,
      clearSecrets: args.clearSecrets,
    });
    return { id: saved.id, list: this.changed() };
  }

  /**
   * Saves a connection opened without a profile (a quick connect, the embedded broker's) as a profile, secrets sealed
   * like any other; a live connection then belongs to the new profile, so its entry becomes the profile's row.
   */
  async saveConnection(connectionId: ConnectionId, name: string | undefined, folder: string): Promise<{ id: ProfileId; list: ProfilesList }> {
    if (!this.options.connectionOptions) throw new TopiaryError('NOT_FOUND', 'Connections cannot be saved as profiles here.');
    const { name: connectionName, ...options } = this.options.connectionOptions(connectionId);
    const saved = await this.store.save({ name: name ?? connectionName ?? options.url, folder, options: options as Record<string, unknown>, clearSecrets: [] });
    if ([...this.options.liveConnectionIds()].includes(connectionId)) this.opened.set(connectionId, saved.id);
    return { id: saved.id, list: this.changed() };
  }

  async duplicate(id: ProfileId): Promise<{ id: ProfileId; list: ProfilesList }> {
    const copy = await this.store.duplicate(id);
    return { id: copy.id, list: this.changed() };
  }

  async delete(id: ProfileId): Promise<Deleted> {
    await this.store.delete(id);
    this.changed();
    return { deleted: 1 };
  }

  async move(id: ProfileId, folder: string, index: number): Promise<ProfilesList> {
    await this.store.move(id, folder, index);
    return this.changed();
  }

  /** Unseals the profile's secrets and connects; the secrets exist in plain form only for this call. */
  async connect(id: ProfileId): Promise<ConnectionInfo> {
    const { profile, options } = await this.store.resolve(id);
    const parsed = ConnectArgsSchema.safeParse({ ...options, name: profile.name });
    if (!parsed.success) {
      const data = validationError(parsed.error);
      throw new TopiaryError(data.code, `The profile "${profile.name}" no longer passes the connection checks: ${data.message} Edit the profile and save it again.`, data.details);
    }
    const info = await this.options.connect(parsed.data);
    this.opened.set(info.connectionId, id);
    this.changed();
    return info;
  }

  /** Topiary's own JSON; secrets only when asked, in plain text, for moving to another machine. */
  async export(ids: readonly ProfileId[] | undefined, includeSecrets: boolean, includeScripts = true): Promise<ExportResult> {
    const chosen = ids ? ids.map((id) => this.store.get(id)) : this.store.list();
    const profiles = [];
    for (const view of chosen) {
      const options = includeSecrets ? (await this.store.resolve(view.id)).options : (view.options as Record<string, unknown>);
      profiles.push({ name: view.name, folder: view.folder, order: view.order, options: bytesToJson(options) });
    }
    const now = this.options.now?.() ?? new Date();
    const own = includeScripts ? this.options.scripts : undefined;
    const scripts = own
      ? { decoderBindings: own.decoderBindings.exportEntries(), responders: own.responders.exportEntries(), ...(own.simulations ? { simulations: own.simulations.exportEntries() } : {}) }
      : undefined;
    const text = JSON.stringify({ format: EXPORT_FORMAT, version: 1, exportedAt: now.toISOString(), includesSecrets: includeSecrets, profiles, ...scripts }, null, 2) + '\n';
    return {
      fileName: `topiary-profiles-${now.toISOString().slice(0, 10)}.json`,
      mediaType: 'application/json',
      text,
      count: profiles.length,
      includesSecrets: includeSecrets,
      scripts: { decoderBindings: scripts?.decoderBindings.length ?? 0, responders: scripts?.responders.length ?? 0, simulations: scripts?.simulations?.length ?? 0 },
    };
  }

  /** Reads a Topiary export (or a copied profiles.json, whose sealed secrets stay behind). */
  async import(text: string): Promise<ImportResult> {
    let json: unknown;
    try {
      json = JSON.parse(text.replace(/^\uFEFF/, ''));
    } catch (error) {
      throw new TopiaryError('VALIDATION_ERROR', `The file is not valid JSON (${error instanceof Error ? error.message : String(error)}). Choose a file Topiary exported.`);
    }
    const warnings: string[] = [];
    let candidates: ImportCandidate[];
    let scriptEntries: ScriptFileEntries | undefined;
    const exported = ExportFileSchema.safeParse(json);
    const copied = ProfilesFileImportSchema.safeParse(json);
    if (exported.success) {
      candidates = [...exported.data.profiles]
        .sort((a, b) => a.folder.localeCompare(b.folder) || (a.order ?? 0) - (b.order ?? 0))
        .map((p) => ({ name: p.name, folder: p.folder, options: bytesFromJson(p.options) as Record<string, unknown>, warnings: [] }));
      const { decoderBindings = [], responders = [], simulations = [] } = exported.data;
      if (decoderBindings.length + responders.length + simulations.length > 0) scriptEntries = { decoderBindings, responders, simulations };
    } else if (copied.success) {
      candidates = copied.data.profiles.map((p) => {
        const lost = Object.keys(p.sealedSecrets);
        return {
          name: p.name,
          folder: p.folder,
          options: bytesFromJson(p.options) as Record<string, unknown>,
          warnings: lost.length > 0 ? [`${p.name}: its saved secrets (${lost.join(', ')}) are sealed with another machine's key; enter them again.`] : [],
        };
      });
    } else if (typeof json === 'object' && json !== null && (json as { format?: unknown }).format === EXPORT_FORMAT) {
      // Topiary's own export, damaged or edited by hand: say what is wrong with it.
      throw new TopiaryError('VALIDATION_ERROR', `The Topiary profiles export cannot be read: ${validationError(exported.error).message}`);
    } else {
      throw new TopiaryError('VALIDATION_ERROR', 'The file is not a Topiary profiles export. For MQTTX or MQTT Explorer files, use "Import from another app".');
    }
    const result = await this.importCandidates('topiary', candidates, [], warnings);
    if (scriptEntries === undefined) return result;
    return this.importScripts(result, scriptEntries);
  }

  /**
   * Adds the file's decoder bindings, auto-responders and simulations, and says plainly in the summary that they are code:
   * responders arrive switched off and simulations stopped, so nothing publishes until the user, having read it, says so.
   */
  private async importScripts(result: ImportResult, entries: ScriptFileEntries): Promise<ImportResult> {
    const scripts = this.options.scripts;
    if (!scripts || (entries.simulations.length > 0 && !scripts.simulations)) {
      return { ...result, warnings: [...result.warnings, 'The file carries decoder bindings, auto-responders or simulations, which this build cannot import; they were left out.'] };
    }
    const bindings = await scripts.decoderBindings.importEntries(entries.decoderBindings);
    const responders = await scripts.responders.importEntries(entries.responders);
    const simulations = scripts.simulations ? await scripts.simulations.importEntries(entries.simulations) : { added: 0, present: 0, refused: [], warnings: [] };
    const summary: ImportedScripts = {
      decoderBindings: bindings.added,
      responders: responders.added,
      simulations: simulations.added,
      alreadyPresent: bindings.present + responders.present + simulations.present,
    };
    const warnings = [...result.warnings];
    const added = [
      [bindings.added, 'decoder binding'],
      [responders.added, 'auto-responder'],
      [simulations.added, 'simulation'],
    ]
      .filter(([n]) => (n as number) > 0)
      .map(([n, kind]) => plural(n as number, kind as string));
    if (added.length > 0) {
      warnings.push(
        [
          `Scripts are code: this file added ${added.length === 1 ? added[0] : `${added.slice(0, -1).join(', ')} and ${added.at(-1)}`}.`,
          'They run in Topiary\'s sandbox (no files, network or host access), but read them in Scripts before you rely on them.',
          responders.added > 0 ? 'The auto-responders were added switched off: each publishes on every open connection once you switch it on.' : '',
          simulations.added > 0 ? 'The simulations were added stopped: none connects or publishes until you start it.' : '',
        ]
          .filter((sentence) => sentence !== '')
          .join(' '),
      );
    }
    if (summary.alreadyPresent > 0) warnings.push(`${plural(summary.alreadyPresent, 'entry', 'entries')} of the file's scripts ${summary.alreadyPresent === 1 ? 'was' : 'were'} already here and not added twice.`);
    warnings.push(...bindings.warnings, ...responders.warnings, ...simulations.warnings);
    return { ...result, skipped: [...result.skipped, ...bindings.refused, ...responders.refused, ...simulations.refused], warnings: warnings.map((w) => w.trim()), scripts: summary };
  }

  async importForeign(text: string, format: 'auto' | 'mqttx' | 'mqtt-explorer'): Promise<ImportResult> {
    const read = await readForeignProfiles(text, format);
    return this.importCandidates(read.format, read.candidates, read.skipped, []);
  }

  private async importCandidates(
    format: ImportResult['format'],
    candidates: readonly ImportCandidate[],
    skippedBefore: ImportResult['skipped'],
    warningsBefore: readonly string[],
  ): Promise<ImportResult> {
    const imported: { id: ProfileId; name: string }[] = [];
    const skipped = [...skippedBefore];
    const warnings = [...warningsBefore];
    for (const candidate of candidates) {
      try {
        const saved = await this.store.save({ name: candidate.name.slice(0, 200) || 'Imported', folder: candidate.folder, options: candidate.options });
        imported.push({ id: saved.id, name: saved.name });
        warnings.push(...candidate.warnings);
      } catch (error) {
        skipped.push({ name: candidate.name, reason: error instanceof Error ? error.message : String(error) });
      }
    }
    return { format, imported, skipped, warnings, list: this.changed() };
  }

  private changed(): ProfilesList {
    const list = this.list();
    this.options.changed?.(list);
    return list;
  }
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}
