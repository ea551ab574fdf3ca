import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import mqtt, { type MqttClient } from 'mqtt';

/** A load of real MQTT.js clients: publishers keeping a window of publishes awaiting their ack, subscribers acknowledging at their own pace. */
export interface FloodOptions {
  readonly url: string;
  readonly publishers: number;
  readonly subscribers: number;
  /** Messages each publisher sends. */
  readonly perPublisher: number;
  readonly qos: 0 | 1 | 2;
  /** Publishes each publisher keeps awaiting PUBACK/PUBCOMP. */
  readonly window: number;
  readonly payloadBytes?: number;
  /** Subscribers take a 1 ms pause every this many messages before acknowledging (a slow device); 0 = never. */
  readonly subscriberPauseEvery?: number;
  readonly protocolVersion?: 4 | 5;
  /** Topic prefix: publisher i publishes on `${prefix}/i`, subscribers take `${prefix}/#`. */
  readonly prefix?: string;
  /** Subscribers keep their session (clean session false), so a persisting broker stores their messages. */
  readonly persistentSubscribers?: boolean;
  /** Give up waiting for stragglers after this long without a new delivery. */
  readonly settleMs?: number;
  /**
   * Runs each publisher and each subscriber in a process of its own, started by this function with the given
   * arguments (which the process hands to `floodClientMain`): so the clients, not sharing one event loop, are not
   * the bottleneck when brokers are compared. Without it, every client runs in this process.
   */
  readonly clientProcess?: (args: readonly string[]) => ChildProcess;
}

export interface FloodResult {
  /** Publishes the broker acknowledged (all sent ones at QoS 0). */
  readonly acknowledged: number;
  /** Messages that reached subscribers, summed over subscribers. */
  readonly delivered: number;
  /** acknowledged × subscribers − delivered, never below 0. */
  readonly lost: number;
  /** Delivered messages per second, from the first publish to the last delivery. */
  readonly deliveredPerSecond: number;
  /** Subscribers that received some message twice (only counted at QoS 2, where that must not happen). */
  readonly duplicates: number;
  /** CPU seconds the client processes used while timed (only with `clientProcess`). */
  readonly clientCpuSeconds?: number;
}

/** Runs one fan-in or fan-out flood to completion and counts what was acknowledged and what arrived. */
export async function runFlood(o: FloodOptions): Promise<FloodResult> {
  if (o.clientProcess) return runFloodInProcesses(o, o.clientProcess);
  const prefix = o.prefix ?? `flood-${process.pid}-${Date.now()}`;
  const payload = Buffer.alloc(o.payloadBytes ?? 100, 0x61);
  const clients: MqttClient[] = [];
  const connect = async (clientId: string, clean = true): Promise<MqttClient> => {
    const c = await mqtt.connectAsync(o.url, { clientId, protocolVersion: o.protocolVersion ?? 4, clean, reconnectPeriod: 0, keepalive: 60 });
    c.on('error', () => undefined);
    clients.push(c);
    return c;
  };
  try {
    // One tally for every subscriber: the flood counts what arrived in all.
    const tally: DeliveryTally = { delivered: 0, duplicates: 0, lastDeliveryAt: Date.now() };
    for (let s = 0; s < o.subscribers; s++) {
      const sub = await connect(`${prefix}-sub-${s}`, !o.persistentSubscribers);
      countDeliveries(sub, o.qos, o.subscriberPauseEvery ?? 0, tally);
      await sub.subscribeAsync(`${prefix}/#`, { qos: o.qos });
    }
    const publishers = await Promise.all(Array.from({ length: o.publishers }, (_, i) => connect(`${prefix}-pub-${i}`)));
    const started = Date.now();
    const acks = await Promise.all(publishers.map((pub, i) => publishWindowed(pub, `${prefix}/${i}`, payload, o.perPublisher, o.qos, o.window)));
    const acknowledged = acks.reduce((a, b) => a + b, 0);
    const expected = acknowledged * o.subscribers;
    const settleMs = o.settleMs ?? 3000;
    while (tally.delivered < expected && Date.now() - tally.lastDeliveryAt < settleMs) await new Promise((r) => setTimeout(r, 20));
    const { delivered, duplicates, lastDeliveryAt } = tally;
    const seconds = Math.max(0.001, (lastDeliveryAt - started) / 1000);
    return { acknowledged, delivered, lost: Math.max(0, expected - delivered), deliveredPerSecond: delivered / seconds, duplicates };
  } finally {
    await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
  }
}

