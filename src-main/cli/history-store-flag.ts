import { existsSync } from 'node:fs';
import path from 'node:path';
import { TopiaryError } from '../../shared/ipc/errors';
import { defaultHistoryFile } from '../lib';

/** The app's history store (under TOPIARY_USER_DATA when set), as the commands use it by default. */
export function historyStoreFile(env: NodeJS.ProcessEnv): string {
  return defaultHistoryFile(env.TOPIARY_USER_DATA || undefined);
}

/** A store that must exist already (a search does not create one). */
export function existingStoreFile(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  const file = path.resolve(flag ?? historyStoreFile(env));
  if (!existsSync(file)) {
    throw new TopiaryError('NOT_FOUND', flag !== undefined ? `--store ${flag}: no such file; give the path of a Topiary history store (history.db).` : `There is no history store at ${file} yet; record into it first (topiary record --to-history, or the app).`);
  }
  return file;
}
