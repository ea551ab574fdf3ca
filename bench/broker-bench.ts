/**
 * Broker throughput and latency: the embedded broker vs aedes 1.2.0 vs mosquitto, same clients, same run.
 *
 *   npx esbuild bench/broker-bench.ts --bundle --platform=node --format=cjs --packages=external \
 *     --outfile=/tmp/broker-bench.cjs && NODE_PATH=$PWD/node_modules node /tmp/broker-bench.cjs [--quick]
 *
 * Each broker runs in its own process (mosquitto natively, the others as a child of this script),
 * so brokers never share an event loop with the load generators. Clients speak MQTT 3.1.1 (aedes
 * supports nothing newer) over raw sockets with pre-encoded packets, to keep client cost low and equal.
 *
 * The `clients` part runs real MQTT.js clients instead, each in a process of its own (publishers keeping 100 publishes awaiting their
 * ack, subscribers acknowledging at their own pace), fan-in 8→1 and fan-out 1→8 at QoS 1 and 2, and
 * reports delivered per second, acknowledged and lost: a raw subscriber that acks instantly hides loss.
 * BENCH_MQTTJS_MESSAGES sets the messages per publisher (10,000; 2,000 with --quick).
 *
 * BENCH_ONLY=embedded,mosquitto picks brokers; BENCH_PARTS=latency (any of throughput, storm, latency, clients)
 * picks workloads; BENCH_LATENCY_SECONDS sets how many 1-second latency windows each broker gets
 * (10, or 3 with --quick). BENCH_TRACE=1 prints the embedded broker's GC pauses and slow deliveries.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { PerformanceEntry } from 'node:perf_hooks';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect, createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { floodClientMain, runFlood, type FloodOptions, type FloodResult } from '../src-main/test-support/mqtt-flood';
import { freePort } from '../src-main/test-support/free-port';
import { startMosquitto } from '../src-main/test-support/mosquitto';

type BrokerName = 'embedded' | 'aedes' | 'mosquitto';
const QUICK = process.argv.includes('--quick');
const PAYLOAD = Buffer.alloc(100, 0x61);

// ---- broker processes -------------------------------------------------------

async function serve(name: 'embedded' | 'aedes', port: number): Promise<void> {
  if (name === 'embedded') {
    const { createBroker, JournalStore } = await import('../src-main/core/broker');
    const dataDir = process.env.BENCH_DATA_DIR;
    const broker = createBroker({
      listeners: [{ kind: 'tcp', port, host: '127.0.0.1' }],
      sysInterval: 0,
      limits: { maxInflight: 1000, maxQueued: 1_000_000 },
      ...(dataDir ? { persistence: new JournalStore(dataDir) } : {}),
    });
    await broker.start();
    if (process.env.BENCH_DEBUG) setInterval(() => process.stderr.write(`${JSON.stringify(broker.getStats())}\n`), 1000).unref();
    if (process.env.BENCH_TRACE) {
      const { PerformanceObserver } = await import('node:perf_hooks');
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) process.stderr.write(`gc ${(performance.timeOrigin + e.startTime).toFixed(1)} ${e.duration.toFixed(2)}ms kind=${(e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind}\n`);
      }).observe({ entryTypes: ['gc'] });
    }
  } else {
    const root = process.env.TOPIARY_ROOT ?? process.cwd();
    const { Aedes } = (await import(pathToFileURL(join(root, 'node_modules/aedes/aedes.js')).href)) as {
      Aedes: { createBroker(): Promise<{ handle: (s: Socket) => void }> };
    };
    const aedes = await Aedes.createBroker();
    await new Promise<void>((r) => createServer((s) => aedes.handle(s)).listen(port, '127.0.0.1', () => r()));
  }
  process.on('SIGTERM', () => process.exit(0));
  process.stdout.write('ready\n');
}

/**
 * CPU seconds (user + system) a process has used, from /proc; NaN where there is no /proc. Unlike a rate,
 * a broker's CPU per message hardly depends on what else the machine runs, or on how fast the clients are.
 */
function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

