import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { ProfilesNotice } from '../../../shared/ipc/profiles';
import { writeFileAtomic } from '../storage/atomic-file';

/** One sealed secret: the SecretStore's bytes, and whether the plain value was text or bytes. */
export const SealedSecretSchema = z.object({
  encoding: z.enum(['text', 'bytes']),
  sealed: z.string().min(1),
});

export const StoredProfileSchema = z.object({
  id: z.string().min(1),
  name: z.string(),
  folder: z.string(),
  order: z.number().int().min(0),
  /** JSON-safe connect options without secrets (bytes tagged, see json-bytes). */
  options: z.record(z.string(), z.unknown()),
  sealedSecrets: z.record(z.string(), SealedSecretSchema),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export type StoredProfile = z.infer<typeof StoredProfileSchema>;

const ProfilesFileSchema = z.object({
  format: z.literal('topiary-profiles'),
  version: z.literal(1),
  profiles: z.array(StoredProfileSchema),
});

export interface LoadedProfiles {
  readonly profiles: StoredProfile[];
  readonly notice?: ProfilesNotice;
  /** Set when the file exists but could not be read: writing would destroy it. */
  readonly readOnly?: boolean;
}

/**
 * Reads the profiles file. A damaged one is moved aside (never overwritten, never lost) and
 * reported; the app starts with no profiles rather than refusing to start.
 */
export async function readProfilesFile(file: string, now: () => Date = () => new Date()): Promise<LoadedProfiles> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { profiles: [] };
    // Not corrupt, just out of reach: leave it untouched and refuse to write over it.
    return {
      profiles: [],
      readOnly: true,
      notice: {
        code: 'PROFILES_FILE_UNREADABLE',
        message: `The saved connection profiles in ${file} could not be read (${code ?? String(error)}). Check that the file is yours and readable, then restart Topiary; until then changes to profiles are not saved.`,
      },
    };
  }
  let reason: string;
  try {
    const parsed = ProfilesFileSchema.safeParse(JSON.parse(text));
    if (parsed.success) return { profiles: parsed.data.profiles };
    const issue = parsed.error.issues[0];
    reason = `${issue?.path.join('.') || 'the file'}: ${issue?.message ?? 'unexpected content'}`;
  } catch (error) {
    reason = error instanceof Error ? error.message : String(error);
  }
  const keptAs = `${file}.corrupt-${now().toISOString().replace(/[:.]/g, '-')}`;
  try {
    await fs.rename(file, keptAs);
  } catch {
    // Some folders allow writing files but not renaming them; a copy still keeps the data.
    await fs.copyFile(file, keptAs);
  }
  return {
    profiles: [],
    notice: {
      code: 'PROFILES_FILE_CORRUPT',
      message: `The saved connection profiles could not be read (${reason}). The damaged file was kept as ${path.basename(keptAs)} in ${path.dirname(keptAs)}; restore it from a backup or import your profiles again.`,
      keptAs,
    },
  };
}

/** Writes the whole file atomically: a temp file beside it, flushed, then renamed over the old one. */
export async function writeProfilesFile(file: string, profiles: readonly StoredProfile[]): Promise<void> {
  await writeFileAtomic(file, JSON.stringify({ format: 'topiary-profiles', version: 1, profiles }, null, 2) + '\n');
}
