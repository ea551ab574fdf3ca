import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * The bytes of every file under `folder` as Latin-1 text, one file after another, to search for a secret that must not
 * be there in the clear. A file that goes between the listing and its reading (SQLite's journal, a lock file, written
 * and removed by a running core) held nothing to find and is skipped.
 */
export async function everyFileText(folder: string): Promise<string> {
  const gone = (error: NodeJS.ErrnoException): undefined => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  };
  let text = '';
  for (const name of await readdir(folder, { recursive: true })) {
    const full = path.join(folder, String(name));
    const info = await stat(full).catch(gone);
    if (info?.isFile()) text += `${(await readFile(full).catch(gone))?.toString('latin1') ?? ''}\n`;
  }
  return text;
}
