import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { ExplorerSession } from '../src-main/core/explorer/explorer-session';
import type { BenchRow } from './explorer-bench';

export interface LiveBenchOptions {
  /** Target publish rate; default 50,000 msg/s. */
  readonly rate?: number;
  readonly seconds?: number;
  readonly topics?: number;
}

// The publisher runs in its own process so it does not share the explorer's event loop.
// Run from the repository root: it loads mqtt from there.
const PUBLISHER = `
const mqtt = require(process.env.MQTT_PATH);
const [url, rate, seconds, topics] = [process.env.URL, +process.env.RATE, +process.env.SECONDS, +process.env.TOPICS];
const names = Array.from({ length: topics }, (_, i) => 'bench/line' + (i % 10) + '/sensor' + i);
const payload = Buffer.alloc(100, 65);
const client = mqtt.connect(url, { clientId: 'topiary-bench-pub', protocolVersion: 5 });
client.on('connect', () => {
  const total = rate * seconds;
  const start = Date.now();
  let sent = 0;
  const tick = () => {
    const due = Math.min(total, Math.ceil(((Date.now() - start) / 1000) * rate));
    while (sent < due) client.publish(names[sent % topics], payload, { qos: 0 }), sent++;
    if (sent < total) setTimeout(tick, 5);
    else client.end(false, {}, () => { process.stdout.write(JSON.stringify({ sent, ms: Date.now() - start })); });
  };
  tick();
});
`;

/** End to end: mosquitto → MQTT.js → ExplorerSession at a target rate; does the core keep up? */
export async function runExplorerLiveBench(options: LiveBenchOptions = {}): Promise<BenchRow[]> {
  const rate = options.rate ?? 50_000;
  const seconds = options.seconds ?? 5;
  const topics = options.topics ?? 10_000;
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'topiary-explorer-bench-'));
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 0\nmax_queued_bytes 0\n`);
  const broker = spawn('/usr/sbin/mosquitto', ['-c', conf], { stdio: 'ignore' });
  const session = new ExplorerSession();
  let subscriber: mqtt.MqttClient | undefined;
  try {
    subscriber = await connectWithRetry(`mqtt://127.0.0.1:${port}`);
    subscriber.on('message', (topic, payload, packet) => {
      session.ingest({ topic, payload, qos: packet.qos, retain: packet.retain, dup: packet.dup, receivedAt: Date.now() });
    });
    await subscriber.subscribeAsync('bench/#', { qos: 0 });
    const cpuBefore = process.cpuUsage();
    const started = Date.now();
    const publisher = spawn(process.execPath, ['-e', PUBLISHER], {
      env: {
        ...process.env,
        MQTT_PATH: createRequire(join(process.cwd(), 'package.json')).resolve('mqtt'),
        URL: `mqtt://127.0.0.1:${port}`,
        RATE: String(rate),
        SECONDS: String(seconds),
        TOPICS: String(topics),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    publisher.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await new Promise((resolve) => publisher.once('exit', resolve));
    const { sent } = JSON.parse(out || '{"sent":0}') as { sent: number };
    const deadline = Date.now() + 30_000;
    while (session.stats().messageCount < sent && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const elapsed = (Date.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const received = session.stats().messageCount;
    return [
      { name: `live: offered ${rate.toLocaleString('en')} msg/s for ${seconds} s (${topics.toLocaleString('en')} topics, 100 B, QoS 0)`, value: sent, unit: 'sent' },
      { name: 'live: received and indexed', value: received, unit: 'msgs', note: `${Math.round(received / elapsed).toLocaleString('en')} msg/s over ${elapsed.toFixed(1)} s` },
      { name: 'live: explorer process CPU (MQTT.js parse + index + history)', value: Math.round(((cpu.user + cpu.system) / 1e6 / elapsed) * 100), unit: '% of one core' },
      {
        name: 'live: explorer CPU per message',
        value: received === 0 ? 0 : Math.round(((cpu.user + cpu.system) / received) * 100) / 100,
        unit: 'µs',
        note: received === 0 ? undefined : `one core could absorb about ${Math.round(received / ((cpu.user + cpu.system) / 1e6)).toLocaleString('en')} msg/s`,
      },
    ];
  } finally {
    await subscriber?.endAsync(true).catch(() => undefined);
    broker.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function connectWithRetry(url: string): Promise<mqtt.MqttClient> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      return await mqtt.connectAsync(url, { clientId: 'topiary-bench-sub', protocolVersion: 5, reconnectPeriod: 0 });
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

// Bundled together with explorer-bench both modules share one URL, so decide by script name.
if (/explorer-live-bench\.[cm]?[jt]s$/.test(process.argv[1] ?? '')) {
  for (const row of await runExplorerLiveBench()) {
    console.log(`${row.name.padEnd(80)} ${String(row.value).padStart(10)} ${row.unit}${row.note ? `  (${row.note})` : ''}`);
  }
}
