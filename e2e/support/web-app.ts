import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export interface WebApp {
  /** The URL with its token, as web mode prints it. */
  readonly url: string;
  readonly origin: string;
  readonly token: string;
  readonly userDataDir: string;
  /** Stops the process; the user-data folder stays unless `removeData`. */
  stop(options?: { removeData?: boolean }): Promise<void>;
}

const root = path.resolve(__dirname, '../..');

export interface WebAppOptions {
  userDataDir?: string;
  embeddedBroker?: boolean;
  /** 'saved': the port this user-data folder used last time, as a restart without --port takes. Default: any free one. */
  port?: number | 'saved';
  rotateToken?: boolean;
}

/**
 * One app started ahead for each kind a test asked for before (fresh user data, with or without the embedded broker).
 * Starting the web host costs about two seconds; the next test's app starts while the current test runs, so a test
 * still gets an app nobody has used, without waiting for it.
 */
const spares = new Map<string, Promise<WebApp>>();
/** Apps not stopped yet (spares nobody took among them): ended, their temp data removed, when the worker exits. */
const running = new Map<ChildProcess, string>();
process.once('exit', () => {
  for (const [child, dir] of running) {
    child.kill('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
});

/** Starts the built web host (dist/main/web.cjs) with a fresh (or given) user-data folder. */
export async function startWebApp(options: WebAppOptions = {}): Promise<WebApp> {
  const fresh = options.userDataDir === undefined && options.port === undefined && options.rotateToken !== true;
  if (!fresh) return launchWebApp(options);
  const kind = options.embeddedBroker === true ? 'embedded' : 'plain';
  const taken = spares.get(kind) ?? launchWebApp(options);
  const next = launchWebApp(options);
  // A spare that fails to start fails the test that takes it, with the host's output.
  next.catch(() => undefined);
  spares.set(kind, next);
  return taken;
}

async function launchWebApp(options: WebAppOptions): Promise<WebApp> {
  const userDataDir = options.userDataDir ?? (await mkdtemp(path.join(os.tmpdir(), 'topiary-e2e-')));
  // Tests bring their own broker unless they ask for the embedded one that starts with the app.
  const args = [
    path.join(root, 'dist/main/web.cjs'),
    ...(options.port === 'saved' ? [] : ['--port', String(options.port ?? 0)]),
    ...['--user-data', userDataDir],
    ...(options.rotateToken ? ['--rotate-token'] : []),
    ...(options.embeddedBroker ? [] : ['--no-broker']),
    // Never add entries to a developer's own OS keyring from a test's temp folder.
    ...['--secret-store', 'encrypted-file'],
  ];
  const child: ChildProcess = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env },
  });
  running.set(child, options.userDataDir === undefined ? userDataDir : '');
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = /open (http:\/\/\S+)/.exec(output);
      if (match?.[1]) resolve(match[1]);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code) => reject(new Error(`web mode exited with ${code}: ${output}`)));
  });
  const parsed = new URL(url);
  return {
    url,
    origin: parsed.origin,
    token: new URLSearchParams(parsed.hash.slice(1)).get('token') ?? '',
    userDataDir,
    async stop({ removeData = false } = {}) {
      running.delete(child);
      if (child.exitCode === null) {
        const gone = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await gone;
      }
      if (removeData) await rm(userDataDir, { recursive: true, force: true });
    },
  };
}
