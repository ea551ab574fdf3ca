/**
 * A decoder script in the QuickJS sandbox: parse a JSON payload and return two fields. Reports µs
 * per message inside the worker (the script's own call) and end to end through the sandbox (batches
 * of messages crossing to the worker thread and back), against the target of 20 µs.
 *
 *   npm run bench -- script-decoder        (BENCH_SECONDS shortens the run)
 */
import os from 'node:os';
import { ScriptSandbox } from '../src-main/core/scripts/script-sandbox';
import type { ScriptMessage } from '../src-main/core/scripts/script-types';
import { DecoderBindings } from '../src-main/core/decoders/decoder-bindings';
import { scriptWorkerFile } from '../src-main/test-support/worker-file';

const TARGET_MICROS = 20;
const BATCH = 500;
const seconds = Number(process.env.BENCH_SECONDS ?? 3);
const load = (): string => os.loadavg().map((l) => l.toFixed(2)).join(' ');

function messages(count: number): ScriptMessage[] {
  const encoder = new TextEncoder();
  return Array.from({ length: count }, (_, i) => ({
    topic: `site/${i % 50}/sensor`,
    payload: encoder.encode(JSON.stringify({ temp: 20 + (i % 10) / 10, hum: 40 + (i % 7), battery: 3.7, id: `sensor-${i}`, ts: 1_700_000_000_000 + i })),
    qos: 0,
    retain: false,
  }));
}

async function main(): Promise<void> {
  const sandbox = new ScriptSandbox({ workerFile: await scriptWorkerFile() });
  const bindings = new DecoderBindings(sandbox);
  try {
    const problems = await bindings.set([{ id: 'bench', filter: 'site/+/sensor', decoder: { kind: 'script', source: 'const v = msg.json();\nreturn { temp: v.temp, hum: v.hum };' } }]);
    if (problems.length > 0) throw new Error(problems[0]!.message);
    const batch = messages(BATCH);
    // Warm up: the worker's first batches compile QuickJS's hot paths.
    for (let i = 0; i < 5; i++) await bindings.decodeBatch(batch);

    let decoded = 0;
    let workerMicros = 0;
    const cpu = process.cpuUsage();
    const started = performance.now();
    while (performance.now() - started < seconds * 1000) {
      const views = await bindings.decodeBatch(batch);
      for (const view of views) if (view === undefined || !view.ok) throw new Error(`decode failed: ${JSON.stringify(view)}`);
      decoded += views.length;
    }
    const endToEnd = ((performance.now() - started) * 1000) / decoded;
    // CPU time of the whole process (host and worker threads): what a message costs, however busy the machine.
    const used = process.cpuUsage(cpu);
    const cpuPerMessage = (used.user + used.system) / decoded;

    // The script's own cost, as the worker measures it (one call, from the message in to the JSON out).
    const loaded = await sandbox.load({ name: 'bench', source: 'const v = msg.json();\nreturn { temp: v.temp, hum: v.hum };' });
    if (!loaded.ok) throw new Error(loaded.error.message);
    const outcomes = await loaded.script.runBatch(messages(5_000));
    for (const outcome of outcomes) workerMicros += outcome.micros;
    const inWorker = workerMicros / outcomes.length;

    // One message per crossing, as a lone inspector request would be.
    const single = messages(1)[0]!;
    const singleStarted = performance.now();
    let singles = 0;
    while (performance.now() - singleStarted < 1000) {
      await loaded.script.run(single);
      singles++;
    }
    const perCrossing = ((performance.now() - singleStarted) * 1000) / singles;

    console.log(`decoder script: JSON.parse of a ${single.payload.length}-byte payload, two fields returned; load average ${load()}`);
    console.table([
      { measure: 'in the worker, per message', 'µs': inWorker.toFixed(1), target: `≤ ${TARGET_MICROS}`, verdict: inWorker <= TARGET_MICROS ? 'met' : 'missed' },
      { measure: `end to end, batches of ${BATCH}`, 'µs': endToEnd.toFixed(1), target: `≤ ${TARGET_MICROS}`, verdict: endToEnd <= TARGET_MICROS ? 'met' : 'missed' },
      { measure: `CPU time, both threads, batches of ${BATCH}`, 'µs': cpuPerMessage.toFixed(1), target: `≤ ${TARGET_MICROS}`, verdict: cpuPerMessage <= TARGET_MICROS ? 'met' : 'missed' },
      { measure: 'end to end, one message per crossing', 'µs': perCrossing.toFixed(1), target: '-', verdict: '-' },
    ]);
    console.log(`${decoded} messages decoded in ${seconds} s; load average now ${load()}`);
  } finally {
    await bindings.close();
    await sandbox.close();
  }
}

await main();
