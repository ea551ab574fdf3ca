import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';

/**
 * Writes a whole file atomically: a temp file beside it, flushed to disk, then renamed over the
 * old one, so a crash leaves either the old file or the new one, never half of either.
 * Owner-only by default: these files hold the user's settings.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array, options: { readonly mode?: number } = {}): Promise<void> {
  const temp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const handle = await fs.open(temp, 'w', options.mode ?? 0o600);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await fs.rename(temp, file);
  } catch (error) {
    await fs.rm(temp, { force: true });
    throw error;
  }
}

/** Reads a file, or undefined when it does not exist; other errors propagate. */
export async function readFileIfExists(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
