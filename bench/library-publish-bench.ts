/**
 * Library publish rate: `client.publish()` from the library (the core's Connection under it) against a bare
 * MQTT.js client, publishing the same burst with the same window of unacknowledged messages, in the same run,
 * against the same mosquitto, at QoS 0, 1 and 2. Each side runs three times, alternating; medians count. The CPU ratio (bare CPU per message / library's)
 * is printed beside the rate ratio because, on a busy machine, it varies far less.
 *
 *   npm run bench -- library-publish        BENCH_MESSAGES=20000 for a shorter run
 */
import mqtt from 'mqtt';
import { connect } from '../src-main/lib';
import { startMosquitto } from '../src-main/test-support/mosquitto';

const PAYLOAD = Buffer.from('x'.repeat(64));

type Publish = (done: (error?: Error) => void) => void;

interface Run {
  readonly rate: number;
  /** CPU time of this process per message, in µs: less sensitive than the rate to other work on the machine. */
  readonly cpuUs: number;
}

/** Publishes `count` messages keeping at most `window` unacknowledged. */
function pump(count: number, window: number, publish: Publish): Promise<Run> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  return new Promise<Run>((resolve, reject) => {
    let sent = 0;
    let done = 0;
    const next = (): void => {
      while (sent - done < window && sent < count) {
        sent++;
        publish((error) => {
          if (error) return reject(error);
          if (++done === count) {
            const used = process.cpuUsage(cpu);
            resolve({ rate: count / ((performance.now() - started) / 1000), cpuUs: (used.user + used.system) / count });
          }
          else next();
        });
      }
    };
    next();
  });
}

async function bareRate(url: string, qos: 0 | 1 | 2, count: number, window: number): Promise<Run> {
  const client = await mqtt.connectAsync(url, { protocolVersion: 5 });
  (client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
  try {
    return await pump(count, window, (done) => client.publish('bench/bare', PAYLOAD, { qos }, (e) => done(e ?? undefined)));
  } finally {
    await client.endAsync();
  }
}

async function libraryRate(url: string, qos: 0 | 1 | 2, count: number, window: number): Promise<Run> {
  const client = await connect({ url, protocolVersion: 5 });
  try {
    return await pump(count, window, (done) =>
      client.publish('bench/lib', PAYLOAD, { qos }).then(
        () => done(),
        (e: Error) => done(e),
      ),
    );
  } finally {
    await client.end();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

const count = Number(process.env.BENCH_MESSAGES ?? 50_000);
const broker = await startMosquitto();
try {
  console.log(`library vs bare MQTT.js, ${count} messages of 64 B per run, mosquitto on 127.0.0.1, load ${(await import('node:os')).loadavg()[0]!.toFixed(2)}`);
  console.log(
    `${'QoS'.padEnd(5)}${'window'.padStart(8)}${'library msg/s'.padStart(16)}${'bare msg/s'.padStart(14)}${'rate ratio'.padStart(12)}${'library µs/msg'.padStart(16)}${'bare µs/msg'.padStart(13)}${'CPU ratio'.padStart(11)}`,
  );
  // The broker's receive maximum bounds the unacknowledged QoS 1/2 messages (mosquitto refuses more QoS 2 with 0x97).
  const probe = await connect({ url: broker.url, protocolVersion: 5 });
  const receiveMaximum = probe.info.broker?.receiveMaximum ?? 100;
  await probe.end();
  for (const qos of [0, 1, 2] as const) {
    const window = qos === 0 ? 500 : Math.min(receiveMaximum, 100);
    const bare: Run[] = [];
    const lib: Run[] = [];
    for (let round = 0; round < 3; round++) {
      bare.push(await bareRate(broker.url, qos, count, window));
      lib.push(await libraryRate(broker.url, qos, count, window));
    }
    const rate = (runs: Run[]): number => median(runs.map((r) => r.rate));
    const cpu = (runs: Run[]): number => median(runs.map((r) => r.cpuUs));
    console.log(
      `${String(qos).padEnd(5)}${String(window).padStart(8)}${Math.round(rate(lib)).toLocaleString('en').padStart(16)}${Math.round(rate(bare)).toLocaleString('en').padStart(14)}` +
        `${(rate(lib) / rate(bare)).toFixed(2).padStart(12)}${cpu(lib).toFixed(1).padStart(16)}${cpu(bare).toFixed(1).padStart(13)}${(cpu(bare) / cpu(lib)).toFixed(2).padStart(11)}`,
    );
  }
} finally {
  await broker.stop();
}
