// QoS 1 throughput and latency over each transport of the embedded broker, in one run: TCP and TLS, and the datagram
// transports (mqtt-udp, mqtts-dtls) directly and through the UDP fault proxy at 5% loss (both directions), and TCP and
// TLS at 5% loss on listeners of their own, through nftables drop rules (test-support/tcp-loss.ts; needs root and nft,
// and is skipped with the reason when either is missing).
// One MQTT.js publisher keeps WINDOW QoS 1 publishes in flight; one subscriber (QoS 1) stamps each arrival.
//   npm run bench -- transports      (BENCH_SECONDS sets each run's length, default 3)
import { loadavg } from 'node:os';
import type { IClientOptions, MqttClient } from 'mqtt';
import { createBroker } from '../src-main/core/broker/index';
import { connectMqtt, setDatagramTarget, loadDtlsTransport } from '../src-main/core/transport/mqtt-datagram-client';
import { createTestPki } from '../src-main/test-support/pki';
import { startTcpLoss } from '../src-main/test-support/tcp-loss';
import { startUdpFaultProxy } from '../src-main/test-support/udp-fault-proxy';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const WINDOW = 32;
const PAYLOAD_BYTES = 64;

interface Row {
  readonly transport: string;
  readonly loss: string;
  readonly msgsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly retransmitted: string;
}

function options(kind: string, port: number, ca: string, clientId: string): IClientOptions {
  const o: IClientOptions = { host: '127.0.0.1', port, clientId, protocolVersion: 5, reconnectPeriod: 0, connectTimeout: 20_000, keepalive: 30 };
  if (kind === 'tcp') return { ...o, protocol: 'mqtt' };
  if (kind === 'tls') return { ...o, protocol: 'mqtts', ca: [ca], servername: 'localhost' };
  const d: IClientOptions = { ...o, protocol: 'mqtt' };
  setDatagramTarget(d, kind === 'udp' ? { scheme: 'mqtt-udp', host: '127.0.0.1', port } : { scheme: 'mqtts-dtls', host: '127.0.0.1', port, dtls: { ca: [ca], rejectUnauthorized: true } });
  return d;
}

function connected(client: MqttClient): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    client.once('connect', () => resolve(client));
    client.once('error', reject);
  });
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
}

async function measure(kind: string, port: number, ca: string, loss: string): Promise<Row> {
  const sub = await connected(connectMqtt(options(kind, port, ca, `bench-sub-${kind}-${loss}`)));
  const pub = await connected(connectMqtt(options(kind, port, ca, `bench-pub-${kind}-${loss}`)));
  const topic = `bench/${kind}/${loss}`;
  await sub.subscribeAsync(topic, { qos: 1 });
  const latencies: number[] = [];
  sub.on('message', (_t, payload) => latencies.push(performance.now() - payload.readDoubleBE(0)));
  let acked = 0;
  let stop = false;
  const payload = (): Buffer => {
    const b = Buffer.alloc(PAYLOAD_BYTES);
    b.writeDoubleBE(performance.now(), 0);
    return b;
  };
  const started = performance.now();
  await new Promise<void>((resolve) => {
    let inFlight = 0;
    const next = (): void => {
      while (!stop && inFlight < WINDOW) {
        inFlight++;
        pub.publish(topic, payload(), { qos: 1 }, () => {
          inFlight--;
          acked++;
          if (stop && inFlight === 0) resolve();
          else next();
        });
      }
    };
    next();
    setTimeout(() => {
      stop = true;
      if (inFlight === 0) resolve();
    }, SECONDS * 1000);
  });
  const elapsed = (performance.now() - started) / 1000;
  const retransmitted = (s: MqttClient): number => ((s.stream as unknown as { stats?: { retransmitted: number } }).stats?.retransmitted ?? 0);
  const rtx = kind === 'udp' || kind === 'dtls' ? String(retransmitted(pub) + retransmitted(sub)) : '-';
  await Promise.all([pub.endAsync(), sub.endAsync()]);
  const sorted = [...latencies].sort((a, b) => a - b);
  return { transport: kind, loss, msgsPerSecond: Math.round(acked / elapsed), p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99), retransmitted: rtx };
}

async function main(): Promise<void> {
  // DTLS loads on first use (mqtt-datagram-client.ts); connectMqtt is called directly here, so load it first.
  await loadDtlsTransport();
  const pki = createTestPki();
  const tls = { key: pki.text('direct.key'), cert: pki.text('direct.crt') };
  const ca = pki.text('root.crt');
  const broker = createBroker({
    sysInterval: 0,
    listeners: [
      { kind: 'tcp', port: 0 },
      { kind: 'tls', port: 0, ...tls },
      { kind: 'udp', port: 0 },
      { kind: 'dtls', port: 0, ...tls },
      // Listeners of their own for TCP and TLS under loss, so the drop rules touch nothing else.
      { kind: 'tcp', port: 0 },
      { kind: 'tls', port: 0, ...tls },
    ],
  });
  const bound = await broker.start();
  const portOf = (kind: string): number => bound.find((l) => l.kind === kind)!.port;
  const lossyPortOf = (kind: string): number => bound.filter((l) => l.kind === kind)[1]!.port;
  const rows: Row[] = [];
  const notes: string[] = [];
  try {
    for (const kind of ['tcp', 'tls', 'udp', 'dtls']) rows.push(await measure(kind, portOf(kind), ca, '0%'));
    for (const kind of ['udp', 'dtls']) {
      const proxy = await startUdpFaultProxy({ targetPort: portOf(kind), seed: 5, dropRate: 0.05 });
      try {
        rows.push(await measure(kind, proxy.port, ca, '5%'));
      } finally {
        await proxy.close();
      }
    }
    const loss = await startTcpLoss([lossyPortOf('tcp'), lossyPortOf('tls')], 5);
    if (!loss.ok) notes.push(`TCP and TLS at 5% loss skipped: ${loss.reason}.`);
    else {
      try {
        for (const kind of ['tcp', 'tls']) rows.push(await measure(kind, lossyPortOf(kind), ca, '5%'));
        notes.push(`TCP and TLS at 5%: nftables dropped ${await loss.dropped()} loopback packets (segments can hold several messages).`);
      } finally {
        await loss.remove();
      }
    }
  } finally {
    await broker.stop();
    pki.cleanup();
  }
  console.log(`QoS 1, ${PAYLOAD_BYTES}-byte payloads, ${WINDOW} in flight, ${SECONDS} s each, one publisher and one subscriber, embedded broker`);
  console.log('transport | loss | msg/s | p50 ms | p99 ms | retransmitted datagrams');
  for (const r of rows) console.log(`${r.transport} | ${r.loss} | ${r.msgsPerSecond} | ${r.p50Ms.toFixed(1)} | ${r.p99Ms.toFixed(1)} | ${r.retransmitted}`);
  for (const note of notes) console.log(note);
  console.log(`load average: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