interface RunningBroker {
  readonly port: number;
  stop(): Promise<void>;
  /** CPU seconds the broker process has used so far. */
  cpu(): number;
}

async function startBroker(name: BrokerName, dataDir?: string): Promise<RunningBroker> {
  if (name === 'mosquitto') {
    const mosquitto = await startMosquitto({ quiet: true, config: ['max_queued_messages 0', 'max_inflight_messages 1000'] });
    return { port: mosquitto.port, stop: () => mosquitto.stop(), cpu: () => cpuSeconds(mosquitto.pid) };
  }
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [...process.execArgv, process.argv[1]!, '--serve', name, '--port', String(port)], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: dataDir ? { ...process.env, BENCH_DATA_DIR: dataDir } : process.env,
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    child.once('exit', () => reject(new Error(`${name} exited`)));
  });
  return {
    port,
    cpu: () => cpuSeconds(child.pid),
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * Each MQTT.js client of the `clients` part runs in a process of its own (this script again, with `--flood-client`):
 * nine clients sharing one event loop were slower than either broker, so they, not the brokers, set the rate.
 */
const clientProcess: FloodOptions['clientProcess'] = (args) =>
  spawn(process.execPath, [process.argv[1]!, '--flood-client', ...args], { stdio: ['pipe', 'pipe', 'inherit'] });

// ---- minimal MQTT 3.1.1 client ---------------------------------------------------

function str(s: string): Buffer {
  const b = Buffer.from(s);
  const out = Buffer.alloc(2 + b.length);
  out.writeUInt16BE(b.length);
  b.copy(out, 2);
  return out;
}

function packet(first: number, body: Buffer): Buffer {
  const len: number[] = [];
  let n = body.length;
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 128;
    len.push(b);
  } while (n > 0);
  return Buffer.concat([Buffer.from([first, ...len]), body]);
}

function publishPacket(topic: string, payload: Buffer, qos: 0 | 1, id: number): Buffer {
  const idBuf = Buffer.alloc(qos ? 2 : 0);
  if (qos) idBuf.writeUInt16BE(id);
  return packet(0x30 | (qos << 1), Buffer.concat([str(topic), idBuf, payload]));
}

/** A raw client: counts PUBLISH/PUBACK frames and answers QoS 1 deliveries with PUBACK. */
class BenchClient {
  published = 0;
  pubacks = 0;
  onPublish: ((payload: Buffer) => void) | undefined;
  private pending: Buffer | undefined;
  private waiters: (() => void)[] = [];

  private constructor(readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (d) => this.onData(d));
  }

  static async open(port: number, id: string): Promise<BenchClient> {
    const socket = connect(port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    const c = new BenchClient(socket);
    const body = Buffer.concat([str('MQTT'), Buffer.from([4, 0x02, 0, 60]), str(id)]);
    socket.write(packet(0x10, body));
    await c.until(() => c.connacked);
    return c;
  }

  connacked = false;
  subacked = 0;

  async subscribe(filter: string, qos: 0 | 1): Promise<void> {
    const before = this.subacked;
    this.socket.write(packet(0x82, Buffer.concat([Buffer.from([0, 1]), str(filter), Buffer.from([qos])])));
    await this.until(() => this.subacked > before);
  }

  until(pred: () => boolean, timeoutMs = 60_000): Promise<void> {
    if (pred()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('bench client timed out')), timeoutMs);
      const check = (): void => {
        if (pred()) {
          clearTimeout(t);
          resolve();
        } else this.waiters.push(check);
      };
      this.waiters.push(check);
    });
  }

  private onData(chunk: Buffer): void {
    const buf = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = undefined;
    let off = 0;
    const acks: Buffer[] = [];
    while (off + 2 <= buf.length) {
      let mul = 1;
      let len = 0;
      let i = off + 1;
      let done = false;
      for (; i < buf.length && i < off + 5; i++) {
        len += (buf[i]! & 127) * mul;
        mul *= 128;
        if ((buf[i]! & 128) === 0) {
          done = true;
          break;
        }
      }
      if (!done) break;
      const start = i + 1;
      if (start + len > buf.length) break;
      const type = buf[off]! >> 4;
      if (type === 3) {
        this.published++;
        const qos = (buf[off]! >> 1) & 3;
        const tl = buf.readUInt16BE(start);
        let p = start + 2 + tl;
        if (qos > 0) {
          const ack = Buffer.allocUnsafe(4);
          ack[0] = 0x40;
          ack[1] = 2;
          ack[2] = buf[p]!;
          ack[3] = buf[p + 1]!;
          acks.push(ack);
          p += 2;
        }
        this.onPublish?.(buf.subarray(p, start + len));
      } else if (type === 4) this.pubacks++;
      else if (type === 2) this.connacked = true;
      else if (type === 9) this.subacked++;
      off = start + len;
    }
    if (off < buf.length) this.pending = Buffer.from(buf.subarray(off));
    if (acks.length) this.socket.write(acks.length === 1 ? acks[0]! : Buffer.concat(acks));
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  close(): void {
    this.socket.destroy();
  }
}

