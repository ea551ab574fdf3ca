/**
 * Message history, on a store of the issue's size: the explorer bench's flood recorded while the store is
 * paged, the first page of each kind of search, and an NDJSON export. Everything but the bulk fill runs
 * through HistoryService and its worker, as the app does.
 *
 *   npm run bench -- history-bench                                  defaults: a 1,000,000-message store, 5 s flood
 *
 * The issue's sizes (a 10,000,000-message store, the 60 s flood recorded into it), every step, each figure with its goal:
 *
 *   HISTORY_BENCH_MESSAGES=10000000 HISTORY_BENCH_PACED_SECONDS=60 npm run bench -- history-bench
 *
 * About 1.8 GB in the temporary folder; the bulk fill takes about 3 minutes on an idle machine (8 minutes at load 14),
 * the flood 70 s, the searches seconds, the export 5 s. Add HISTORY_BENCH_STORE=/tmp/topiary-10m.db to keep the filled
 * store for later runs (then delete it and its .bench.json). The page's frame gaps while the flood is recorded come
 * from the explorer-path bench: `BENCH_RECORD=1 npm run bench -- explorer-path`, beside a run without it.
 *
 *   HISTORY_BENCH_EXPORT=N      messages exported (default: the store's size, at most 1,000,000)
 *   HISTORY_BENCH_INSERT=N      messages for the flat-out insert rate (default 200,000)
 *   HISTORY_BENCH_STORE=FILE    keep the store in FILE: filled on the first run, reused by later runs of the same size
 *                               (a 10,000,000-message fill takes minutes); the floods and inserts add to it
 *   HISTORY_BENCH_STEPS=LIST    only some of: record,insert,search,export (default all)
 *
 * The store is filled in bulk inside SQLite (history-store-fill.ts): recording 10,000,000 messages at the
 * worker's rate would take minutes of the run for no figure the issue asks for. Its indexes are then built
 * in one go, so they are a little more compact than a long recording's.
 */
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { ConnectionId, MessageView } from '../shared/ipc/common';
import { ExplorerSession } from '../src-main/core/explorer/explorer-session';
import { HistoryService } from '../src-main/core/history/history-service';
import { historyWorkerFile } from '../src-main/test-support/worker-file';
import { FILL_TOPICS, fillStore, fillTopic } from './history-store-fill';

const STORE_MESSAGES = Number(process.env.HISTORY_BENCH_MESSAGES ?? 1_000_000);
const EXPORT_MESSAGES = Number(process.env.HISTORY_BENCH_EXPORT ?? Math.min(STORE_MESSAGES, 1_000_000));
const INSERT_MESSAGES = Number(process.env.HISTORY_BENCH_INSERT ?? 200_000);
const PACED_SECONDS = Number(process.env.HISTORY_BENCH_PACED_SECONDS ?? 5);
const PACED_RATE = 50_000;
const KEPT_STORE = process.env.HISTORY_BENCH_STORE;
const STEPS = new Set((process.env.HISTORY_BENCH_STEPS ?? 'record,insert,search,export').split(','));
const connection = 'bench' as ConnectionId;
const HOUR = 3_600_000;

const load = (): string => (os.loadavg()[0] ?? 0).toFixed(1);
const encoder = new TextEncoder();
const fmt = (n: number): string => Math.round(n).toLocaleString('en');

/** Message i of the flood: 100-byte JSON payloads over 10,000 topics; "alarm" once in 100,000 for the text search. */
function floodMessage(i: number, receivedAt: number): MessageView {
  const word = i % 100_000 === 7 ? 'alarm' : 'ok';
  const body = `{"seq":${i},"state":"${word}","v":${(i * 7) % 1000},"pad":"`;
  const payload = encoder.encode(`${body}${'x'.repeat(Math.max(0, 98 - body.length))}"}`);
  return { topic: fillTopic(i), payload, qos: 0, retain: false, dup: false, receivedAt };
}

