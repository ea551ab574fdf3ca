/**
 * Composer payload scripts per message: a burst of 10,000 messages, each computed by a script in the sandbox, through
 * the whole core (contract, template, script, connection) to the embedded broker. Run in the same process, back to
 * back: one crossing to the sandbox worker per message (the old way, `payloadScriptBatch: 1`), then batched
 * (runBatch, up to 250 per crossing), and the same burst without a script for reference.
 *
 *   npm run bench -- transform        (TRANSFORM_BENCH_MESSAGES, default 10,000)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createClient } from '../shared/ipc/client';
import { createMemoryWirePair } from '../shared/ipc/memory-wire';
import type { JobProgress } from '../shared/ipc/publish';
import { createAppCore } from '../src-main/core/app-core';
import { createBroker } from '../src-main/lib';
import { scriptWorkerFile } from '../src-main/test-support/worker-file';

const count = Number(process.env.TRANSFORM_BENCH_MESSAGES ?? 10_000);
const load = (): string => os.loadavg().map((l) => l.toFixed(2)).join(' ');
const SCRIPT = 'const v = msg.json();\nreturn { i: v.i, double: v.i * 2, topic: msg.topic };';

async function burst(batch: number | undefined, withScript: boolean, url: string, workerFile: string): Promise<{ rate: number; report: JobProgress }> {
  const userDataDir = await mkdtemp(path.join(os.tmpdir(), 'topiary-transform-bench-'));
  const core = await createAppCore({ userDataDir, scriptWorkerFile: workerFile, ...(batch !== undefined ? { payloadScriptBatch: batch } : {}) });
  const [coreEnd, clientEnd] = createMemoryWirePair();
  core.attach(coreEnd);
  const client = createClient(clientEnd);
  try {
    const { connectionId } = await client.invoke('connections.connect', { url, protocolVersion: 5, subscriptions: [] });
    const message = { topic: 'bench/tx', payload: { form: 'json' as const, text: '{"i": {{counter}}}' }, qos: 0 as const, ...(withScript ? { transform: { source: SCRIPT } } : {}) };
    // Warm up: the sandbox worker starts and QuickJS compiles its hot paths.
    const warm = await client.invoke('publish.startJob', { connectionId, message, mode: { kind: 'burst', count: 500 } });
    await client.invoke('publish.stopJob', { jobId: warm.jobId }).catch(() => undefined);
    await waitEnded(client, warm.jobId);
    const started = performance.now();
    const job = await client.invoke('publish.startJob', { connectionId, message, mode: { kind: 'burst', count } });
    const report = await waitEnded(client, job.jobId);
    return { rate: report.acknowledged / ((performance.now() - started) / 1000), report };
  } finally {
    client.close();
    await core.close();
    await rm(userDataDir, { recursive: true, force: true });
  }
}

async function waitEnded(client: ReturnType<typeof createClient>, jobId: string): Promise<JobProgress> {
  for (;;) {
    const job = (await client.invoke('publish.listJobs', {})).find((j) => j.jobId === jobId);
    if (job !== undefined && job.state !== 'running') return job;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function main(): Promise<void> {
  const broker = await createBroker({ port: 0 });
  const workerFile = await scriptWorkerFile();
  try {
    console.log(`load average before: ${load()}`);
    const rows: [string, { rate: number; report: JobProgress }][] = [
      ['per-message script, one crossing each (before)', await burst(1, true, broker.url, workerFile)],
      ['per-message script, batched (after)', await burst(undefined, true, broker.url, workerFile)],
      ['no script (reference)', await burst(undefined, false, broker.url, workerFile)],
    ];
    // Other batch sizes to compare, e.g. TRANSFORM_BENCH_BATCHES=100,250.
    for (const size of (process.env.TRANSFORM_BENCH_BATCHES ?? '').split(',').filter((b) => b !== '')) {
      rows.push([`per-message script, batches of ${size}`, await burst(Number(size), true, broker.url, workerFile)]);
    }
    for (const [name, { rate, report }] of rows) {
      console.log(`${name.padEnd(50)} ${String(Math.round(rate)).padStart(8)} msg/s  (${report.acknowledged}/${count} sent, ${report.failed} failed, ${report.state}${report.error ? `: ${report.error.message}` : ""})`);
    }
    const before = rows[0]![1].rate;
    const after = rows[1]![1].rate;
    console.log(`${'batched / one crossing each'.padEnd(50)} ${(after / before).toFixed(2).padStart(8)} ×`);
    console.log(`load average after: ${load()}`);
  } finally {
    await broker.stop();
  }
}

await main();
