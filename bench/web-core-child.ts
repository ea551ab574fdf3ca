/**
 * Web mode as a user starts it (`dist/main/web.cjs`: the core, the web host and the embedded broker in one process),
 * started by a benchmark in a child process of its own, with its garbage collections recorded inside it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { createClient, type ContractClient } from '../shared/ipc/client';
import { createSocketWire } from '../src-main/web/socket-wire';

const ROOT = process.cwd();

// Loaded into the core's process with `node -r` (web.cjs itself is not changed): records the process's garbage
// collections and hands them over when asked on the IPC channel, so the GC figures are the core's own.
// detail.kind: 1 scavenge (young generation), 4 mark-compact (full), 8 incremental marking, 16 weak callbacks.
const GC_PROBE = `
const { PerformanceObserver } = require('node:perf_hooks');
const v8 = require('node:v8');
let entries = [];
new PerformanceObserver((list) => { for (const e of list.getEntries()) entries.push([Date.now(), e.duration, e.detail ? e.detail.kind : 0]); }).observe({ entryTypes: ['gc'] });
process.on('message', (m) => {
  if (m !== 'gc') return;
  const young = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
  process.send({ entries, heapUsed: process.memoryUsage().heapUsed, newSpace: young ? young.space_size : 0 });
  entries = [];
});
`;

export interface CoreGc {
  /** [when (ms epoch), pause (ms), kind] */
  readonly entries: readonly (readonly [number, number, number])[];
  readonly heapUsed: number;
  readonly newSpace: number;
}

/** Web mode as a user starts it, in its own process, and a contract client on a socket of its own. */
export interface WebCore {
  readonly pageUrl: string;
  readonly brokerUrl: string;
  readonly client: ContractClient;
  readonly flags: readonly string[];
  /** CPU seconds the core's process has used so far (user + system). */
  cpuSeconds(): number;
  /** The core's GC pauses since the last call. */
  gc(): Promise<CoreGc>;
  close(): Promise<void>;
}

export async function startWebCore(userDataDir: string, options: { readonly ownConnection: boolean; readonly flags?: readonly string[]; readonly output?: (text: string) => void }): Promise<WebCore> {
  // BENCH_WEB_ROOT: another checkout's build (its dist/main and dist/renderer), to compare two versions in one window.
  const webRoot = process.env.BENCH_WEB_ROOT ?? ROOT;
  if (webRoot === ROOT) {
    const built = spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs'), 'main'], { cwd: ROOT, stdio: 'inherit' });
    if (built.status !== 0) throw new Error('building dist/main failed');
  }
  const probe = join(userDataDir, 'gc-probe.cjs');
  writeFileSync(probe, GC_PROBE);
  // Node flags for the core's process (none: as `npm run web` starts it), e.g. BENCH_CORE_FLAGS=--max-semi-space-size=4.
  const flags = options.flags ?? (process.env.BENCH_CORE_FLAGS ?? '').split(' ').filter((f) => f !== '');
  const child: ChildProcess = spawn(process.execPath, [...flags, '-r', probe, join(webRoot, 'dist/main/web.cjs'), '--user-data', userDataDir, '--port', '0', '--secret-store', 'encrypted-file'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  child.on('error', (e) => console.error(`web mode: ${e.message}`));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const pageUrl = await new Promise<string>((resolve, reject) => {
    let out = '';
    const onData = (d: Buffer): void => {
      out += d.toString();
      const m = /open (http\S+)/.exec(out);
      if (m) {
        child.stdout!.off('data', onData);
        // Keep draining what it writes, so a full pipe never stalls the core. BENCH_CORE_LOG=FILE keeps it (with
        // BENCH_CORE_FLAGS="--trace-gc --trace-gc-nvp", the core's own account of each collection).
        if (options.output) child.stdout!.on('data', (d: Buffer) => options.output!(d.toString()));
        else if (process.env.BENCH_CORE_LOG) child.stdout!.pipe(createWriteStream(process.env.BENCH_CORE_LOG));
        else child.stdout!.resume();
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`web mode exited (${code}) before it listened: ${out}`)));
  });
  const { origin, hash } = new URL(pageUrl);
  const token = new URLSearchParams(hash.slice(1)).get('token') ?? '';
  const socket = await new Promise<WebSocket>((resolve, reject) => {
    const ws = new WebSocket(`${origin.replace('http', 'ws')}/ipc?token=${token}`, { origin });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
  const client = createClient(createSocketWire(socket));
  const status = await client.invoke('broker.getStatus', {});
  const brokerUrl = status.listeners.find((l) => l.kind === 'tcp')?.url;
  if (!brokerUrl) throw new Error(`the embedded broker did not start: ${JSON.stringify(status.error)}`);
  // Web mode connects to its embedded broker at start; a bench that connects from the page instead (to time the
  // retained topics) lets that connection go, so the page's is the only one the core feeds.
  if (!options.ownConnection) for (const c of await client.invoke('connections.list', {})) {
    await client.invoke('connections.disconnect', { connectionId: c.connectionId });
    await client.invoke('connections.forget', { connectionId: c.connectionId });
  }
  return {
    pageUrl,
    brokerUrl,
    client,
    flags,
    cpuSeconds: () => {
      // /proc/<pid>/stat: utime and stime are fields 14 and 15, in clock ticks (100 a second on Linux).
      const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return (Number(fields[11]) + Number(fields[12])) / 100;
    },
    gc: () =>
      new Promise<CoreGc>((resolve) => {
        child.once('message', (m) => resolve(m as CoreGc));
        child.send('gc');
      }),
    close: async () => {
      client.close();
      child.kill('SIGTERM');
      await exited;
    },
  };
}

