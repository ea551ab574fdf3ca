import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './free-port';
import { waitFor } from './wait-for';

export interface Mosquitto {
  readonly port: number;
  readonly url: string;
  /** The folder holding its config; tests may put password files or certificates here. */
  readonly dir: string;
  stop(): Promise<void>;
}

export interface MosquittoOptions {
  /** Extra lines for the config file (after the default listener). */
  readonly config?: readonly string[];
  /** Lines replacing the default plain listener entirely. */
  readonly listeners?: readonly string[];
  readonly port?: number;
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
    'log_dest stderr',
    ...(options.listeners ?? [`listener ${port} 127.0.0.1`, 'allow_anonymous true']),
    ...(options.config ?? []),
  ];
  await writeFile(path.join(dir, 'mosquitto.conf'), lines.join('\n') + '\n');
  const child: ChildProcess = spawn('mosquitto', ['-c', path.join(dir, 'mosquitto.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  await waitFor(
    async () => {
      if (exited) throw new Error(`mosquitto exited: ${stderr.trim()}`);
      return portAnswers(port);
    },
    { timeoutMs: 10_000, what: `mosquitto on port ${port}` },
  );
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    dir,
    async stop() {
      if (!exited) {
        const gone = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await gone;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
