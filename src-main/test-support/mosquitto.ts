// The one launcher of Debian's mosquitto for unit tests, conformance runs, e2e specs and benchmarks.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port';
import { createTestPki } from './pki';
import { waitFor } from './wait-for';

/** /usr/sbin is not on every user's PATH; Debian puts mosquitto there. */
const MOSQUITTO = existsSync('/usr/sbin/mosquitto') ? '/usr/sbin/mosquitto' : 'mosquitto';

export interface Mosquitto {
  readonly port: number;
  readonly url: string;
  /** The folder holding its config; tests may put password files or certificates here. */
  readonly dir: string;
  stop(): Promise<void>;
  /** Stops the process (it saves its persistence file, if enabled) and starts it again on the same port and config. */
  restart(): Promise<void>;
  /** Stops the process only, keeping its folder, for a later start(). */
  kill(): Promise<void>;
  /** Starts a killed broker again on the same port and config. */
  start(): Promise<void>;
  /** Freezes the process (SIGSTOP): sockets stay open but nothing is answered, as with a hung broker or a dead network path. */
  pause(): void;
  /** Lets a paused broker run again (SIGCONT). */
  resume(): void;
  /** What mosquitto wrote to stderr so far (its log). */
  log(): string;
  /** The running process's id (benchmarks read its CPU time from /proc). */
  readonly pid: number | undefined;
}

export interface MosquittoOptions {
  /** Extra lines for the config file (after the default listener). */
  readonly config?: readonly string[];
  /** Lines replacing the default plain listener entirely. */
  readonly listeners?: readonly string[];
  readonly port?: number;
  /** Log nothing (benchmarks: a busy broker's log would cost the load generator). */
  readonly quiet?: boolean;
}

function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Starts Debian's mosquitto on a free port on 127.0.0.1 with its own config, and waits until it listens. */
export async function startMosquitto(options: MosquittoOptions = {}): Promise<Mosquitto> {
  const port = options.port ?? (await freePort());
  const dir = await mkdtemp(path.join(os.tmpdir(), 'topiary-mosquitto-'));
  const lines = [
    // Running as root, mosquitto would drop to the mosquitto user; keep root so temp files stay readable.
    'user root',
    'persistence false',
    options.quiet ? 'log_dest none' : 'log_dest stderr',
    ...(options.listeners ?? [`listener ${port} 127.0.0.1`, 'allow_anonymous true']),
    ...(options.config ?? []),
  ];
  // Every listener the config names must answer before the broker counts as started.
  const ports = [...new Set([...lines.join('\n').matchAll(/^listener\s+(\d+)/gm)].map((m) => Number(m[1])))];
  if (!ports.includes(port) && options.listeners === undefined) ports.push(port);
  const configPath = path.join(dir, 'mosquitto.conf');
  await writeFile(configPath, lines.join('\n') + '\n');
  let stderr = '';
  let child: ChildProcess | undefined;
  let exited = true;

  const spawnBroker = async (): Promise<void> => {
    const proc = spawn(MOSQUITTO, ['-c', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
    child = proc;
    exited = false;
    proc.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    proc.once('error', (error) => {
      stderr += `${error.message} (is Debian's mosquitto installed?)\n`;
      if (child === proc) exited = true;
    });
    proc.once('exit', () => {
      if (child === proc) exited = true;
    });
    await waitFor(
      async () => {
        if (exited) throw new Error(`mosquitto exited: ${stderr.trim()}`);
        return (await Promise.all(ports.map(portAnswers))).every(Boolean);
      },
      { timeoutMs: 10_000, what: `mosquitto on ports ${ports.join(', ')}` },
    );
  };
  const killBroker = async (): Promise<void> => {
    const proc = child;
    if (!proc || exited) return;
    const gone = new Promise((resolve) => proc.once('exit', resolve));
    // A paused broker would not act on SIGTERM until resumed.
    proc.kill('SIGCONT');
    proc.kill('SIGTERM');
    await gone;
  };

  await spawnBroker();
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    dir,
    async stop() {
      await killBroker();
      await rm(dir, { recursive: true, force: true });
    },
    async restart() {
      await killBroker();
      await spawnBroker();
    },
    kill: killBroker,
    start: spawnBroker,
    pause: () => {
      child?.kill('SIGSTOP');
    },
    resume: () => {
      child?.kill('SIGCONT');
    },
    log: () => stderr,
    get pid() {
      return exited ? undefined : child?.pid;
    },
  };
}

/** One TLS listener of a mosquitto started by startMosquittoTls. */
export interface TlsListenerSpec {
  readonly name: string;
  readonly certfile: string;
  readonly keyfile: string;
  readonly cafile?: string;
  readonly requireCertificate?: boolean;
}

export interface TlsMosquitto {
  /** Port of each listener by name. */
  readonly ports: Readonly<Record<string, number>>;
  stop(): Promise<void>;
}

/** mosquitto with one TLS listener per spec, each on its own free port. */
export async function startMosquittoTls(listeners: readonly TlsListenerSpec[]): Promise<TlsMosquitto> {
  const ports: Record<string, number> = {};
  const lines = ['allow_anonymous true', 'log_type error', 'log_type warning'];
  for (const listener of listeners) {
    const port = await freePort();
    ports[listener.name] = port;
    lines.push(`listener ${port} 127.0.0.1`, `certfile ${listener.certfile}`, `keyfile ${listener.keyfile}`);
    if (listener.cafile) lines.push(`cafile ${listener.cafile}`);
    if (listener.requireCertificate) lines.push('require_certificate true');
  }
  const broker = await startMosquitto({ listeners: lines });
  return { ports, stop: () => broker.stop() };
}

/** A TLS broker that wants a username and password, with the CA that signed its certificate. */
export interface TlsBroker {
  /** mqtts://127.0.0.1:<port> */
  readonly url: string;
  readonly caPem: string;
  readonly username: string;
  readonly password: string;
  stop(): Promise<void>;
}

/** mosquitto on a free port with TLS (the test PKI's root CA and its localhost certificate) and one password user. */
export async function startTlsBroker(credentials: { readonly username: string; readonly password: string }): Promise<TlsBroker> {
  const pki = createTestPki();
  let broker: Mosquitto;
  try {
    await promisify(execFile)('mosquitto_passwd', ['-b', '-c', pki.path('passwd'), credentials.username, credentials.password]);
    const port = await freePort();
    broker = await startMosquitto({
      port,
      listeners: [`listener ${port} 127.0.0.1`, `certfile ${pki.path('direct.crt')}`, `keyfile ${pki.path('direct.key')}`, 'allow_anonymous false', `password_file ${pki.path('passwd')}`],
    });
  } catch (error) {
    pki.cleanup();
    throw error;
  }
  return {
    url: `mqtts://127.0.0.1:${broker.port}`,
    caPem: pki.text('root.crt'),
    ...credentials,
    async stop() {
      await broker.stop();
      pki.cleanup();
    },
  };
}
