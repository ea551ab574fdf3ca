import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The guard changes what the whole process does, so it is tested in a process of its own.
const SCRIPT = `
import { EventEmitter } from 'node:events';
import { installProcessGuard } from './process-guard';
const guard = installProcessGuard('topiary test', (line) => process.stderr.write(line.split('\\n')[0] + '\\n'));
setTimeout(() => { throw new Error('boom in a timer'); }, 1);
setTimeout(() => { void Promise.reject(new Error('nobody awaited this')); }, 2);
setTimeout(() => { new EventEmitter().emit('error', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })); }, 3);
setTimeout(() => { process.stdout.write('still alive after ' + guard.caught() + '\\n'); }, 50);
`;

let dir: string;
let bundle: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'topiary-guard-'));
  bundle = path.join(dir, 'guarded.cjs');
  await build({ stdin: { contents: SCRIPT, resolveDir: __dirname, loader: 'ts' }, bundle: true, platform: 'node', format: 'cjs', outfile: bundle, logLevel: 'silent' });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function run(file: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('installProcessGuard', () => {
  it('logs an uncaught exception, an unhandled rejection and an unhandled error event, and the process keeps running', async () => {
    const result = await run(bundle);
    expect(result.stdout).toBe('still alive after 3\n');
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('topiary test: unhandled error (logged; still running): Error: boom in a timer');
    expect(result.stderr).toContain('topiary test: unhandled promise rejection (logged; still running): Error: nobody awaited this');
    expect(result.stderr).toContain('read ECONNRESET');
  });

  it('is what keeps it alive: without the guard the same script dies at the first error', async () => {
    const bare = path.join(dir, 'bare.cjs');
    await build({
      stdin: { contents: SCRIPT.replace(/const guard = .*\n/, 'const guard = { caught: () => 0 };\n').replace("import { installProcessGuard } from './process-guard';", ''), resolveDir: __dirname, loader: 'ts' },
      bundle: true,
      platform: 'node',
      format: 'cjs',
      outfile: bare,
      logLevel: 'silent',
    });
    const result = await run(bare);
    expect(result.code).not.toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('boom in a timer');
  });
});