const rows: [string, string, string][] = [];
function row(name: string, value: string, note = ''): void {
  rows.push([name, value, `${note}${note ? '; ' : ''}load ${load()}`]);
  console.log(`${name}: ${value} ${note ? `(${note}) ` : ''}[load ${load()}]`);
}

function verdict(ok: boolean, target: string): string {
  return `${ok ? 'meets' : 'MISSES'} ${target}`;
}

async function time<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const value = await fn();
  return [value, performance.now() - started];
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/**
 * The explorer bench's flood at 50,000 msg/s into an explorer session and the recorder, as the core's
 * connection handler feeds them. Returns the core thread's time per message (µs) and the process's CPU
 * (core and worker threads) per message.
 */
async function pacedFlood(history: HistoryService, session: ExplorerSession, seconds: number, firstSeq: number, whileRunning?: () => boolean): Promise<{ coreUs: number; cpuUs: number; sent: number; elapsed: number }> {
  const total = Math.round(PACED_RATE * seconds);
  let sent = 0;
  let coreMs = 0;
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * PACED_RATE));
    const now = Date.now();
    // Made before the clock starts: what is timed is the core's share, ingest and record.
    const tick: MessageView[] = [];
    for (let i = sent; i < due; i++) tick.push(floodMessage(firstSeq + i, now));
    const t0 = performance.now();
    for (const m of tick) {
      session.ingest(m);
      history.record(connection, m);
    }
    coreMs += performance.now() - t0;
    sent = due;
    whileRunning?.();
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await history.settle();
  const cpu = process.cpuUsage(cpu0);
  return { coreUs: (coreMs * 1000) / total, cpuUs: (cpu.user + cpu.system) / total, sent: total, elapsed: (performance.now() - started) / 1000 };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'topiary-history-bench-'));
  const file = KEPT_STORE !== undefined ? path.resolve(KEPT_STORE) : path.join(dir, 'history.db');
  // What a kept store was filled with: its size and the start of its filled hour, which the searches aim at.
  const filledWith = `${file}.bench.json`;
  const kept = KEPT_STORE !== undefined ? await readFile(filledWith, 'utf8').then((t) => JSON.parse(t) as { messages: number; fillStart: number }, () => null) : null;
  console.log(`store ${fmt(STORE_MESSAGES)} messages, export ${fmt(EXPORT_MESSAGES)}, flood ${PACED_SECONDS} s at ${fmt(PACED_RATE)} msg/s, ${FILL_TOPICS.toLocaleString('en')} topics [load ${load()}]`);
  // The stored hour ends an hour ago, so the flood's messages come after it.
  let fillStart = Date.now() - 2 * HOUR;
  if (kept !== null && kept.messages === STORE_MESSAGES) {
    fillStart = kept.fillStart;
    row('store reused (filled by an earlier run)', `${fmt(kept.messages)} messages filled, ${fmt((await stat(file)).size / 2 ** 20)} MB`, file);
  } else {
    if (KEPT_STORE !== undefined) await rm(file, { force: true });
    let lastLog = 0;
    const report = fillStore(file, 'bench', STORE_MESSAGES, fillStart, HOUR, (done) => {
      if (performance.now() - lastLog > 10_000) {
        lastLog = performance.now();
        console.log(`  filled ${fmt(done)} rows [load ${load()}]`);
      }
    });
    const size = (await stat(file)).size;
    row(
      'bulk fill of the store (SQL inside SQLite)',
      `${fmt(report.messages)} messages, ${fmt(size / 2 ** 20)} MB`,
      `rows ${(report.rowsMs / 1000).toFixed(1)} s, indexes ${(report.indexMs / 1000).toFixed(1)} s, text index ${(report.textIndexMs / 1000).toFixed(1)} s`,
    );
    if (KEPT_STORE !== undefined) await writeFile(filledWith, JSON.stringify({ messages: STORE_MESSAGES, fillStart }));
  }

  const history = new HistoryService({ file, workerFile: await historyWorkerFile() });
  try {
    await history.setRetention(undefined, undefined, 2 ** 45);
    await history.setRetention('bench', { maxAgeMs: null, maxBytes: null }, undefined);
    // The fill wrote what floodMessage() makes, all of it: check before timing anything on it.
    {
      const held = (await history.status()).messages;
      if (held < STORE_MESSAGES) throw new Error(`The store holds ${fmt(held)} messages, fewer than the ${fmt(STORE_MESSAGES)} filled: something pruned it.`);
      const probe = Math.floor(STORE_MESSAGES / 2);
      const page = await history.query({ filters: [fillTopic(probe)], since: fillStart + Math.floor((probe * HOUR) / STORE_MESSAGES), order: 'oldest' }, 1);
      const got = page.messages[0];
      const want = floodMessage(probe, 0).payload;
      if (!got || Buffer.compare(Buffer.from(got.payload), Buffer.from(want)) !== 0) throw new Error(`The bulk fill's row ${probe} is not the flood's message: ${got ? Buffer.from(got.payload).toString() : 'none'}`);
    }
    // Sequence numbers after the fill's and any earlier run's.
    let seq = STORE_MESSAGES + (kept !== null ? Date.now() % 1_000_000_000 : 0);

    // 1. The core's cost per message with recording off, then on (explorer ingest included in both).
    if (STEPS.has('record')) {
      const session = new ExplorerSession();
      const seconds = Math.min(PACED_SECONDS, 3);
      const off = await pacedFlood(history, session, seconds, seq);
      seq += off.sent;
      await history.setRecording(connection, true, { sourceKey: 'bench' });
      const on = await pacedFlood(history, session, seconds, seq);
      seq += on.sent;
      row('core thread per message, recording off / on (explorer ingest + record)', `${off.coreUs.toFixed(2)} / ${on.coreUs.toFixed(2)} µs`, `${seconds} s at ${fmt(PACED_RATE)} msg/s each`);
      row('process CPU per message (core + history worker), recording off / on', `${off.cpuUs.toFixed(2)} / ${on.cpuUs.toFixed(2)} µs`);
    }

    // 2. The flood for PACED_SECONDS, recorded, while a reader pages through the store as the UI would.
    if (STEPS.has('record')) {
      const before = await history.status();
      const pageMs: number[] = [];
      let paging = true;
      const reader = (async () => {
        let cursor: string | undefined;
        while (paging) {
          const [page, ms] = await time(() => history.query({ filters: ['bench/42/+'], order: 'newest' }, 100, cursor));
          pageMs.push(ms);
          cursor = page.nextCursor !== null && pageMs.length % 10 !== 0 ? page.nextCursor : undefined;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      })();
      const session = new ExplorerSession();
      const run = await pacedFlood(history, session, PACED_SECONDS, seq);
      paging = false;
      await reader;
      seq += run.sent;
      const after = await history.status();
      const stored = after.messages - before.messages;
      row(
        `flood ${fmt(PACED_RATE)} msg/s for ${PACED_SECONDS} s, recorded`,
        `${fmt(stored)} stored of ${fmt(run.sent)} (${fmt(run.sent - stored)} lost, ${after.lost} counted lost)`,
        `all stored ${run.elapsed.toFixed(1)} s after the start; core ${run.coreUs.toFixed(2)} µs a message; ${verdict(stored === run.sent, '0 lost')}`,
      );
      row('  pages of bench/42/+ (100, newest first) read alongside', `p50 ${percentile(pageMs, 50).toFixed(1)} ms, p99 ${percentile(pageMs, 99).toFixed(1)} ms`, `${pageMs.length} pages`);
    }

    // 3. Flat out: how fast the worker writes when the core hands it everything at once.
    if (STEPS.has('insert')) {
      await history.setRecording(connection, true, { sourceKey: 'bench' });
      const t0 = Date.now();
      const cpu0 = process.cpuUsage();
      const [, ms] = await time(async () => {
        for (let i = 0; i < INSERT_MESSAGES; i++) {
          history.record(connection, floodMessage(seq + i, t0));
          if (i % 20_000 === 19_999) {
            history.flush();
            if (i % 200_000 === 199_999) await history.settle();
            else await new Promise((resolve) => setImmediate(resolve));
          }
        }
        await history.settle();
      });
      // The process's CPU (the worker's included) beside the rate: on a busy machine the rate is the scheduler's.
      const cpu = process.cpuUsage(cpu0);
      const cpuSeconds = (cpu.user + cpu.system) / 1e6;
      seq += INSERT_MESSAGES;
      row(
        'worker insert rate (flood shape, 1 MB batches)',
        `${fmt((INSERT_MESSAGES / ms) * 1000)} msg/s`,
        `${fmt(INSERT_MESSAGES)} messages in ${(ms / 1000).toFixed(1)} s, CPU ${cpuSeconds.toFixed(1)} s (${fmt(INSERT_MESSAGES / cpuSeconds)} msg per CPU-second; the flood needs 50,000 msg/s)`,
      );
      row('store size', `${fmt((await history.status()).messages)} messages, ${fmt((await stat(file)).size / 2 ** 20)} MB on disk`);
    }

    // 4. First page of searches on the filled hour (the page the UI shows first), each run 5 times, median.
    const since = fillStart + 0.3 * HOUR;
    const until = since + 0.3 * HOUR;
    const median = async (fn: () => Promise<unknown>): Promise<number> => {
      const times: number[] = [];
      for (let i = 0; i < 5; i++) times.push((await time(fn))[1]);
      return percentile(times, 50);
    };
    const searches: [string, Parameters<HistoryService['query']>[0], number][] = [
      ['one topic + time range', { filters: ['bench/42/7'], since, until }, 50],
      ['100 topics (bench/42/+) + time range', { filters: ['bench/42/+'], since, until }, 50],
      ['all topics + time range', { filters: ['#'], since, until }, 50],
      ['payload text "alarm" (1 in 100,000)', { text: 'alarm' }, 1000],
      ['payload regex /"v":99[0-9]/ + one topic', { filters: ['bench/42/7'], regex: { pattern: '"v":99[0-9]' } }, 1000],
    ];
    for (const [name, query, target] of STEPS.has('search') ? searches : []) {
      let found = 0;
      const ms = await median(async () => {
        found = (await history.query(query, 100)).messages.length;
      });
      row(`first page (100) of: ${name}`, `${ms.toFixed(1)} ms`, `${found} found; ${verdict(ms <= target, `≤ ${target} ms`)}`);
    }

    // 5. NDJSON export, streamed by the worker.
    if (STEPS.has('export')) {
      const out = path.join(dir, 'export.ndjson');
      // The process's CPU (the worker thread's included) beside the rate: on a busy machine the rate is the scheduler's.
      const cpu0 = process.cpuUsage();
      const [progress, ms] = await time(async () => (await history.export({ format: 'ndjson', file: out, query: { order: 'oldest' }, limit: EXPORT_MESSAGES })).done);
      const cpu = process.cpuUsage(cpu0);
      const cpuSeconds = (cpu.user + cpu.system) / 1e6;
      const rate = (progress.exported / ms) * 1000;
      row(
        'NDJSON export',
        `${fmt(rate)} msg/s`,
        `${fmt(progress.exported)} messages, ${fmt((await stat(out)).size / 2 ** 20)} MB in ${(ms / 1000).toFixed(1)} s, CPU ${cpuSeconds.toFixed(1)} s (${fmt(progress.exported / cpuSeconds)} msg per CPU-second, ${progress.exported / cpuSeconds >= 200_000 ? 'enough' : 'too few'} for 200,000 msg/s on a free core); wall clock ${verdict(rate >= 200_000, '≥ 200,000 msg/s')}`,
      );
    }
  } finally {
    await history.close();
    // A kept store stays for the next run; only the temporary folder (the export) goes.
    await rm(dir, { recursive: true, force: true });
  }
  console.log('\n| figure | value | note |\n|---|---|---|');
  for (const [name, value, note] of rows) console.log(`| ${name} | ${value} | ${note} |`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
