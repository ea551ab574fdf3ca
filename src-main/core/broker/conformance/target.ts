import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBroker, type Broker } from '../index';

/** Which broker the conformance suite runs against. */
export const TARGET: 'embedded' | 'mosquitto' = process.env.TOPIARY_CONFORMANCE_TARGET === 'mosquitto' ? 'mosquitto' : 'embedded';
export const isMosquitto = TARGET === 'mosquitto';
export const isEmbedded = TARGET === 'embedded';

/** Settings both targets understand. */
export interface TargetSettings {
  readonly maxKeepalive?: number;
  readonly maxPacketSize?: number;
  readonly maxInflight?: number;
  readonly maxQueued?: number;
  readonly topicAliasMaximum?: number;
}

/** A running broker under test. */
export interface Target {
  readonly name: typeof TARGET;
  readonly host: string;
  readonly port: number;
  readonly url: string;
  /** The embedded broker, for tests that inspect it; undefined for mosquitto. */
  readonly broker: Broker | undefined;
  stop(): Promise<void>;
}

/** Starts the selected target on a free port bound to 127.0.0.1. */
export async function startTarget(settings: TargetSettings = {}): Promise<Target> {
  return isMosquitto ? startMosquitto(settings) : startEmbedded(settings);
}

async function startEmbedded(s: TargetSettings): Promise<Target> {
  const broker = createBroker({
    listeners: [{ kind: 'tcp', port: 0, host: '127.0.0.1' }],
    sysInterval: 0,
    limits: {
      maxKeepalive: s.maxKeepalive,
      maxPacketSize: s.maxPacketSize,
      maxInflight: s.maxInflight,
      maxQueued: s.maxQueued,
      topicAliasMaximum: s.topicAliasMaximum,
    },
  });
  const [l] = await broker.start();
  return { name: 'embedded', host: '127.0.0.1', port: l!.port, url: l!.url, broker, stop: () => broker.stop() };
}

/** A port that was free a moment ago (mosquitto cannot report the port it bound). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function startMosquitto(s: TargetSettings): Promise<Target> {
  const dir = await mkdtemp(join(tmpdir(), 'topiary-mosq-'));
  const port = await freePort();
  const lines = [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence false', 'log_dest none'];
  if (s.maxKeepalive !== undefined) lines.push(`max_keepalive ${s.maxKeepalive}`);
  if (s.maxPacketSize !== undefined) lines.push(`max_packet_size ${s.maxPacketSize}`);
  if (s.maxInflight !== undefined) lines.push(`max_inflight_messages ${s.maxInflight}`);
  if (s.maxQueued !== undefined) lines.push(`max_queued_messages ${s.maxQueued}`);
  if (s.topicAliasMaximum !== undefined) lines.push(`max_topic_alias ${s.topicAliasMaximum}`);
  const conf = join(dir, 'mosquitto.conf');
  await writeFile(conf, lines.join('\n') + '\n');
  const child: ChildProcess = spawn('/usr/sbin/mosquitto', ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 5000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`mosquitto exited: ${stderr}`);
    if (await canConnect(port)) break;
    if (Date.now() > deadline) throw new Error(`mosquitto did not listen on ${port}: ${stderr}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    name: 'mosquitto',
    host: '127.0.0.1',
    port,
    url: `mqtt://127.0.0.1:${port}`,
    broker: undefined,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
