import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { ConnectionId } from '../shared/ipc/common';
import { ExplorerService } from '../src-main/core/explorer/explorer-service';
import { EventHub } from '../src-main/core/ipc/event-hub';
import { TopicIndex } from '../src-main/core/explorer/topic-index';
import { TreeView } from '../src-main/core/explorer/tree-view';
import { runExplorerLiveBench } from './explorer-live-bench';

/** One measured figure. */
export interface BenchRow {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly note?: string;
}

export interface ExplorerBenchOptions {
  /** Distinct topics for the memory figure; default 1,000,000. */
  readonly distinctTopics?: number;
  /** Messages for the throughput figures; default 2,000,000. */
  readonly messages?: number;
  /** Also run mosquitto → connection → explorer service at 50,000 msg/s (needs /usr/sbin/mosquitto); default true. */
  readonly live?: boolean;
}

const MB = 1024 * 1024;

/** Throughput of the explorer core and its memory with a million topics. */
export async function runExplorerBench(options: ExplorerBenchOptions = {}): Promise<BenchRow[]> {
  const distinct = options.distinctTopics ?? 1_000_000;
  const messages = options.messages ?? 2_000_000;
  const gc = exposeGc();
  const rows: BenchRow[] = [];
  const payload = new Uint8Array(100).fill(0x41);

  // Memory first, on a clean heap.
  gc();
  const before = process.memoryUsage();
  let index: TopicIndex | undefined = new TopicIndex();
  let started = performance.now();
  for (let i = 0; i < distinct; i++) {
    index.ingest({ topic: `site/${i % 100}/device${i}/value`, payload, qos: 0, retain: false, receivedAt: i });
  }
  const createMs = performance.now() - started;
  gc();
  const after = process.memoryUsage();
  rows.push({ name: `index: create ${distinct.toLocaleString('en')} topics`, value: round(distinct / (createMs / 1000)), unit: 'topics/s' });
  rows.push({
    name: `index: memory for ${distinct.toLocaleString('en')} topics (100 B payloads)`,
    value: round((after.rss - before.rss) / MB),
    unit: 'MB rss',
    note: `heap+buffers ${round((after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers) / MB)} MB, ${index.nodeCount.toLocaleString('en')} nodes`,
  });

  const view = new TreeView(index);
  view.expand('site');
  view.expand('site/42');
  started = performance.now();
  view.rows(0, 50);
  const buildMs = performance.now() - started;
  started = performance.now();
  for (let i = 0; i < 100; i++) view.rows(i * 97, 50);
  rows.push({ name: 'tree: first window (10,000 siblings expanded)', value: round(buildMs, 1), unit: 'ms' });
  rows.push({ name: 'tree: later 50-row windows', value: round((performance.now() - started) / 100, 3), unit: 'ms' });
  index = undefined;
  gc();

  const topics = Array.from({ length: 10_000 }, (_, i) => `plant/line${i % 10}/machine${i % 100}/sensor${i}`);
  const hot = new TopicIndex();
  started = performance.now();
  for (let i = 0; i < messages; i++) hot.ingest({ topic: topics[i % 10_000]!, payload, qos: 0, retain: false, receivedAt: i });
  rows.push({ name: 'index: ingest, 10,000 topics, 100 B', value: round(messages / ((performance.now() - started) / 1000)), unit: 'msg/s' });

  // Through the explorer service, as the app feeds it: its session's pause buffer, index and history.
  const explorer = new ExplorerService(new EventHub(), { clearRetained: async () => undefined, subscribe: async () => [], unsubscribe: async () => undefined });
  const connectionId = 'bench' as ConnectionId;
  explorer.open(connectionId);
  started = performance.now();
  for (let i = 0; i < messages; i++) explorer.ingest(connectionId, { topic: topics[i % 10_000]!, payload, qos: 0, retain: false, dup: false, receivedAt: i });
  const stats = explorer.session(connectionId)!.history.stats();
  explorer.dispose();
  rows.push({
    name: 'explorer: ingest with history, 10,000 topics, 100 B',
    value: round(messages / ((performance.now() - started) / 1000)),
    unit: 'msg/s',
    note: `history ${stats.entries.toLocaleString('en')} entries, ${round(stats.usedBytes / MB)} MB`,
  });
  if (options.live !== false) rows.push(...(await runExplorerLiveBench()));
  return rows;
}

function exposeGc(): () => void {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (existing) return existing;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

function round(value: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

// Run directly (after bundling with esbuild): print the rows. Decided by script name since bundling merges module URLs.
if (/explorer-bench\.[cm]?[jt]s$/.test(process.argv[1] ?? '')) {
  const rows = await runExplorerBench();
  for (const row of rows) console.log(`${row.name.padEnd(56)} ${String(row.value).padStart(12)} ${row.unit}${row.note ? `  (${row.note})` : ''}`);
}
