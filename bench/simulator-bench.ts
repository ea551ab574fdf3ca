/**
 * 1,000 simulated devices, each its own MQTT connection to the embedded broker (in this process, as in
 * the app), each publishing once a second: do they hold their schedule? Reports the p99 lateness of
 * ticks (start time minus scheduled time) against the target of 50 ms, the rate reached, and
 * the load average beside it, for the built-in temperature scenario and for a sandboxed script.
 *
 *   npm run bench -- simulator        (BENCH_SECONDS sets the measured seconds, default 10)
 */
import os from 'node:os';
import { createBroker } from '../src-main/lib';
import { ScriptSandbox } from '../src-main/core/scripts/script-sandbox';
import { mqttDeviceConnector } from '../src-main/core/simulator/mqtt-device-link';
import { Simulation } from '../src-main/core/simulator/simulation';
import type { SimulationSource } from '../src-main/core/simulator/simulation-types';
import { scriptWorkerFile } from '../src-main/test-support/worker-file';

const DEVICES = Number(process.env.BENCH_DEVICES ?? 1000);
const TARGET_P99_MS = 50;
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const load = (): string => os.loadavg().map((l) => l.toFixed(2)).join(' ');
const wait = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const SOURCES: readonly (readonly [string, SimulationSource])[] = [
  ['scenario temperature', { kind: 'scenario', name: 'temperature' }],
  ['sandboxed script', { kind: 'script', topic: 'bench/{device}/state', source: "const d = msg.json();\nreturn { device: d.device, t: 20 + (d.tick % 10) / 10 };" }],
];

async function main(): Promise<void> {
  const broker = await createBroker({ port: 0 });
  const sandbox = new ScriptSandbox({ workerFile: await scriptWorkerFile() });
  const rows: string[] = [];
  try {
    for (const [name, source] of SOURCES) {
      const connectStart = performance.now();
      const simulation = await Simulation.start({ source, devices: DEVICES, perSecond: 1 }, { connector: mqttDeviceConnector({ url: broker.url }), sandbox });
      const connectS = (performance.now() - connectStart) / 1000;
      // The first second fills the rate window; then measure.
      await wait(1000 + seconds * 1000);
      const status = simulation.status();
      await simulation.stop();
      const ok = status.lateP99Ms <= TARGET_P99_MS ? 'yes' : 'NO';
      rows.push(`| ${name} | ${DEVICES} | ${connectS.toFixed(1)} s | ${status.perSecond.toFixed(0)} | ${status.lateP99Ms.toFixed(1)} ms | ${ok} | ${status.failed} | ${load()} |`);
    }
  } finally {
    await sandbox.close();
    await broker.stop();
  }
  console.log(`\nSimulated devices, each publishing once a second (${seconds} s measured; target p99 lateness ≤ ${TARGET_P99_MS} ms)\n`);
  console.log('| source | devices | connect all | msg/s | p99 lateness | target met | failed | load average (1/5/15 min) |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const row of rows) console.log(row);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