// ---- workloads -------------------------------------------------------------------

/** Sends `count` messages as fast as TCP lets it; QoS 1 keeps at most `window` unacknowledged. */
async function blast(c: BenchClient, topic: string, count: number, qos: 0 | 1, window = 200): Promise<void> {
  if (qos === 0) {
    const one = publishPacket(topic, PAYLOAD, 0, 0);
    const batch = Buffer.concat(Array.from({ length: 64 }, () => one));
    let sent = 0;
    while (sent < count) {
      const n = Math.min(64, count - sent);
      const ok = c.socket.write(n === 64 ? batch : batch.subarray(0, n * one.length));
      sent += n;
      if (!ok) await new Promise((r) => c.socket.once('drain', r));
    }
    return;
  }
  let sent = 0;
  while (sent < count) {
    await c.until(() => sent - c.pubacks < window);
    const n = Math.min(count - sent, window - (sent - c.pubacks));
    const bufs: Buffer[] = [];
    for (let i = 0; i < n; i++) bufs.push(publishPacket(topic, PAYLOAD, 1, ((sent + i) % 65535) + 1));
    sent += n;
    c.socket.write(Buffer.concat(bufs));
  }
  await c.until(() => c.pubacks >= count);
}

/** Waits until `total()` reaches `expected` or stops growing for a second; returns messages/s. */
async function measure(start: number, total: () => number, expected: number): Promise<{ rate: number; received: number }> {
  let last = -1;
  let lastChange = Date.now();
  while (total() < expected) {
    if (total() !== last) {
      last = total();
      lastChange = Date.now();
    } else if (Date.now() - lastChange > 1000) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  const elapsed = (Date.now() - start) / 1000;
  return { rate: total() / elapsed, received: total() };
}

let clientSeq = 0;
async function fanIn(port: number, qos: 0 | 1, publishers: number, perPublisher: number): Promise<{ rate: number; received: number }> {
  const sub = await BenchClient.open(port, `sub-${++clientSeq}`);
  await sub.subscribe('bench/in/+', qos);
  const pubs = await Promise.all(Array.from({ length: publishers }, () => BenchClient.open(port, `pub-${++clientSeq}`)));
  const start = Date.now();
  await Promise.all(pubs.map((p, i) => blast(p, `bench/in/${i}`, perPublisher, qos)));
  const r = await measure(start, () => sub.published, publishers * perPublisher);
  for (const c of [sub, ...pubs]) c.close();
  return r;
}

async function fanOut(port: number, qos: 0 | 1, subscribers: number, count: number): Promise<{ rate: number; received: number }> {
  const subs = await Promise.all(Array.from({ length: subscribers }, () => BenchClient.open(port, `sub-${++clientSeq}`)));
  for (const s of subs) await s.subscribe('bench/out', qos);
  const pub = await BenchClient.open(port, `pub-${++clientSeq}`);
  const start = Date.now();
  await blast(pub, 'bench/out', count, qos);
  const r = await measure(start, () => subs.reduce((a, s) => a + s.published, 0), subscribers * count);
  for (const c of [pub, ...subs]) c.close();
  return r;
}

/** A publisher and a QoS 1 subscriber on `bench/lat`, kept open across latency windows. */
interface LatencyPair {
  readonly pub: BenchClient;
  readonly sub: BenchClient;
  packetId: number;
}

async function openLatencyPair(port: number): Promise<LatencyPair> {
  const sub = await BenchClient.open(port, `lat-sub-${++clientSeq}`);
  await sub.subscribe('bench/lat', 1);
  const pub = await BenchClient.open(port, `lat-pub-${++clientSeq}`);
  return { pub, sub, packetId: 0 };
}

/** Publishes QoS 1 at a steady `rate` for `ms`; adds each message's publish-to-delivery time (ms) to `samples`. */
async function latencyWindow(pair: LatencyPair, rate: number, ms: number, samples: number[]): Promise<void> {
  const { pub, sub } = pair;
  let received = 0;
  const sentAt: number[] = [];
  sub.onPublish = (payload) => {
    const t = payload.readDoubleBE(0);
    received++;
    samples.push(performance.now() - t);
    if (process.env.BENCH_TRACE && performance.now() - t > 0.5) sentAt.push(performance.timeOrigin + t);
  };
  const total = Math.round((rate * ms) / 1000);
  const start = performance.now();
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / rate;
    const now = performance.now();
    if (due > now) await new Promise((r) => setTimeout(r, due - now));
    const payload = Buffer.alloc(100);
    payload.writeDoubleBE(performance.now(), 0);
    pair.packetId = (pair.packetId % 65535) + 1;
    pub.socket.write(publishPacket('bench/lat', payload, 1, pair.packetId));
  }
  await sub.until(() => received >= total, 10_000).catch(() => undefined);
  sub.onPublish = undefined;
  // Wall-clock times of slow deliveries, to line up with a broker's GC trace.
  if (sentAt.length > 0) process.stderr.write(`slow (>0.5 ms) at: ${sentAt.map((t) => t.toFixed(1)).join(' ')}\n`);
}

