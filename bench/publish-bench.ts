/**
 * Composer burst rate: a burst job through the whole core (contract, template, connection, MQTT.js)
 * against a bare MQTT.js publisher keeping the same window of unacknowledged messages, in the same
 * run, against the same mosquitto, at QoS 0, 1 and 2.
 *
 *   npx esbuild bench/publish-bench.ts --bundle --platform=node --format=esm --packages=external \
 *     --outfile=node_modules/.cache/publish-bench.mjs && node node_modules/.cache/publish-bench.mjs [--quick]
 */
import mqtt from 'mqtt';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createClient } from '../shared/ipc/client';
import { createMemoryWirePair } from '../shared/ipc/memory-wire';
import type { JobProgress } from '../shared/ipc/publish';
import { createAppCore } from '../src-main/core/app-core';
import { startMosquitto } from '../src-main/test-support/mosquitto';

/** One measured figure. */
export interface BenchRow {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly note?: string;
}

export interface PublishBenchOptions {
  /** Messages per run; default 50,000. */
  readonly messages?: number;
}

const PAYLOAD = 'x'.repeat(64);

/** Publishes `count` messages keeping at most `window` unacknowledged; resolves with messages per second. */
async function bareRate(url: string, qos: 0 | 1 | 2, count: number, window: number): Promise<number> {
  const client = await mqtt.connectAsync(url, { protocolVersion: 5 });
  // As the core's connections do: without it Nagle, not the publisher, sets the pace.
  (client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
  const payload = Buffer.from(PAYLOAD);
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    let sent = 0;
    let done = 0;
    const pump = (): void => {
      while (sent - done < window && sent < count) {
        sent++;
        client.publish('bench/bare', payload, { qos }, (error) => {
          if (error) return reject(error);
          if (++done === count) resolve();
          else pump();
        });
      }
    };
    pump();
  });
  const seconds = (performance.now() - started) / 1000;
  await client.endAsync();
  return count / seconds;
}

export async function runPublishBench(options: PublishBenchOptions = {}): Promise<BenchRow[]> {
  const count = options.messages ?? 50_000;
  const broker = await startMosquitto();
  const userDataDir = await mkdtemp(path.join(os.tmpdir(), 'topiary-publish-bench-'));
  const core = await createAppCore({ userDataDir });
  const [coreEnd, clientEnd] = createMemoryWirePair();
  core.attach(coreEnd);
  const client = createClient(clientEnd);
  const rows: BenchRow[] = [];
  try {
    const info = await client.invoke('connections.connect', { url: broker.url, protocolVersion: 5, subscriptions: [] });
    const receiveMaximum = info.broker?.receiveMaximum;
    for (const qos of [0, 1, 2] as const) {
      const window = qos === 0 ? 500 : Math.min(receiveMaximum ?? 1_000, 65_535);
      const ended = new Promise<JobProgress>((resolve) => {
        const off = client.on('publish.jobProgressed', (p) => {
          if (p.state !== 'running') {
            off();
            resolve(p);
          }
        });
      });
      const started = performance.now();
      await client.invoke('publish.startJob', {
        connectionId: info.connectionId,
        message: { topic: 'bench/core', payload: { form: 'text', text: PAYLOAD }, qos },
        mode: { kind: 'burst', count },
      });
      const report = await ended;
      const coreRate = report.acknowledged / ((performance.now() - started) / 1000);
      const bare = await bareRate(broker.url, qos, count, window);
      rows.push({ name: `publish burst QoS ${qos} through the core`, value: Math.round(coreRate), unit: 'msg/s', note: `${count} messages, window ${window}, ${report.failed} failed` });
      rows.push({ name: `publish burst QoS ${qos} bare MQTT.js`, value: Math.round(bare), unit: 'msg/s', note: `same window` });
      rows.push({ name: `publish burst QoS ${qos} core / bare`, value: Math.round((coreRate / bare) * 100) / 100, unit: 'ratio' });
    }
  } finally {
    client.close();
    await core.close();
    await broker.stop();
    await rm(userDataDir, { recursive: true, force: true });
  }
  return rows;
}

// Run directly (after bundling with esbuild): print the rows. Decided by script name since bundling merges module URLs.
if (/publish-bench\.[cm]?[jt]s$/.test(process.argv[1] ?? '')) {
  const rows = await runPublishBench({ messages: process.argv.includes('--quick') ? 10_000 : 50_000 });
  for (const row of rows) console.log(`${row.name.padEnd(44)} ${String(row.value).padStart(10)} ${row.unit}${row.note ? `  (${row.note})` : ''}`);
}
