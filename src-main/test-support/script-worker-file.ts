import { existsSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const WORKER_SOURCE = 'src-main/core/scripts/script-worker.ts';

/** The repository: up from this file (tests), or from the working folder (bundled benchmarks run elsewhere). */
function findRoot(): string {
  for (const start of [__dirname, process.cwd()]) {
    for (let dir = start; ; dir = path.dirname(dir)) {
      if (existsSync(path.join(dir, WORKER_SOURCE))) return dir;
      if (path.dirname(dir) === dir) break;
    }
  }
  throw new Error(`Cannot find ${WORKER_SOURCE} above ${__dirname} or ${process.cwd()}.`);
}
let built: Promise<string> | null = null;

/**
 * The script sandbox worker built from source, as scripts/build.mjs builds it for the app: tests and
 * benchmarks run TypeScript, which a worker thread cannot load. Written inside the repository
 * (dist/test) so the worker finds QuickJS in node_modules; one file per process.
 */
export function scriptWorkerFile(): Promise<string> {
  built ??= (async () => {
    const root = findRoot();
    const outfile = path.join(root, 'dist', 'test', `script-worker-${process.pid}.cjs`);
    await build({
      entryPoints: [path.join(root, WORKER_SOURCE)],
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      packages: 'external',
      outfile,
      logLevel: 'warning',
    });
    return outfile;
  })();
  return built;
}
