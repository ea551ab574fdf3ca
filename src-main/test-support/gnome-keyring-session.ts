import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';

/** A private D-Bus session with gnome-keyring in it, for tests against a real Secret Service. */
export interface GnomeKeyringSession {
  /** What a process needs in its environment to reach this session's keyring. */
  readonly env: NodeJS.ProcessEnv;
  close(): Promise<void>;
}

export interface GnomeKeyringSessionOptions {
  /** A private folder for the keyring files (HOME, XDG dirs), so the user's own keyring is never touched. */
  readonly home: string;
  /** Unlock (creating on first use) the login keyring with this password; without it the keyring stays locked. */
  readonly password?: string;
}

const REQUIRED: readonly { readonly command: string; readonly debianPackage: string }[] = [
  { command: 'dbus-run-session', debianPackage: 'dbus-daemon' },
  { command: 'gnome-keyring-daemon', debianPackage: 'gnome-keyring' },
];

/** Throws, naming the Debian packages, when the tools for a real keyring are not installed. */
export function assertGnomeKeyringTools(): void {
  const missing = REQUIRED.filter(({ command }) => spawnSync('sh', ['-c', `command -v ${command}`]).status !== 0);
  if (missing.length > 0) {
    throw new Error(
      `The OS keyring tests need ${missing.map((m) => m.command).join(' and ')}: run "apt-get install -y ${missing.map((m) => m.debianPackage).join(' ')}" (npm test installs them when it can).`,
    );
  }
}

/** Starts `dbus-run-session` with gnome-keyring's secrets component; resolves once the bus address is known. */
export async function startGnomeKeyringSession(options: GnomeKeyringSessionOptions): Promise<GnomeKeyringSession> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: options.home,
    XDG_DATA_HOME: path.join(options.home, 'data'),
    XDG_CONFIG_HOME: path.join(options.home, 'config'),
    XDG_CACHE_HOME: path.join(options.home, 'cache'),
    XDG_RUNTIME_DIR: path.join(options.home, 'runtime'),
  };
  await fs.mkdir(env.XDG_RUNTIME_DIR ?? '', { recursive: true, mode: 0o700 });
  // Unlocking starts the daemon with the login keyring open; without a password the bus starts it on demand, locked.
  const unlock = options.password === undefined ? '' : 'printf %s "$KEYRING_PASSWORD" | gnome-keyring-daemon --unlock --components=secrets >/dev/null && ';
  // `cat` holds the session open until the test closes stdin.
  const script = `${unlock}echo "BUS=$DBUS_SESSION_BUS_ADDRESS" && exec cat >/dev/null`;
  const child: ChildProcessWithoutNullStreams = spawn('dbus-run-session', ['--', 'sh', '-c', script], {
    env: { ...env, KEYRING_PASSWORD: options.password ?? '' },
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const address = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const match = /^BUS=(.+)$/m.exec(stdout);
      if (match?.[1]) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`dbus-run-session exited with code ${String(code)} before the session was ready: ${stderr.trim()}`)));
    child.once('error', reject);
  });
  return {
    env: { ...env, DBUS_SESSION_BUS_ADDRESS: address },
    close: async () => {
      if (child.exitCode === null) child.stdin.end();
      await exited;
    },
  };
}
