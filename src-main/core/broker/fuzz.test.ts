import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { createBroker, type Broker } from './index';
import { runFuzz } from '../../test-support/mqtt-fuzz';

/**
 * Random and damaged frames against the embedded broker while a well-behaved client is served.
 * `npm test` runs a short pass; the full run of a million frames:
 *   TOPIARY_FUZZ_FRAMES=1000000 npx vitest run src-main/core/broker/fuzz.test.ts
 * `npm test` uses one seed, so that its runs are alike; TOPIARY_FUZZ_SEED=random tries a new one (named in the test's
 * title), and TOPIARY_FUZZ_SEED=<n> replays a run.
 */
const FRAMES = Number(process.env.TOPIARY_FUZZ_FRAMES ?? 10_000);
const SEED_ENV = process.env.TOPIARY_FUZZ_SEED;
const SEED = SEED_ENV === 'random' ? Date.now() % 1_000_000 : Number(SEED_ENV ?? 20_261_207);

let broker: Broker | undefined;
const clients: MqttClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true).catch(() => undefined)));
  await broker?.stop();
  broker = undefined;
});

describe('fuzzing', () => {
  it(`survives ${FRAMES} random and damaged frames (seed ${SEED}) with a healthy client served throughout and memory bounded`, async () => {
    // Small queues keep what fuzz clients may legitimately make us hold small, so growth means a leak.
    broker = createBroker({ sysInterval: 1, listeners: [{ kind: 'tcp', port: 0 }], limits: { maxQueued: 100, connectTimeout: 2 } });
    const port = (await broker.start())[0]!.port;
    const healthy = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0, protocolVersion: 5, clientId: 'healthy' });
    clients.push(healthy);
    await healthy.subscribeAsync('health/#', { qos: 1 });
    const pending = new Map<string, number>();
    let roundTrips = 0;
    let worstMs = 0;
    healthy.on('message', (_t, p) => {
      const sentAt = pending.get(String(p));
      if (sentAt === undefined) return;
      pending.delete(String(p));
      roundTrips++;
      worstMs = Math.max(worstMs, Date.now() - sentAt);
    });
    let seq = 0;
    const ping = setInterval(() => {
      const tag = String(++seq);
      pending.set(tag, Date.now());
      void healthy.publishAsync('health/ping', tag, { qos: 1 }).catch(() => undefined);
    }, 50);
    const baseline = process.memoryUsage().heapUsed;
    let peakHeap = baseline;
    const before = broker.getStats().messagesReceived;
    const started = Date.now();
    let nextReport = 100_000;
    let result;
    try {
      result = await runFuzz({
        port,
        frames: FRAMES,
        seed: SEED,
        onProgress: (sent) => {
          peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
          // Long runs say how far they are.
          if (FRAMES >= 100_000 && sent >= nextReport) {
            nextReport += 100_000;
            console.log(`fuzz: ${sent} frames sent, ${((Date.now() - started) / 1000).toFixed(0)} s, heap +${((peakHeap - baseline) / 1e6).toFixed(1)} MB`);
          }
        },
      });
    } finally {
      clearInterval(ping);
    }
    const seconds = (Date.now() - started) / 1000;
    const handled = broker.getStats().messagesReceived - before;
    console.log(
      `fuzz: ${result.frames} frames over ${result.connections} connections in ${seconds.toFixed(1)} s, broker read ${handled}; ` +
        `healthy round trips ${roundTrips}, worst ${worstMs} ms; heap +${((peakHeap - baseline) / 1e6).toFixed(1)} MB; seed ${SEED}`,
    );
    // Every ping sent during the run comes back.
    const lastTag = String(seq);
    await expect.poll(() => !pending.has(lastTag) && pending.size === 0, { timeout: 10_000 }).toBe(true);
    expect(healthy.connected).toBe(true);
    expect(result.frames).toBeGreaterThanOrEqual(FRAMES);
    // Frames the broker read (damage ends a connection early, so fewer than sent).
    expect(handled).toBeGreaterThan(FRAMES / 4);
    // One ping every 50 ms; a busy machine delays the timer itself, so ask for a fifth of them.
    expect(roundTrips).toBeGreaterThanOrEqual(Math.floor(seconds * 4));
    expect(peakHeap - baseline).toBeLessThan(256 * 1024 * 1024);
    // Fuzz clients are gone; the healthy one is still there.
    await expect.poll(() => broker!.getStats().clientsConnected, { timeout: 5000 }).toBe(1);
  }, Math.max(120_000, FRAMES * 3));
});
