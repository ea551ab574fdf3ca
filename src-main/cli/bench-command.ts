import { randomUUID } from 'node:crypto';
import { TopiaryError } from '../../shared/ipc/errors';
import { checkTopicName } from '../../shared/mqtt/topic-rules';
import type { TopiaryClient } from '../lib/client';
import { connect } from '../lib';
import { endProgress, intFlag, parseFlags, progress, qosFlag, UsageError, type CliIo, type Command } from './cli-io';
import { CONNECTION_FLAGS, CONNECTION_HELP, connectOptionsFrom } from './connection-flags';

const FLAGS = {
  ...CONNECTION_FLAGS,
  topic: { type: 'string', short: 't' },
  qos: { type: 'string', short: 'q' },
  count: { type: 'string', short: 'n' },
  clients: { type: 'string', short: 'c' },
  size: { type: 'string', short: 's' },
  window: { type: 'string' },
  timeout: { type: 'string' },
  json: { type: 'boolean' },
} as const;

const HELP = `Usage: topiary bench pub|sub|conn [options]

Load generation, bounded in count and time, with a live progress line on a terminal and a final table.

  pub     each client publishes --count messages, keeping --window unacknowledged (QoS 1/2)
  sub     --clients subscribers on one topic; one publisher sends --count messages stamped with their
          send time; reports delivered, lost and end-to-end latency
  conn    connects --clients clients, ten at a time; reports CONNACKs per second and connect latency

  -t, --topic TOPIC   topic (default topiary-bench/<random>)
  -q, --qos 0|1|2     quality of service (default 0)
  -n, --count N       messages per publisher (default 10000)
  -c, --clients N     clients (default 1 for pub and sub, 100 for conn)
  -s, --size BYTES    payload size (default 64, at least 8 for sub)
      --window N      unacknowledged messages per publisher (default 100)
      --timeout S     stop after S seconds whatever is left (default 60)
      --json          the table as JSON

${CONNECTION_HELP}
Examples:
  topiary bench pub -u mqtt://127.0.0.1:1883 -q 1 -n 50000 -c 4
  topiary bench sub -q 2 -n 5000 -c 3
  topiary bench conn -c 500
`;

