import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureCliBuilt, topiaryBrokerBin } from '../../test-support/built-cli';
import { freePort } from '../../test-support/free-port';
import { waitFor } from '../../test-support/wait-for';

let dir: string;
const children: ChildProcess[] = [];
const clients: MqttClient[] = [];

beforeAll(async () => {
  await ensureCliBuilt();
  dir = mkdtempSync(join(tmpdir(), 'topiary-crash-'));
}, 120_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** Starts the headless broker as a child process on `port` with `--data`; resolves with what it printed before listening. */
async function startBroker(port: number, data: string): Promise<{ child: ChildProcess; output: string[] }> {
  const child = spawn(process.execPath, [topiaryBrokerBin, '--port', String(port), '--data', data]);
  children.push(child);
  child.on('error', () => undefined);
  const output: string[] = [];
  child.stdout!.on('data', (d: Buffer) => output.push(...d.toString().split('\n').filter((l) => l !== '')));
  child.stderr!.on('data', (d: Buffer) => output.push(...d.toString().split('\n').filter((l) => l !== '')));
  await waitFor(() => output.some((l) => l.startsWith('listening ')) || child.exitCode !== null, { what: () => `the broker to listen: ${output.join(' | ')}` });
  if (child.exitCode !== null) throw new Error(`broker exited: ${output.join(' | ')}`);
  return { child, output };
}

async function kill(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

interface Flood {
  /** Ids the broker acknowledged (PUBACK, or PUBREC for QoS 2). */
  readonly acked: Set<number>;
  readonly ackedRetained: Map<string, string>;
  stop(): void;
}

/** Publishes a mixed QoS 1/2 stream (every 10th also retained) until stopped or the connection dies. */
function flood(url: string, clientId: string, first: number): Flood {
  const acked = new Set<number>();
  const ackedRetained = new Map<string, string>();
  const c = mqtt.connect(url, { clientId, reconnectPeriod: 0, clean: true });
  c.on('error', () => undefined);
  clients.push(c);
  let stopped = false;
  let next = first;
  const send = (): void => {
    if (stopped || !c.connected) return;
    const id = next++;
    const qos = (id % 3 === 0 ? 2 : 1) as 1 | 2;
    const retainTopic = id % 10 === 0 ? `crash/retained/${id % 50}` : undefined;
    c.publish(retainTopic ?? `crash/q/${id % 4}`, `id-${id}`, { qos, retain: retainTopic !== undefined }, (err) => {
      if (err) return;
      acked.add(id);
      if (retainTopic) ackedRetained.set(retainTopic, `id-${id}`);
      send();
    });
  };
  c.on('connect', () => {
    for (let i = 0; i < 50; i++) send();
  });
  return { acked, ackedRetained, stop: () => (stopped = true) };
}

describe('the headless broker with --data, killed with SIGKILL during a flood', () => {
  it('delivers every acknowledged message to the resumed persistent session, QoS 2 at most once, and keeps acknowledged retained messages', async () => {
    const port = await freePort();
    const url = `mqtt://127.0.0.1:${port}`;
    const data = join(dir, 'data');
    let broker = await startBroker(port, data);

    // A persistent session (MQTT 3.1.1, clean session false) that is offline during the first flood.
    const sub0 = await mqtt.connectAsync(url, { clientId: 'durable', clean: false, reconnectPeriod: 0 });
    await sub0.subscribeAsync('crash/q/#', { qos: 2 });
    await sub0.endAsync();

    const rounds: Flood[] = [];
    for (let round = 0; round < 2; round++) {
      const f = flood(url, `pub-${round}`, round * 1_000_000);
      rounds.push(f);
      // A random moment once some traffic has been acknowledged.
      const target = 300 + Math.floor(Math.random() * 1500);
      await waitFor(() => f.acked.size >= target, { timeoutMs: 30_000, what: () => `${target} acknowledgements, got ${f.acked.size}` });
      await kill(broker.child);
      f.stop();
      broker = await startBroker(port, data);
      expect(broker.output.some((l) => /^recovered 1 session\(s\), \d+ queued or in-flight message\(s\), \d+ retained message\(s\)/.test(l))).toBe(true);
    }

    const acked = new Set<number>();
    // Every 10th message went to a retained topic the session does not subscribe to.
    for (const f of rounds) for (const id of f.acked) if (id % 10 !== 0) acked.add(id);
    const counts = new Map<number, number>();
    const sub = mqtt.connect(url, { clientId: 'durable', clean: false, reconnectPeriod: 0 });
    clients.push(sub);
    sub.on('error', () => undefined);
    sub.on('message', (_t, p) => {
      const id = Number(String(p).slice(3));
      counts.set(id, (counts.get(id) ?? 0) + 1);
    });
    await waitFor(() => [...acked].every((id) => counts.has(id)), {
      timeoutMs: 60_000,
      what: () => `${acked.size} acknowledged messages, ${[...acked].filter((id) => !counts.has(id)).length} missing`,
    });
    for (const [id, n] of counts) if (id % 3 === 0) expect([id, n]).toEqual([id, 1]);

    // Retained: every topic holds an acknowledged value at least as new as the last one acknowledged before each crash.
    const retained = new Map<string, string>();
    const reader = mqtt.connect(url, { clientId: 'reader', reconnectPeriod: 0 });
    clients.push(reader);
    reader.on('error', () => undefined);
    reader.on('message', (t, p) => retained.set(t, String(p)));
    await reader.subscribeAsync('crash/retained/#', { qos: 1 });
    const expected = new Map<string, string>();
    for (const f of rounds) for (const [t, v] of f.ackedRetained) expected.set(t, v);
    await waitFor(() => retained.size >= expected.size, { what: () => `${expected.size} retained topics, got ${retained.size}` });
    for (const [topic, value] of expected) {
      const got = Number(retained.get(topic)?.slice(3) ?? -1);
      expect(got, topic).toBeGreaterThanOrEqual(Number(value.slice(3)));
    }
    await kill(broker.child);
  }, 180_000);
});
