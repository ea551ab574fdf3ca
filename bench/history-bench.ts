/**
 * Message history: how fast the worker stores the explorer bench's flood shape (100-byte payloads,
 * 10,000 topics), how soon the first page of a search comes back on a large store, and how fast a
 * search streams to NDJSON. Everything runs through HistoryService, as the app does.
 *
 *   npm run bench -- history-bench                      short: a 300,000-message store
 *   HISTORY_BENCH_MESSAGES=10000000 npm run bench -- history-bench    the issue's 10,000,000
 *   HISTORY_BENCH_PACED_SECONDS=60 …                    the paced 50,000 msg/s run for longer (default 5 s)
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { ConnectionId, MessageView } from '../shared/ipc/common';
import { HistoryService } from '../src-main/core/history/history-service';
import { historyWorkerFile } from '../src-main/test-support/worker-file';

const STORE_MESSAGES = Number(process.env.HISTORY_BENCH_MESSAGES ?? 300_000);
const PACED_SECONDS = Number(process.env.HISTORY_BENCH_PACED_SECONDS ?? 5);
const PACED_RATE = 50_000;
const TOPICS = 10_000;
const connection = 'bench' as ConnectionId;

const load = (): string => (os.loadavg()[0] ?? 0).toFixed(1);
const encoder = new TextEncoder();
const alarmEvery = 100_000;

/** Message i of the flood: 100-byte JSON payloads over 10,000 topics; a rare word now and then for the text search. */
function floodMessage(i: number, receivedAt: number): MessageView {
  const topic = `bench/${i % 100}/${Math.floor(i / 100) % (TOPICS / 100)}`;
  const word = i % alarmEvery === 7 ? 'alarm' : 'ok';
  const body = `{"seq":${i},"state":"${word}","v":${(i * 7) % 1000},"pad":"`;
  const payload = encoder.encode(`${body}${'x'.repeat(Math.max(0, 98 - body.length))}"}`);
  return { topic, payload, qos: 0, retain: false, dup: false, receivedAt };
}

const rows: [string, string, string][] = [];
function row(name: string, value: string, note = ''): void {
  rows.push([name, value, `${note}${note ? '; ' : ''}load ${load()}`]);
  console.log(`${name}: ${value} ${note ? `(${note}) ` : ''}[load ${load()}]`);
}

async function time<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const value = await fn();
  return [value, performance.now() - started];
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'topiary-history-bench-'));
  const file = path.join(dir, 'history.db');
  const history = new HistoryService({ file, workerFile: await historyWorkerFile() });
  try {
    await history.setRecording(connection, true, { sourceKey: 'bench' });
    await history.setRetention(undefined, undefined, 2 ** 45);
    await history.setRetention('bench', { maxAgeMs: null, maxBytes: null }, undefined);

    // 1. Paced: the explorer bench's 50,000 msg/s for a few seconds; the core's thread only packs.
    {
      const total = PACED_RATE * PACED_SECONDS;
      let sent = 0;
      let recordMs = 0;
      const started = performance.now();
      while (sent < total) {
        const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * PACED_RATE));
        const now = Date.now();
        // Made before the clock starts: what is timed is record() alone, the core's share.
        const tick: MessageView[] = [];
        for (let i = sent; i < due; i++) tick.push(floodMessage(i, now));
        const t0 = performance.now();
        for (const m of tick) history.record(connection, m);
        recordMs += performance.now() - t0;
        sent = due;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      await history.settle();
      const elapsed = (performance.now() - started) / 1000;
      const status = await history.status();
      row(`paced ${PACED_RATE.toLocaleString('en')} msg/s for ${PACED_SECONDS} s`, `${status.messages.toLocaleString('en')} stored of ${total.toLocaleString('en')} (${status.lost} lost)`, `done in ${elapsed.toFixed(1)} s`);
      row('core thread per recorded message (record(): pack into the batch)', `${((recordMs * 1000) / total).toFixed(2)} µs`);
    }

    // 2. Flat out: how fast the worker writes when the core hands it everything at once.
    {
      const already = (await history.status()).messages;
      const count = Math.max(0, STORE_MESSAGES - already);
      const t0 = Date.now() - 3_600_000;
      const [, ms] = await time(async () => {
        for (let i = 0; i < count; i++) {
          // Arrival times spread over the last hour, as a long recording's would be.
          history.record(connection, floodMessage(already + i, t0 + Math.floor((i / count) * 3_000_000)));
          if (i % 20_000 === 19_999) {
            history.flush();
            // Hand over in steps so pending batches stay bounded.
            if (i % 200_000 === 199_999) await history.settle();
            else await new Promise((resolve) => setImmediate(resolve));
          }
        }
        await history.settle();
      });
      const size = (await stat(file)).size;
      row('worker insert rate (flood shape, 1 MB batches)', `${Math.round((count / ms) * 1000).toLocaleString('en')} msg/s`, `${count.toLocaleString('en')} messages in ${(ms / 1000).toFixed(1)} s`);
      row('store size', `${(await history.status()).messages.toLocaleString('en')} messages, ${(size / 1024 / 1024).toFixed(0)} MB on disk`);
    }

    // 3. First page of searches on that store (the page the UI shows first), each run 5 times, median.
    const since = Date.now() - 3_600_000 + 1_000_000;
    const until = since + 1_000_000;
    const median = async (fn: () => Promise<unknown>): Promise<number> => {
      const times: number[] = [];
      for (let i = 0; i < 5; i++) times.push((await time(fn))[1]);
      times.sort((a, b) => a - b);
      return times[2] ?? 0;
    };
    const searches: [string, Parameters<HistoryService['query']>[0]][] = [
      ['one topic + time range', { filters: ['bench/42/7'], since, until }],
      ['100 topics (bench/42/+) + time range', { filters: ['bench/42/+'], since, until }],
      ['all topics + time range', { filters: ['#'], since, until }],
      ['payload text "alarm" (1 in 100,000)', { text: 'alarm' }],
      ['payload regex /"v":99[0-9]/ + one topic', { filters: ['bench/42/7'], regex: { pattern: '"v":99[0-9]' } }],
    ];
    for (const [name, query] of searches) {
      let found = 0;
      const ms = await median(async () => {
        found = (await history.query(query, 100)).messages.length;
      });
      row(`first page (100) of: ${name}`, `${ms.toFixed(1)} ms`, `${found} found`);
    }

    // 4. NDJSON export of the whole store, streamed by the worker.
    {
      const out = path.join(dir, 'export.ndjson');
      const [progress, ms] = await time(async () => (await history.export({ format: 'ndjson', file: out, query: { order: 'oldest' } })).done);
      row('NDJSON export', `${Math.round((progress.exported / ms) * 1000).toLocaleString('en')} msg/s`, `${progress.exported.toLocaleString('en')} messages, ${((await stat(out)).size / 1024 / 1024).toFixed(0)} MB in ${(ms / 1000).toFixed(1)} s`);
    }
  } finally {
    await history.close();
    await rm(dir, { recursive: true, force: true });
  }
  console.log('\n| figure | value | note |\n|---|---|---|');
  for (const [name, value, note] of rows) console.log(`| ${name} | ${value} | ${note} |`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