function percentile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

/**
 * Steady-rate QoS 1 latency for every broker under the same conditions: all run at once, each gets
 * 1-second windows in turn (order reversed every round), so load from elsewhere on a shared machine
 * lands on all of them alike. Reports pooled p50/p99 and the median of the per-window p99s.
 */
async function interleavedLatency(
  names: readonly BrokerName[],
  rate: number,
  rounds: number,
): Promise<Map<BrokerName, { p50: number; p99: number; windowP99: number }>> {
  const brokers = await Promise.all(names.map((n) => startBroker(n)));
  try {
    const pairs = await Promise.all(brokers.map((b) => openLatencyPair(b.port)));
    // A warm-up window each: JIT compilation and first-use allocations are not what we measure.
    for (const p of pairs) await latencyWindow(p, rate, 1000, []);
    const pooled = names.map(() => [] as number[]);
    const windowP99 = names.map(() => [] as number[]);
    for (let r = 0; r < rounds; r++) {
      const order = names.map((_, i) => i);
      if (r % 2 === 1) order.reverse();
      for (const i of order) {
        const w: number[] = [];
        await latencyWindow(pairs[i]!, rate, 1000, w);
        pooled[i]!.push(...w);
        windowP99[i]!.push(percentile(w.sort((a, b) => a - b), 0.99));
      }
    }
    for (const p of pairs) {
      p.pub.close();
      p.sub.close();
    }
    const out = new Map<BrokerName, { p50: number; p99: number; windowP99: number }>();
    names.forEach((n, i) => {
      const all = pooled[i]!.sort((a, b) => a - b);
      out.set(n, { p50: percentile(all, 0.5), p99: percentile(all, 0.99), windowP99: percentile(windowP99[i]!.sort((a, b) => a - b), 0.5) });
    });
    return out;
  } finally {
    await Promise.all(brokers.map((b) => b.stop()));
  }
}

