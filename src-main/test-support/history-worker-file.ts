import path from 'node:path';
import { build } from 'esbuild';

const root = path.resolve(__dirname, '../..');
let built: Promise<string> | null = null;

/**
 * The history worker built from source, as scripts/build.mjs builds it for the app: tests and
 * benchmarks run TypeScript, which a worker thread cannot load. Written inside the repository
 * (dist/test) so the worker finds libsql in node_modules; one file per process.
 */
export function historyWorkerFile(): Promise<string> {
  built ??= (async () => {
    const outfile = path.join(root, 'dist', 'test', `history-worker-${process.pid}.cjs`);
    await build({
      entryPoints: [path.join(root, 'src-main/core/history/history-worker.ts')],
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
