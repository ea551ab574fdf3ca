// Test support only: runs Debian's mosquitto with TLS listeners on free ports, config in a temp folder.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TlsListenerSpec {
  readonly name: string;
  readonly certfile: string;
  readonly keyfile: string;
  readonly cafile?: string;
  readonly requireCertificate?: boolean;
}

export interface RunningMosquitto {
  /** Port of each listener by name. */
  readonly ports: Readonly<Record<string, number>>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function startMosquitto(listeners: readonly TlsListenerSpec[]): Promise<RunningMosquitto> {
  const dir = mkdtempSync(join(tmpdir(), 'topiary-mosquitto-'));
  const ports: Record<string, number> = {};
  // 'user root' keeps mosquitto from dropping to the mosquitto user, which could not read the temp key files.
  const lines = ['user root', 'allow_anonymous true', 'persistence false', 'log_dest stderr', 'log_type error', 'log_type warning'];
  for (const listener of listeners) {
    const port = await freePort();
    ports[listener.name] = port;
    lines.push(`listener ${port} 127.0.0.1`, `certfile ${listener.certfile}`, `keyfile ${listener.keyfile}`);
    if (listener.cafile) lines.push(`cafile ${listener.cafile}`);
    if (listener.requireCertificate) lines.push('require_certificate true');
  }
  const config = join(dir, 'mosquitto.conf');
  writeFileSync(config, `${lines.join('\n')}\n`);
  const child: ChildProcess = spawn('/usr/sbin/mosquitto', ['-c', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await Promise.all(Object.values(ports).map((port) => waitForPort(port, child, () => stderr)));
  } catch (err) {
    child.kill();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    ports,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitForPort(port: number, child: ChildProcess, log: () => string, deadlineMs = 10_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`mosquitto exited: ${log()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`mosquitto did not listen on ${port}: ${log()}`);
    // Polling interval while waiting for the listener to appear, not a synchronisation sleep.
    await new Promise((r) => setTimeout(r, 25));
  }
}