/** Opens `clients` connections at once; how many CONNACKs a second, and the slowest handshakes. */
async function connectStorm(port: number, clients: number): Promise<{ rate: number; p99: number }> {
  const started = performance.now();
  const times: number[] = [];
  const opened = await Promise.all(
    Array.from({ length: clients }, async (_, i) => {
      const t0 = performance.now();
      const c = await BenchClient.open(port, `storm-${i}`);
      times.push(performance.now() - t0);
      return c;
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  for (const c of opened) c.close();
  times.sort((a, b) => a - b);
  return { rate: clients / seconds, p99: times[Math.min(times.length - 1, Math.floor(times.length * 0.99))] ?? 0 };
}

function clientFigures(r: FloodResult): string {
  const f = (n: number): string => Math.round(n).toLocaleString('en-US');
  return `${f(r.deliveredPerSecond)} (acked ${f(r.acknowledged)}, delivered ${f(r.delivered)}, lost ${f(r.lost)}${r.duplicates > 0 ? `, ${f(r.duplicates)} twice` : ''})`;
}

function withLoss(r: { rate: number; received: number }, expected: number): string {
  const text = Math.round(r.rate).toLocaleString('en-US');
  return r.received < expected ? `${text} (lost ${expected - r.received})` : text;
}

// ---- report ----------------------------------------------------------------------

async function main(): Promise<void> {
  const clientIdx = process.argv.indexOf('--flood-client');
  if (clientIdx >= 0) {
    await floodClientMain(process.argv.slice(clientIdx + 1));
    return;
  }
  const serveIdx = process.argv.indexOf('--serve');
  if (serveIdx >= 0) {
    await serve(process.argv[serveIdx + 1] as 'embedded' | 'aedes', Number(process.argv[process.argv.indexOf('--port') + 1]));
    return;
  }
  const only = process.env.BENCH_ONLY?.split(',') as BrokerName[] | undefined;
  const brokers: BrokerName[] = only ?? ['embedded', 'aedes', 'mosquitto'];
  const scale = QUICK ? 0.2 : 1;
  const parts = new Set(process.env.BENCH_PARTS?.split(',') ?? ['throughput', 'storm', 'latency', 'clients']);
  const mqttjsPer = Number(process.env.BENCH_MQTTJS_MESSAGES) || (QUICK ? 2000 : 10_000);
  const latencyRounds = Number(process.env.BENCH_LATENCY_SECONDS) || (QUICK ? 3 : 10);
  const rows: Record<string, Record<BrokerName, string>> = {};
  const numbers: Record<string, Partial<Record<BrokerName, number>>> = {};
  const record = (name: string, b: BrokerName, value: number, text: string): void => {
    (rows[name] ??= {} as Record<BrokerName, string>)[b] = text;
    (numbers[name] ??= {})[b] = value;
  };
  for (const b of parts.has('throughput') || parts.has('storm') || parts.has('clients') ? brokers : []) {
    const broker = await startBroker(b);
    try {
      for (const qos of parts.has('throughput') ? ([0, 1] as const) : []) {
        const inPer = Math.round((qos === 0 ? 40_000 : 10_000) * scale);
        const fi = await fanIn(broker.port, qos, 8, inPer);
        record(`fan-in 8→1 QoS ${qos} (msg/s)`, b, fi.rate, withLoss(fi, 8 * inPer));
        const outCount = Math.round((qos === 0 ? 40_000 : 10_000) * scale);
        const fo = await fanOut(broker.port, qos, 16, outCount);
        record(`fan-out 1→16 QoS ${qos} (msg/s)`, b, fo.rate, withLoss(fo, 16 * outCount));
      }
      if (parts.has('clients')) {
        // Untimed warm-up: the first flood of a run pays for JIT compilation in the broker and in these clients,
        // which would count against whichever broker comes first.
        await runFlood({ url: `mqtt://127.0.0.1:${broker.port}`, publishers: 8, subscribers: 1, perPublisher: 1000, qos: 1, window: 100, clientProcess });
      }
      for (const qos of parts.has('clients') ? ([1, 2] as const) : []) {
        const url = `mqtt://127.0.0.1:${broker.port}`;
        const brokerCpu = broker.cpu();
        const fi = await runFlood({ url, publishers: 8, subscribers: 1, perPublisher: mqttjsPer, qos, window: 100, clientProcess });
        record(`MQTT.js fan-in 8→1 QoS ${qos} delivered (msg/s)`, b, fi.deliveredPerSecond, clientFigures(fi));
        // Where the time goes: the broker's CPU per delivered message, and the MQTT.js clients' (summed over their processes).
        const perMessage = (seconds: number): number => (seconds * 1e6) / Math.max(1, fi.delivered);
        const brokerUs = perMessage(broker.cpu() - brokerCpu);
        const clientUs = perMessage(fi.clientCpuSeconds ?? NaN);
        record(`  QoS ${qos} fan-in: broker CPU per message (µs)`, b, brokerUs, brokerUs.toFixed(1));
        record(`  QoS ${qos} fan-in: MQTT.js clients' CPU per message (µs)`, b, clientUs, clientUs.toFixed(1));
        const fo = await runFlood({ url, publishers: 1, subscribers: 8, perPublisher: mqttjsPer, qos, window: 100, clientProcess });
        record(`MQTT.js fan-out 1→8 QoS ${qos} delivered (msg/s)`, b, fo.deliveredPerSecond, clientFigures(fo));
      }
      if (parts.has('storm')) {
        // Within the default 1,024 open files for this process and the broker's.
        const storm = await connectStorm(broker.port, QUICK ? 200 : 800);
        record('connect storm (CONNACKs/s)', b, storm.rate, Math.round(storm.rate).toLocaleString('en-US'));
        record('connect storm p99 handshake (ms)', b, storm.p99, storm.p99.toFixed(1));
      }
    } finally {
      await broker.stop();
    }
  }
  if (parts.has('clients') && brokers.includes('embedded')) {
    // The journal's cost: QoS 1 fan-in to a persistent session, in memory and on disk, one after the other.
    const rates: Record<string, number> = {};
    for (const where of ['memory', 'disk'] as const) {
      const data = where === 'disk' ? mkdtempSync(join(tmpdir(), 'bench-journal-')) : undefined;
      const broker = await startBroker('embedded', data);
      try {
        const r = await runFlood({ url: `mqtt://127.0.0.1:${broker.port}`, publishers: 8, subscribers: 1, perPublisher: mqttjsPer, qos: 1, window: 100, persistentSubscribers: true, clientProcess });
        rates[where] = r.deliveredPerSecond;
        record(`MQTT.js fan-in 8→1 QoS 1, persistent session, ${where} (msg/s)`, 'embedded', r.deliveredPerSecond, clientFigures(r));
      } finally {
        await broker.stop();
        if (data) rmSync(data, { recursive: true, force: true });
      }
    }
    record('  disk / memory', 'embedded', rates.disk! / rates.memory!, (rates.disk! / rates.memory!).toFixed(2));
  }
  if (parts.has('latency')) {
    const lat = await interleavedLatency(brokers, 1000, latencyRounds);
    for (const [b, l] of lat) {
      record('QoS 1 latency p50 @1000/s (ms)', b, l.p50, l.p50.toFixed(2));
      record('QoS 1 latency p99 @1000/s (ms)', b, l.p99, l.p99.toFixed(2));
      record('QoS 1 latency p99, median of 1 s windows (ms)', b, l.windowP99, l.windowP99.toFixed(2));
    }
  }
  const header = ['metric', ...brokers, 'embedded/mosquitto', 'embedded/aedes'];
  const lines = [header];
  for (const [metric, r] of Object.entries(rows)) {
    const n = numbers[metric]!;
    const ratio = (a?: number, b?: number): string => (a && b ? (a / b).toFixed(2) : '-');
    lines.push([metric, ...brokers.map((b) => r[b] ?? '-'), ratio(n.embedded, n.mosquitto), ratio(n.embedded, n.aedes)]);
  }
  const widths = header.map((_, i) => Math.max(...lines.map((l) => String(l[i]).length)));
  for (const l of lines) console.log(l.map((c, i) => String(c).padEnd(widths[i]!)).join('  '));
  console.log('(for latency, handshake and CPU-per-message rows a ratio below 1 means the embedded broker is faster)');
  console.log(`load average at the end: ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
