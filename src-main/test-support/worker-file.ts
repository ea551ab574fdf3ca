import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

/** The repository: up from this file (tests), or from the working folder (bundled benchmarks run elsewhere). */
function findRoot(source: string): string {
  for (const start of [__dirname, process.cwd()]) {
    for (let dir = start; ; dir = path.dirname(dir)) {
      if (existsSync(path.join(dir, source))) return dir;
      if (path.dirname(dir) === dir) break;
    }
  }
  throw new Error(`Cannot find ${source} above ${__dirname} or ${process.cwd()}.`);
}

const built = new Map<string, Promise<string>>();
/**
 * A worker thread's entry built from source, as scripts/build.mjs builds it for the app: tests and benchmarks run
 * TypeScript, which a worker thread cannot load. Written inside the repository (dist/test) so the worker finds its
 * packages (libsql, QuickJS) in node_modules; built once per process.
 */
function workerFile(source: string, name: string): Promise<string> {
  let file = built.get(source);
  if (!file) {
    file = (async () => {
      const root = findRoot(source);
      const result = await build({ entryPoints: [path.join(root, source)], bundle: true, platform: 'node', target: 'node20', format: 'cjs', packages: 'external', write: false, logLevel: 'warning' });
      const code = result.outputFiles[0]!.contents;
      // Named by content, so every test process shares one file per version instead of leaving one each behind;
      // written aside and renamed, so a process never loads another's half-written file.
      const dir = path.join(root, 'dist', 'test');
      const outfile = path.join(dir, `${name}-${createHash('sha256').update(code).digest('hex').slice(0, 12)}.cjs`);
      if (!existsSync(outfile)) {
        mkdirSync(dir, { recursive: true });
        const aside = `${outfile}.${process.pid}.${Math.random().toString(36).slice(2)}`;
        writeFileSync(aside, code);
        renameSync(aside, outfile);
      }
      return outfile;
    })();
    built.set(source, file);
  }
  return file;
}

/** The history store's worker (src-main/core/history). */
export function historyWorkerFile(): Promise<string> {
  return workerFile('src-main/core/history/history-worker.ts', 'history-worker');
}

/** The script sandbox's worker (src-main/core/scripts). */
export function scriptWorkerFile(): Promise<string> {
  return workerFile('src-main/core/scripts/script-worker.ts', 'script-worker');
}

/** The script sandbox's worker in which `log('stall <ms>')` holds the thread off the CPU (stalling-script-worker.ts). */
export function stallingScriptWorkerFile(): Promise<string> {
  return workerFile('src-main/test-support/stalling-script-worker.ts', 'stalling-script-worker');
}
