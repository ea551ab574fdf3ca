import { existsSync } from 'node:fs';
import path from 'node:path';
import { TopiaryError } from '../../shared/ipc/errors';

/** The sandbox's worker, built beside the command (dist/lib) or the app (dist/main). */
export function scriptWorkerFile(): string {
  const found = [path.join(__dirname, 'script-worker.cjs'), path.join(__dirname, '../main/script-worker.cjs')].find((f) => existsSync(f));
  if (found === undefined) throw new TopiaryError('VALIDATION_ERROR', 'The script sandbox (script-worker.cjs) is missing beside the topiary command; rebuild with "node scripts/build.mjs lib".');
  return found;
}