/** What subscribers received, counted as it arrives. */
interface DeliveryTally {
  delivered: number;
  /** Messages seen twice by one subscriber (by publisher topic and sequence number); counted at QoS 2 only. */
  duplicates: number;
  lastDeliveryAt: number;
}

/** Counts a subscriber's deliveries into `tally`, holding back every `pauseEvery`-th acknowledgement for 1 ms (0: never). */
function countDeliveries(client: MqttClient, qos: 0 | 1 | 2, pauseEvery: number, tally: DeliveryTally): void {
  const seen = qos === 2 ? new Set<string>() : undefined;
  let n = 0;
  client.handleMessage = (packet, done) => {
    tally.delivered++;
    tally.lastDeliveryAt = Date.now();
    if (seen) {
      const key = `${packet.topic}:${(packet.payload as Buffer).readUInt32BE(0)}`;
      if (seen.has(key)) tally.duplicates++;
      seen.add(key);
    }
    if (pauseEvery > 0 && ++n % pauseEvery === 0) setTimeout(done, 1);
    else done();
  };
}

/** Publishes `count` messages keeping `window` unacknowledged; resolves with how many were acknowledged. */
function publishWindowed(client: MqttClient, topic: string, payload: Buffer, count: number, qos: 0 | 1 | 2, window: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let acked = 0;
    const next = (): void => {
      if (sent >= count) return;
      const body = Buffer.from(payload);
      body.writeUInt32BE(sent++, 0);
      client.publish(topic, body, { qos }, (err) => {
        if (err) return reject(err);
        if (++acked === count) resolve(acked);
        else next();
      });
    };
    for (let k = 0; k < Math.min(window, count); k++) next();
  });
}

// ---- clients in processes of their own ----------------------------------------------------------------

/** What a client process is asked to be: the flood's options for its role, as JSON in its arguments. */
interface ClientSpec {
  readonly role: 'pub' | 'sub';
  readonly url: string;
  readonly clientId: string;
  readonly topic: string;
  readonly qos: 0 | 1 | 2;
  readonly protocolVersion: 4 | 5;
  readonly clean: boolean;
  readonly count: number;
  readonly window: number;
  readonly payloadBytes: number;
  readonly pauseEvery: number;
}

/** A client process's last line: what it counted, and the CPU it used from `go` (publisher) or ready (subscriber). */
interface ClientReport {
  readonly acknowledged: number;
  readonly delivered: number;
  readonly duplicates: number;
  readonly lastDeliveryAt: number;
  readonly cpuSeconds: number;
}

/** One client process driven over its stdin/stdout lines: `ready` when connected (and subscribed), then a JSON report. */
class ClientProcess {
  private readonly lines: string[] = [];
  private waiting: ((line: string) => void) | undefined;
  private failure: Error | undefined;

