import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { waitFor } from './wait-for';

export const repoRoot = path.resolve(__dirname, '../..');

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

function builtAt(): number {
  try {
    return Math.min(statSync(path.join(repoRoot, 'dist/lib/index.mjs')).mtimeMs, statSync(path.join(repoRoot, 'dist/lib/topiary-cli.cjs')).mtimeMs);
  } catch {
    return 0;
  }
}

/**
 * Builds dist/lib (the library and the `topiary` command) as `npm ci`'s prepare script does, unless it is
 * newer than every source; a lock folder keeps two test files from writing it while the other runs it.
 */
export async function ensureCliBuilt(): Promise<void> {
  const lock = path.join(repoRoot, 'dist/.lib-build-lock');
  mkdirSync(path.join(repoRoot, 'dist'), { recursive: true });
  await waitFor(
    () => {
      try {
        mkdirSync(lock);
        return true;
      } catch {
        return false;
      }
    },
    { timeoutMs: 60_000, what: 'the library build lock' },
  );
  try {
    const sources = Math.max(newestSource(path.join(repoRoot, 'src-main')), newestSource(path.join(repoRoot, 'shared')));
    if (builtAt() < sources) execFileSync(process.execPath, ['scripts/build.mjs', 'lib'], { cwd: repoRoot, stdio: 'pipe' });
  } finally {
    rmdirSync(lock);
  }
}
