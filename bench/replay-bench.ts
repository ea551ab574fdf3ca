/**
 * Replay of a capture, as `topiary replay` and the library's replay() run it, against a bare MQTT.js publisher
 * sending the same messages, in the same run, to the same mosquitto:
 * - "as fast as possible" at QoS 0: the replay's rate (its check pass of the file included) over the bare
 *   publisher's (messages already in memory, the same window of unwritten packets as the publish bench);
 *   goal ≥ 0.9×. Both are timed from their connection up to the last message received by one outside
 *   subscriber (mosquitto_sub, a process of its own, so its CPU is not counted as the publishers').
 * - at the original timing: the gaps between messages as an outside subscriber receives them against the
 *   gaps recorded in the capture; goal p99 of the difference ≤ 5 ms. Beside it, a bare MQTT.js publisher sending
 *   the same messages on the same schedule: on a busy machine late timers, not the replay, set the figure.
 *
 *   npm run bench -- replay-bench     about 2.5 minutes idle: the fast part ~90 s, the timed part 4 × 10 s
 *   REPLAY_BENCH_STEPS=timed REPLAY_BENCH_TIMED_ROUNDS=5 npm run bench -- replay-bench   the timed figure alone, 5,000 gaps a side (~2 min)
 *   REPLAY_BENCH_MESSAGES=N    messages in the capture for the fast replay (default 1,000,000)
 *   REPLAY_BENCH_TIMED=N       messages in the capture replayed at the original timing (default 1,000)
 *   REPLAY_BENCH_TIMED_ROUNDS=N  rounds of the timed replay and of the bare publisher, alternating (default 2)
 *   REPLAY_BENCH_STEPS=LIST    only some of: fast,timed (default both)
 */
import mqtt from 'mqtt';
import { spawn } from 'node:child_process';
import { closeSync, createWriteStream, openSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { CAPTURE_VERSION, captureLine, readCapture, type CaptureMessage } from '../src-main/core/history/capture';
import { connect } from '../src-main/lib';
import { replay } from '../src-main/lib/history';
import { startMosquitto } from '../src-main/test-support/mosquitto';
import { seededRandom } from '../src-main/test-support/seeded-random';
import { waitFor } from '../src-main/test-support/wait-for';

const MESSAGES = Number(process.env.REPLAY_BENCH_MESSAGES ?? 1_000_000);
const TIMED = Number(process.env.REPLAY_BENCH_TIMED ?? 1_000);
const STEPS = new Set((process.env.REPLAY_BENCH_STEPS ?? 'fast,timed').split(','));
const TIMED_ROUNDS = Number(process.env.REPLAY_BENCH_TIMED_ROUNDS ?? 2);
const WINDOW = 500;
const load = (): string => (os.loadavg()[0] ?? 0).toFixed(1);
const fmt = (n: number): string => Math.round(n).toLocaleString('en');
const encoder = new TextEncoder();

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/** Writes a capture of `count` flood-shaped messages (100-byte JSON payloads, 10,000 topics), message i at gap(i) after i − 1. */
async function writeCapture(file: string, prefix: string, count: number, gap: (i: number) => number): Promise<number[]> {
  const out = createWriteStream(file);
  const startedAt = Date.now();
  out.write(`${JSON.stringify({ topiaryCapture: CAPTURE_VERSION, startedAt })}\n`);
  const times: number[] = [];
  let t = 0;
  for (let i = 0; i < count; i++) {
    t += i === 0 ? 0 : gap(i);
    times.push(t);
    const body = `{"seq":${i},"state":"ok","v":${(i * 7) % 1000},"pad":"`;
    const payload = encoder.encode(`${body}${'x'.repeat(Math.max(0, 98 - body.length))}"}`);
    const line = captureLine({ topic: `${prefix}/${i % 100}/${Math.floor(i / 100) % 100}`, payload, qos: 0, retain: false, dup: false, receivedAt: startedAt + t }, startedAt);
    if (!out.write(line)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  return times;
}

const PROBE = 'bench-probe/ready';

/**
 * An outside subscriber to `filter` that resolves `received` when `count` messages came (its exit); started and
 * subscribed before this returns: it subscribes to a retained probe with the filter and has printed it.
 */
async function outsideSubscriber(port: number, dir: string, filter: string, count: number): Promise<{ readonly received: Promise<void>; stop(): void }> {
  const out = path.join(dir, `subscriber-${Date.now()}.txt`);
  const fd = openSync(out, 'w');
  const child = spawn('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(port), '-V', 'mqttv5', '-t', filter, '-t', PROBE, '-C', String(count + 1), '-F', '%t'], { stdio: ['ignore', fd, 'pipe'] });
  closeSync(fd);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const received = new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`mosquitto_sub ended (${code ?? signal}) before ${count} messages: ${stderr}`))));
  });
  received.catch(() => undefined);
  await waitFor(async () => (await stat(out)).size > 0, { timeoutMs: 10_000 });
  return { received, stop: () => child.kill() };
}