  constructor(readonly child: ChildProcess, private readonly name: string) {
    child.on('error', (e) => this.fail(e));
    child.stdin?.on('error', () => undefined);
    // 'close', not 'exit': by then every line the process wrote has been read.
    child.once('close', (code) => this.fail(new Error(`flood client ${name} exited (${code}) before reporting`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (this.waiting) {
        const w = this.waiting;
        this.waiting = undefined;
        w(line);
      } else this.lines.push(line);
    });
  }

  private fail(e: Error): void {
    this.failure ??= e;
    const w = this.waiting;
    this.waiting = undefined;
    w?.('');
  }

  async next(): Promise<string> {
    const line = this.lines.shift() ?? (this.failure ? undefined : await new Promise<string>((r) => (this.waiting = r)));
    if (line === undefined || (line === '' && this.failure)) throw this.failure ?? new Error(`flood client ${this.name} ended`);
    return line;
  }

  send(line: string): void {
    this.child.stdin!.write(`${line}\n`);
  }

  async report(): Promise<ClientReport> {
    return JSON.parse(await this.next()) as ClientReport;
  }

  stop(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}

async function runFloodInProcesses(o: FloodOptions, start: (args: readonly string[]) => ChildProcess): Promise<FloodResult> {
  const prefix = o.prefix ?? `flood-${process.pid}-${Date.now()}`;
  const base = { url: o.url, qos: o.qos, protocolVersion: o.protocolVersion ?? 4, window: o.window, payloadBytes: o.payloadBytes ?? 100, pauseEvery: o.subscriberPauseEvery ?? 0 };
  const spawnClient = (spec: ClientSpec): ClientProcess => new ClientProcess(start([JSON.stringify(spec)]), spec.clientId);
  const all: ClientProcess[] = [];
  try {
    const subs = Array.from({ length: o.subscribers }, (_, s) =>
      spawnClient({ ...base, role: 'sub', clientId: `${prefix}-sub-${s}`, topic: `${prefix}/#`, clean: !o.persistentSubscribers, count: 0 }),
    );
    all.push(...subs);
    for (const sub of subs) if ((await sub.next()) !== 'ready') throw new Error('a flood subscriber did not get ready');
    const pubs = Array.from({ length: o.publishers }, (_, i) =>
      spawnClient({ ...base, role: 'pub', clientId: `${prefix}-pub-${i}`, topic: `${prefix}/${i}`, clean: true, count: o.perPublisher }),
    );
    all.push(...pubs);
    for (const pub of pubs) if ((await pub.next()) !== 'ready') throw new Error('a flood publisher did not get ready');
    const started = Date.now();
    for (const pub of pubs) pub.send('go');
    const pubReports = await Promise.all(pubs.map((p) => p.report()));
    const acknowledged = pubReports.reduce((a, r) => a + r.acknowledged, 0);
    for (const sub of subs) sub.send(`expect ${acknowledged} ${o.settleMs ?? 3000}`);
    const subReports = await Promise.all(subs.map((s) => s.report()));
    const delivered = subReports.reduce((a, r) => a + r.delivered, 0);
    const lastDeliveryAt = Math.max(started, ...subReports.map((r) => r.lastDeliveryAt));
    const seconds = Math.max(0.001, (lastDeliveryAt - started) / 1000);
    return {
      acknowledged,
      delivered,
      lost: Math.max(0, acknowledged * o.subscribers - delivered),
      deliveredPerSecond: delivered / seconds,
      duplicates: subReports.reduce((a, r) => a + r.duplicates, 0),
      clientCpuSeconds: [...pubReports, ...subReports].reduce((a, r) => a + r.cpuSeconds, 0),
    };
  } finally {
    for (const c of all) c.stop();
  }
}

/**
 * The body of a flood client process (`FloodOptions.clientProcess`): `args[0]` is its spec. It prints `ready` once
 * connected (and subscribed); a publisher then waits for `go` on stdin, publishes, and prints its report; a
 * subscriber counts deliveries until `expect N SETTLE_MS` arrives and N were delivered (or none for SETTLE_MS).
 */
export async function floodClientMain(args: readonly string[]): Promise<void> {
  const spec = JSON.parse(args[0] ?? '{}') as ClientSpec;
  const client = await mqtt.connectAsync(spec.url, { clientId: spec.clientId, protocolVersion: spec.protocolVersion, clean: spec.clean, reconnectPeriod: 0, keepalive: 60 });
  client.on('error', (e) => process.stderr.write(`flood client ${spec.clientId}: ${e.message}\n`));
  const input = createInterface({ input: process.stdin });
  const nextLine = (): Promise<string> => new Promise((r) => input.once('line', r));
  const cpu = (since: NodeJS.CpuUsage): number => {
    const used = process.cpuUsage(since);
    return (used.user + used.system) / 1e6;
  };
  if (spec.role === 'pub') {
    const payload = Buffer.alloc(spec.payloadBytes, 0x61);
    process.stdout.write('ready\n');
    await nextLine();
    const since = process.cpuUsage();
    const acknowledged = await publishWindowed(client, spec.topic, payload, spec.count, spec.qos, spec.window);
    const report: ClientReport = { acknowledged, delivered: 0, duplicates: 0, lastDeliveryAt: 0, cpuSeconds: cpu(since) };
    process.stdout.write(`${JSON.stringify(report)}\n`);
  } else {
    const tally: DeliveryTally = { delivered: 0, duplicates: 0, lastDeliveryAt: 0 };
    countDeliveries(client, spec.qos, spec.pauseEvery, tally);
    await client.subscribeAsync(spec.topic, { qos: spec.qos });
    const since = process.cpuUsage();
    process.stdout.write('ready\n');
    const [, expected, settle] = (await nextLine()).split(' ');
    const settleMs = Number(settle);
    tally.lastDeliveryAt ||= Date.now();
    while (tally.delivered < Number(expected) && Date.now() - tally.lastDeliveryAt < settleMs) await new Promise((r) => setTimeout(r, 5));
    const report: ClientReport = { acknowledged: 0, ...tally, cpuSeconds: cpu(since) };
    process.stdout.write(`${JSON.stringify(report)}\n`);
  }
  input.close();
  await client.endAsync(true).catch(() => undefined);
}
