import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { withDirLock } from './dir-lock';

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
 * Runs `build` while holding a lock folder, so two test files never write dist/ at once, nor while the other runs
 * the CLI it builds (a fresh clone has only dist/lib: the packaging and start tests each build the rest).
 */
export async function withBuildLock(build: () => void): Promise<void> {
  await withDirLock(path.join(repoRoot, 'dist/.lib-build-lock'), build);
}

function newestLibSource(): number {
  return Math.max(newestSource(path.join(repoRoot, 'src-main')), newestSource(path.join(repoRoot, 'shared')));
}

/** Builds dist/lib's code (the library and the `topiary` command) as `npm ci`'s prepare script does, unless it is newer than every source. */
export async function ensureCliBuilt(): Promise<void> {
  await withBuildLock(() => {
    if (builtAt() < newestLibSource()) execFileSync(process.execPath, ['scripts/build.mjs', 'lib-code'], { cwd: repoRoot, stdio: 'pipe' });
  });
}

/** Builds dist/lib's type declarations (the package's `types` entry) as the prepare script does, unless they are newer than every source. */
export async function ensureLibTypesBuilt(): Promise<void> {
  await withBuildLock(() => {
    let built = 0;
    try {
      built = statSync(path.join(repoRoot, 'dist/lib/index.d.ts')).mtimeMs;
    } catch {
      // Not built yet.
    }
    if (built < newestLibSource()) execFileSync(process.execPath, ['scripts/build.mjs', 'lib-types'], { cwd: repoRoot, stdio: 'pipe' });
  });
}

/** The `topiary-broker` alias (`topiary broker`), for tests that run the headless broker as a child process; needs ensureCliBuilt(). */
export const topiaryBrokerBin = path.join(repoRoot, 'bin/topiary-broker.cjs');