/** Runs `publish` (which resolves with its start time), then waits for the subscriber's last message; resolves with msg/s. */
async function receivedRate(port: number, dir: string, filter: string, count: number, publish: () => Promise<number>): Promise<number> {
  const subscriber = await outsideSubscriber(port, dir, filter, count);
  try {
    const started = await publish();
    let late: NodeJS.Timeout | undefined;
    // Nothing more arrives a while after the publisher finished: a message was lost, which the figure must not hide.
    await Promise.race([subscriber.received, new Promise((_, reject) => (late = setTimeout(() => reject(new Error(`The subscriber did not receive all ${count} messages.`)), 60_000)))]);
    clearTimeout(late);
    return count / ((performance.now() - started) / 1000);
  } finally {
    subscriber.stop();
  }
}

/** The bare publisher: every message already in memory, at most WINDOW unwritten at once; resolves with its start time. */
async function barePublish(url: string, messages: readonly CaptureMessage[]): Promise<number> {
  const client = await mqtt.connectAsync(url, { protocolVersion: 5 });
  (client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    let sent = 0;
    let done = 0;
    const pump = (): void => {
      while (sent - done < WINDOW && sent < messages.length) {
        const m = messages[sent++]!;
        client.publish(m.topic, Buffer.from(m.payload.buffer, m.payload.byteOffset, m.payload.byteLength), { qos: m.qos, retain: m.retain }, (error) => {
          if (error) return reject(error);
          if (++done === messages.length) resolve();
          else if (sent - done < WINDOW / 2) pump();
        });
      }
    };
    pump();
  });
  await client.endAsync();
  return started;
}