interface Row {
  readonly [key: string]: string | number;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

function latencyRow(samples: number[]): Row {
  samples.sort((a, b) => a - b);
  const ms = (n: number): string => (Number.isNaN(n) ? '-' : n.toFixed(2));
  return { 'latency p50 ms': ms(percentile(samples, 50)), 'p95 ms': ms(percentile(samples, 95)), 'p99 ms': ms(percentile(samples, 99)), 'max ms': ms(samples[samples.length - 1] ?? NaN) };
}

function print(io: CliIo, row: Row, json: boolean): void {
  if (json) {
    io.stdout.write(`${JSON.stringify(row)}\n`);
    return;
  }
  const w = Math.max(...Object.keys(row).map((k) => k.length));
  for (const [k, v] of Object.entries(row)) io.stdout.write(`${k.padEnd(w)}  ${typeof v === 'number' ? v.toLocaleString('en') : v}\n`);
}

export const benchCommand: Command = {
  help: HELP,
  async run(argv, io) {
    const { values, positionals } = parseFlags(argv, FLAGS, true);
    const mode = positionals[0];
    if (mode === undefined) {
      io.stdout.write(HELP);
      return 2;
    }
    if (!['pub', 'sub', 'conn'].includes(mode)) throw new UsageError(`"${mode}" is not a bench mode; use pub, sub or conn.`);
    const qos = qosFlag(values.qos);
    const count = intFlag(values.count, '--count', 1, 10_000_000) ?? 10_000;
    const clients = intFlag(values.clients, '--clients', 1, 10_000) ?? (mode === 'conn' ? 100 : 1);
    const size = intFlag(values.size, '--size', 0, 10_000_000) ?? 64;
    const window = intFlag(values.window, '--window', 1, 65_535) ?? 100;
    const timeoutS = intFlag(values.timeout, '--timeout', 1, 86_400) ?? 60;
    const topic = values.topic ?? `topiary-bench/${randomUUID().slice(0, 8)}`;
    if (!checkTopicName(topic).ok) throw new TopiaryError('TOPIC_ERROR', `"${topic}" cannot be published to; give a topic without wildcards.`);
    const base = connectOptionsFrom(values, io.env, { reconnect: { enabled: false } });
    const deadline = AbortSignal.any([io.interrupted, AbortSignal.timeout(timeoutS * 1000)]);
    const json = values.json === true;

    if (mode === 'conn') {
      const latencies: number[] = [];
      let failed = 0;
      let firstError = '';
      const live: TopiaryClient[] = [];
      let next = 0;
      const started = performance.now();
      const worker = async (): Promise<void> => {
        while (next < clients && !deadline.aborted) {
          next++;
          const t = performance.now();
          try {
            live.push(await connect({ ...base, clientId: '' }));
            latencies.push(performance.now() - t);
          } catch (e) {
            failed++;
            firstError ||= e instanceof Error ? e.message : String(e);
          }
          progress(io, `connected ${live.length}/${clients}${failed ? `, ${failed} failed` : ''}`);
        }
      };
      await Promise.all(Array.from({ length: Math.min(10, clients) }, worker));
      const seconds = (performance.now() - started) / 1000;
      endProgress(io);
      await Promise.all(live.map((c) => c.end().catch(() => undefined)));
      print(io, { mode: 'conn', clients, connected: latencies.length, failed, 'CONNACKs/s': Math.round(latencies.length / seconds), ...latencyRow(latencies) }, json);
      if (firstError) io.stderr.write(`error: ${failed} connect${failed === 1 ? '' : 's'} failed; the first: ${firstError}\n`);
      return failed > 0 ? 1 : 0;
    }

    const payload = Buffer.alloc(Math.max(size, mode === 'sub' ? 8 : 0), 'x');
    if (mode === 'pub') {
      const publishers = await Promise.all(Array.from({ length: clients }, () => connect(base)));
      const latencies: number[] = [];
      let acked = 0;
      let failed = 0;
      let firstError = '';
      const started = performance.now();
      const ticker = setInterval(() => progress(io, `acknowledged ${acked}/${count * clients}${failed ? `, ${failed} failed` : ''}`), 250);
      try {
        await Promise.all(
          publishers.map(
            (c) =>
              new Promise<void>((resolve) => {
                let sent = 0;
                let settled = 0;
                const pump = (): void => {
                  if (settled === count || (deadline.aborted && settled === sent)) return resolve();
                  while (!deadline.aborted && sent < count && sent - settled < window) {
                    sent++;
                    const t = performance.now();
                    c.publish(topic, payload, { qos, timeoutMs: timeoutS * 1000 }).then(
                      () => {
                        latencies.push(performance.now() - t);
                        acked++;
                        settled++;
                        pump();
                      },
                      (e: unknown) => {
                        failed++;
                        firstError ||= e instanceof Error ? e.message : String(e);
                        settled++;
                        pump();
                      },
                    );
                  }
                };
                pump();
              }),
          ),
        );
      } finally {
        clearInterval(ticker);
        endProgress(io);
      }
      const seconds = (performance.now() - started) / 1000;
      await Promise.all(publishers.map((c) => c.end().catch(() => undefined)));
      const total = count * clients;
      print(io, { mode: 'pub', qos, clients, messages: total, acknowledged: acked, failed, 'not sent (time ran out)': total - acked - failed, 'msg/s': Math.round(acked / seconds), ...latencyRow(latencies) }, json);
      if (firstError) io.stderr.write(`error: ${failed} publish${failed === 1 ? '' : 'es'} failed; the first: ${firstError}\n`);
      return failed > 0 || acked < total ? 1 : 0;
    }

    // sub: several subscribers, one publisher; the payload carries its send time for end-to-end latency.
    const subscribers = await Promise.all(Array.from({ length: clients }, () => connect({ ...base, subscriptions: [{ filter: topic, qos }] })));
    const publisher = await connect(base);
    const latencies: number[] = [];
    let delivered = 0;
    const expected = count * clients;
    const allIn = new Promise<void>((resolve) => {
      for (const s of subscribers) {
        s.on('message', (m) => {
          if (m.payload.byteLength < 8) return;
          const sentAt = Buffer.from(m.payload.buffer, m.payload.byteOffset, 8).readDoubleBE(0);
          latencies.push(performance.timeOrigin + performance.now() - sentAt);
          if (++delivered === expected) resolve();
        });
      }
      deadline.addEventListener('abort', () => resolve(), { once: true });
    });
    const started = performance.now();
    const ticker = setInterval(() => progress(io, `delivered ${delivered}/${expected}`), 250);
    let sent = 0;
    try {
      const inflight = new Set<Promise<unknown>>();
      for (let i = 0; i < count && !deadline.aborted; i++) {
        const body = Buffer.from(payload);
        body.writeDoubleBE(performance.timeOrigin + performance.now(), 0);
        const p = publisher.publish(topic, body, { qos, timeoutMs: timeoutS * 1000 }).then(() => sent++);
        inflight.add(p);
        void p.finally(() => inflight.delete(p)).catch(() => undefined);
        if (inflight.size >= window) await Promise.race(inflight).catch(() => undefined);
      }
      await Promise.allSettled([...inflight]);
      // Give the last deliveries until the deadline, no longer.
      await allIn;
    } finally {
      clearInterval(ticker);
      endProgress(io);
    }
    const seconds = (performance.now() - started) / 1000;
    await Promise.all([publisher, ...subscribers].map((c) => c.end().catch(() => undefined)));
    print(io, { mode: 'sub', qos, subscribers: clients, published: sent, expected, delivered, lost: expected - delivered, 'deliveries/s': Math.round(delivered / seconds), ...latencyRow(latencies) }, json);
    return delivered < expected ? 1 : 0;
  },
};
