import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ConnectArgsSchema } from '../shared/ipc/connections';
import { ConnectionEventFanOut, ConnectionManager } from '../src-main/core/connections/connection-manager';
import { ExplorerService } from '../src-main/core/explorer/explorer-service';
import { EventHub } from '../src-main/core/ipc/event-hub';
import { startMosquitto } from '../src-main/test-support/mosquitto';
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

/**
 * End to end: mosquitto → the app's connection manager (MQTT.js, packet log) → the explorer service
 * (its session: index, history) at a target rate, wired as app-core wires them; does the core keep up?
 */
export async function runExplorerLiveBench(options: LiveBenchOptions = {}): Promise<BenchRow[]> {
  const rate = options.rate ?? 50_000;
  const seconds = options.seconds ?? 5;
  const topics = options.topics ?? 10_000;
  const broker = await startMosquitto({ quiet: true, config: ['max_queued_messages 0', 'max_queued_bytes 0'] });
  const hub = new EventHub();
  const events = new ConnectionEventFanOut();
  const connections = new ConnectionManager(events);
  const explorer = new ExplorerService(hub, {
    clearRetained: async () => undefined,
    subscribe: (connectionId, subscriptions) => connections.addSubscriptions(connectionId, subscriptions),
    unsubscribe: (connectionId, filters) => connections.removeSubscriptions(connectionId, filters),
  });
  events.add(explorer.connectionListener());
  let indexed = (): number => 0;
  try {
    const info = await connections.connect(
      ConnectArgsSchema.parse({ url: broker.url, clientId: 'topiary-bench-sub', protocolVersion: 5, subscriptions: [{ filter: 'bench/#', qos: 0 }] }),
    );
    indexed = () => explorer.topicIndex(info.connectionId)?.messageCount ?? 0;
    const cpuBefore = process.cpuUsage();
    const started = Date.now();
    const publisher = spawn(process.execPath, ['-e', PUBLISHER], {
      env: {
        ...process.env,
        MQTT_PATH: createRequire(join(process.cwd(), 'package.json')).resolve('mqtt'),
        URL: broker.url,
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
    while (indexed() < sent && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const elapsed = (Date.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const received = indexed();
    return [
      { name: `live: offered ${rate.toLocaleString('en')} msg/s for ${seconds} s (${topics.toLocaleString('en')} topics, 100 B, QoS 0)`, value: sent, unit: 'sent' },
      { name: 'live: received and indexed', value: received, unit: 'msgs', note: `${Math.round(received / elapsed).toLocaleString('en')} msg/s over ${elapsed.toFixed(1)} s` },
      { name: 'live: explorer process CPU (connection + packet log + index + history)', value: Math.round(((cpu.user + cpu.system) / 1e6 / elapsed) * 100), unit: '% of one core' },
      {
        name: 'live: explorer CPU per message',
        value: received === 0 ? 0 : Math.round(((cpu.user + cpu.system) / received) * 100) / 100,
        unit: 'µs',
        note: received === 0 ? undefined : `one core could absorb about ${Math.round(received / ((cpu.user + cpu.system) / 1e6)).toLocaleString('en')} msg/s`,
      },
    ];
  } finally {
    await connections.closeAll();
    explorer.dispose();
    await broker.stop();
  }
}

// Bundled together with explorer-bench both modules share one URL, so decide by script name.
if (/explorer-live-bench\.[cm]?[jt]s$/.test(process.argv[1] ?? '')) {
  for (const row of await runExplorerLiveBench()) {
    console.log(`${row.name.padEnd(80)} ${String(row.value).padStart(10)} ${row.unit}${row.note ? `  (${row.note})` : ''}`);
  }
}