/** The replay as `topiary replay --max` runs it; resolves with its start time. */
async function replayPublish(url: string, file: string, count: number): Promise<number> {
  const client = await connect({ url, protocolVersion: 5 });
  const started = performance.now();
  let report;
  try {
    report = await replay(client, { file, speed: 'max' }).done;
  } finally {
    await client.end();
  }
  if (report.sent !== count || report.refused !== 0) throw new Error(`The replay sent ${report.sent} of ${count} (${report.refused} refused): ${report.errors.join('; ')}`);
  return started;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'topiary-replay-bench-'));
  const broker = await startMosquitto();
  const rows: [string, string, string][] = [];
  const row = (name: string, value: string, note: string): void => {
    rows.push([name, value, `${note}; load ${load()}`]);
    console.log(`${name}: ${value} (${note}) [load ${load()}]`);
  };
  try {
    const probe = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
    await probe.publishAsync(PROBE, 'ready', { qos: 1, retain: true });
    await probe.endAsync();
    if (STEPS.has('fast')) {
      // 1. As fast as possible, QoS 0: replay and bare publisher alternate, twice each, best of each kept.
      const file = path.join(dir, 'flood.ndjson');
      await writeCapture(file, 'fast', MESSAGES, () => 0.02);
      const inMemory: CaptureMessage[] = [];
      for await (const m of readCapture(file)) inMemory.push(m);
      const replayRates: number[] = [];
      const bareRates: number[] = [];
      const replayCpu: number[] = [];
      const bareCpu: number[] = [];
      // This process's CPU per message: the publishers' own cost, steadier than rates on a busy machine.
      const cpuUs = async (fn: () => Promise<number>, rates: number[], cpus: number[]): Promise<void> => {
        const before = process.cpuUsage();
        rates.push(await fn());
        const used = process.cpuUsage(before);
        cpus.push((used.user + used.system) / MESSAGES);
      };
      for (let run = 0; run < 2; run++) {
        await cpuUs(() => receivedRate(broker.port, dir, 'fast/#', MESSAGES, () => replayPublish(broker.url, file, MESSAGES)), replayRates, replayCpu);
        await cpuUs(() => receivedRate(broker.port, dir, 'fast/#', MESSAGES, () => barePublish(broker.url, inMemory)), bareRates, bareCpu);
      }
      const replayBest = Math.max(...replayRates);
      const bareBest = Math.max(...bareRates);
      const ratio = replayBest / bareBest;
      row(
        `replay of ${fmt(MESSAGES)} messages as fast as possible, QoS 0 / bare MQTT.js`,
        `${fmt(replayBest)} / ${fmt(bareBest)} msg/s = ${ratio.toFixed(2)}×`,
        `CPU per message ${Math.min(...replayCpu).toFixed(2)} / ${Math.min(...bareCpu).toFixed(2)} µs; capture ${fmt((await stat(file)).size / 2 ** 20)} MB, check pass included, to the last message received by a subscriber; runs ${replayRates.map(fmt).join(', ')} / ${bareRates.map(fmt).join(', ')}; ${ratio >= 0.9 ? 'meets' : 'MISSES'} ≥ 0.9×`,
      );
    }

    if (STEPS.has('timed')) {
      // 2. At the original timing: gaps of 0–20 ms, as an outside subscriber receives them. The same-run baseline is a
      // bare MQTT.js publisher sending the same messages on the same schedule (setTimeout against one clock): what
      // the machine's timers and the broker allow, since on a busy machine a timer fires late by whatever the
      // scheduler makes it wait.
      const timedFile = path.join(dir, 'timed.ndjson');
      const random = seededRandom(14);
      const recorded = await writeCapture(timedFile, 'timed', TIMED, () => Math.floor(random() * 21));
      const timedMessages: CaptureMessage[] = [];
      for await (const m of readCapture(timedFile)) timedMessages.push(m);
      // Each publisher's gaps as an outside subscriber (mosquitto_sub, its own process) stamps their arrival, so
      // the publisher's event loop does not also stamp the arrivals. Replay and bare publisher alternate, ROUNDS
      // times each, and the gap errors of each are pooled: a burst of load on the machine falls on both.
      const gapErrors = async (send: () => Promise<void>): Promise<number[]> => {
        const out = path.join(dir, `timed-${Date.now()}.txt`);
        const fd = openSync(out, 'w');
        const child = spawn('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(broker.port), '-V', 'mqttv5', '-t', 'timed/#', '-t', PROBE, '-C', String(TIMED + 1), '-F', '%t %U'], { stdio: ['ignore', fd, 'pipe'] });
        closeSync(fd);
        let stderr = '';
        child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
        const exited = new Promise<void>((resolve, reject) => {
          child.on('error', reject);
          child.on('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`mosquitto_sub ended (${code ?? signal}) before ${TIMED} messages: ${stderr}`))));
        });
        exited.catch(() => undefined);
        try {
          await waitFor(async () => (await stat(out)).size > 0, { timeoutMs: 10_000 });
          await send();
          let late: NodeJS.Timeout | undefined;
          await Promise.race([exited, new Promise((_, reject) => (late = setTimeout(() => reject(new Error(`The subscriber did not receive all ${TIMED} messages.`)), 10_000)))]);
          clearTimeout(late);
        } finally {
          child.kill();
        }
        // "%U" is seconds with nanoseconds; as milliseconds after the first arrival, to keep the digits a double holds.
        const stamps = (await readFile(out, 'utf8'))
          .split('\n')
          .filter((l) => l.startsWith('timed/'))
          .map((l) => l.slice(l.lastIndexOf(' ') + 1).split('.') as [string, string]);
        if (stamps.length !== TIMED) throw new Error(`The subscriber received ${stamps.length} of ${TIMED}.`);
        const s0 = Number(stamps[0]![0]);
        const arrivals = stamps.map(([s, ns]) => (Number(s) - s0) * 1000 + Number(ns) / 1e6);
        const errors: number[] = [];
        for (let i = 1; i < TIMED; i++) errors.push(Math.abs(arrivals[i]! - arrivals[i - 1]! - (recorded[i]! - recorded[i - 1]!)));
        return errors;
      };
      const bareTimed = async (): Promise<void> => {
        const client = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
        (client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
        try {
          const start = performance.now();
          for (const m of timedMessages) {
            const wait = start + m.t - performance.now();
            if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
            client.publish(m.topic, Buffer.from(m.payload.buffer, m.payload.byteOffset, m.payload.byteLength), { qos: 0 });
          }
        } finally {
          await client.endAsync();
        }
      };
      const replayTimed = async (): Promise<void> => {
        const client = await connect({ url: broker.url, protocolVersion: 5 });
        try {
          const report = await replay(client, { file: timedFile, speed: 1 }).done;
          if (report.sent !== TIMED) throw new Error(`The replay sent ${report.sent} of ${TIMED}.`);
        } finally {
          await client.end();
        }
      };
      const replayErrors: number[] = [];
      const bareErrors: number[] = [];
      const replayCpuTimed: number[] = [];
      for (let round = 0; round < TIMED_ROUNDS; round++) {
        const cpu0 = process.cpuUsage();
        replayErrors.push(...(await gapErrors(replayTimed)));
        const cpu = process.cpuUsage(cpu0);
        replayCpuTimed.push((cpu.user + cpu.system) / 1000);
        bareErrors.push(...(await gapErrors(bareTimed)));
      }
      const summary = (errors: readonly number[]): string => `p50 ${percentile(errors, 50).toFixed(2)}, p99 ${percentile(errors, 99).toFixed(2)}, max ${Math.max(...errors).toFixed(2)} ms`;
      const p99 = percentile(replayErrors, 99);
      row(
        `replay of ${fmt(TIMED)} messages at the original timing (gaps 0–20 ms): gap error, replay / bare MQTT.js on timers`,
        `${summary(replayErrors)} / ${summary(bareErrors)}`,
        `as mosquitto_sub stamps their arrival, ${TIMED_ROUNDS} rounds each, alternating; replay CPU ${(replayCpuTimed.reduce((x, y) => x + y, 0) / TIMED_ROUNDS / 1000).toFixed(2)} s a round (${((recorded.at(-1) ?? 0) / 1000).toFixed(1)} s long); ${p99 <= 5 ? 'meets' : 'MISSES'} p99 ≤ 5 ms${p99 > 5 && p99 <= percentile(bareErrors, 99) + 1 ? ' (no worse than the bare publisher: the machine\'s timers are the limit)' : ''}`,
      );
    }
  } finally {
    await broker.stop();
    await rm(dir, { recursive: true, force: true });
  }
  console.log('\n| figure | value | note |\n|---|---|---|');
  for (const [name, value, note] of rows) console.log(`| ${name} | ${value} | ${note} |`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
