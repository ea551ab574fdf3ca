// Runs the built `topiary` command (bin/topiary.cjs) as a child process, as a user's shell would. Call
// ensureCliBuilt() (built-cli.ts) first.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './built-cli';

export const TOPIARY_BIN = path.join(repoRoot, 'bin/topiary.cjs');

export interface TopiaryRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout as bytes, for byte-for-byte comparisons. */
  readonly bytes: Buffer;
}

export interface TopiaryRunOptions {
  readonly input?: string | Buffer;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
}

/** Runs `topiary …` to its end; resolves with its exit code and output. */
export function runTopiary(args: readonly string[], options: TopiaryRunOptions = {}): Promise<TopiaryRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [TOPIARY_BIN, ...args], { cwd: options.cwd ?? repoRoot, env: { ...process.env, ...options.env } });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const bytes = Buffer.concat(out);
      resolve({ code, stdout: bytes.toString('utf8'), stderr, bytes });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

export interface StartedTopiary {
  readonly child: ChildProcess;
  out(): string;
  err(): string;
  readonly exit: Promise<number | null>;
}

/** Starts a long-running `topiary …` and collects its output as it comes. */
export function startTopiary(args: readonly string[], options: Omit<TopiaryRunOptions, 'input'> = {}): StartedTopiary {
  const child = spawn(process.execPath, [TOPIARY_BIN, ...args], { cwd: options.cwd ?? repoRoot, env: { ...process.env, ...options.env } });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  child.on('error', () => undefined);
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, out: () => stdout, err: () => stderr, exit };
}
