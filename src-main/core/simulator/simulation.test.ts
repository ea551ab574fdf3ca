import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createBroker, type EmbeddedBroker } from '../../lib';
import { scriptWorkerFile } from '../../test-support/worker-file';
import { waitFor } from '../../test-support/wait-for';
import { decodeSparkplug, type SparkplugPayload } from '../decoders/sparkplug-b-decoder';
import { ScriptSandbox } from '../scripts/script-sandbox';
import { mqttDeviceConnector } from './mqtt-device-link';
import { Simulation, SimulationError } from './simulation';

let broker: EmbeddedBroker;
let sandbox: ScriptSandbox;
let watcher: MqttClient;
let seen: { topic: string; payload: Buffer; retain: boolean }[] = [];
const running: Simulation[] = [];

beforeAll(async () => {
  broker = await createBroker({ port: 0 });
  sandbox = new ScriptSandbox({ workerFile: await scriptWorkerFile() });
  watcher = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
  watcher.on('message', (topic, payload, packet) => seen.push({ topic, payload, retain: packet.retain }));
  await watcher.subscribeAsync('#', { qos: 1 });
}, 60_000);
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
  seen = [];
});
afterAll(async () => {
  await watcher.endAsync();
  await sandbox.close();
  await broker.stop();
});

async function start(spec: Parameters<typeof Simulation.start>[0]): Promise<Simulation> {
  const simulation = await Simulation.start(spec, { connector: mqttDeviceConnector({ url: broker.url }), sandbox });
  running.push(simulation);
  return simulation;
}

describe('simulated devices', () => {
  it('runs a Sparkplug B edge node per device whose NBIRTH, DBIRTH, DDATA and NDEATH (its will) the Sparkplug decoder reads', async () => {
    const simulation = await start({ source: { kind: 'scenario', name: 'sparkplug' }, devices: 2, perSecond: 10, prefix: 'edge' });
    await waitFor(() => seen.filter((m) => m.topic === 'spBv1.0/topiary-sim/DDATA/edge-2/sensor').length >= 3, { what: 'DDATA from edge-2' });
    const decoded = (topic: string): SparkplugPayload[] =>
      seen.filter((m) => m.topic === topic).map((m) => {
        const result = decodeSparkplug(new Uint8Array(m.payload));
        if (!result.ok) throw new Error(result.error);
        return result.value as SparkplugPayload;
      });
    const [nbirth] = decoded('spBv1.0/topiary-sim/NBIRTH/edge-1');
    expect(nbirth!.seq).toBe(0);
    expect(nbirth!.metrics.map((m) => [m.name, m.datatype])).toEqual([['bdSeq', 'UInt64'], ['Node Control/Rebirth', 'Boolean'], ['Properties/Hardware', 'String']]);
    const [dbirth] = decoded('spBv1.0/topiary-sim/DBIRTH/edge-1/sensor');
    expect(dbirth!.seq).toBe(1);
    expect(dbirth!.metrics.map((m) => m.name)).toEqual(['Temperature', 'Running']);
    const ddata = decoded('spBv1.0/topiary-sim/DDATA/edge-1/sensor');
    expect(ddata[0]!.seq).toBe(2);
    expect(ddata.map((d) => Number(d.seq))).toEqual(ddata.map((_, i) => i + 2));
    expect(ddata[0]!.metrics[0]).toMatchObject({ name: 'Temperature', datatype: 'Double', alias: 1 });
    expect(typeof ddata[0]!.metrics[0]!.value).toBe('number');

    expect(simulation.dropDevice(0)).toBe(true);
    await waitFor(() => seen.some((m) => m.topic === 'spBv1.0/topiary-sim/NDEATH/edge-1'), { what: 'the NDEATH will of edge-1' });
    const [ndeath] = decoded('spBv1.0/topiary-sim/NDEATH/edge-1');
    expect(ndeath!.metrics).toMatchObject([{ name: 'bdSeq', datatype: 'UInt64' }]);
    expect(String(ndeath!.metrics[0]!.value)).toBe(String(nbirth!.metrics[0]!.value));
    expect(simulation.status()).toMatchObject({ state: 'running', devices: 2, connected: 1 });
  });

  it('gives each device its own client id, publishes a template per device at its rate, and stops cleanly', async () => {
    const simulation = await start({ source: { kind: 'template', topic: 'lab/{device}/count', payload: '{"device":"{device}","n":{{counter}}}' }, devices: 3, perSecond: 20, prefix: 'bench' });
    await waitFor(() => ['bench-1', 'bench-2', 'bench-3'].every((d) => seen.filter((m) => m.topic === `lab/${d}/count`).length >= 5), { what: 'five messages from each device' });
    const fromTwo = seen.filter((m) => m.topic === 'lab/bench-2/count').map((m) => JSON.parse(m.payload.toString()) as { device: string; n: number });
    // Every tick once, each with its own counter (the client library may reorder a send right after connecting).
    expect(new Set(fromTwo.map((m) => m.device))).toEqual(new Set(['bench-2']));
    expect(fromTwo.map((m) => m.n).sort((a, b) => a - b).slice(0, 4)).toEqual([1, 2, 3, 4]);
    expect(new Set(fromTwo.map((m) => m.n)).size).toBe(fromTwo.length);
    // 3 devices at 20/s: about 60 a second in all, once a full second has been measured.
    await waitFor(() => simulation.status().perSecond >= 45, { timeoutMs: 10_000, what: () => `a rate near 60/s: ${JSON.stringify(simulation.status())}` });
    const status = simulation.status();
    expect(status).toMatchObject({ state: 'running', devices: 3, connected: 3, failed: 0 });
    expect(status.perSecond).toBeLessThan(75);
    expect(status.perDevicePerSecond).toBeCloseTo(status.perSecond / 3);
    await simulation.stop();
    const count = seen.length;
    expect(simulation.status()).toMatchObject({ state: 'stopped', connected: 0 });
    // Nothing more after stop: a marker sent afterwards is the last message seen.
    await watcher.publishAsync('lab/marker', 'after stop', { qos: 1 });
    await waitFor(() => seen.some((m) => m.topic === 'lab/marker'), { what: 'the marker' });
    expect(seen.length).toBe(count + 1);
  });

  it('gives each device of a template simulation its own will, which the broker sends when that device vanishes', async () => {
    const simulation = await start({ source: { kind: 'template', topic: 'lab/{device}/w', payload: 'x' }, devices: 2, perSecond: 1, prefix: 'w', will: { topic: 'lab/{device}/status', payload: '{device} lost', qos: 1 } });
    expect(simulation.dropDevice(1)).toBe(true);
    await waitFor(() => seen.some((m) => m.topic === 'lab/w-2/status'), { what: 'the will of w-2' });
    expect(seen.filter((m) => m.topic.endsWith('/status')).map((m) => [m.topic, m.payload.toString()])).toEqual([['lab/w-2/status', 'w-2 lost']]);
  });

  it('numbers every tick once when the timer runs late and one device has several ticks due in one batch', async () => {
    const simulation = await start({ source: { kind: 'template', topic: 'lab/{device}/late', payload: '{{counter}}' }, devices: 1, perSecond: 50, prefix: 'late' });
    await waitFor(() => seen.some((m) => m.topic === 'lab/late-1/late'), { what: 'the first message' });
    // A machine too busy to run the timer on time: the event loop is held for five periods, so the device's next
    // five ticks fall due together. Each must keep its own number (this once sent the last one five times).
    const until = performance.now() + 100;
    while (performance.now() < until) {
      // Busy, as a loaded machine is.
    }
    await waitFor(() => simulation.status().published >= 10, { what: () => `ten messages: ${JSON.stringify(simulation.status())}` });
    await simulation.stop();
    const { published } = simulation.status();
    await waitFor(() => seen.filter((m) => m.topic === 'lab/late-1/late').length >= published, { what: `all ${published} messages at the watcher` });
    const numbers = seen.filter((m) => m.topic === 'lab/late-1/late').map((m) => Number(m.payload.toString()));
    expect(numbers.sort((a, b) => a - b)).toEqual(numbers.map((_, i) => i + 1));
  });

  it('publishes what a sandboxed script computes, with state per device, to the topics it returns', async () => {
    const source = `const input = msg.json();
const key = 'n:' + input.device;
const n = (state.get(key) ?? 0) + 1;
state.set(key, n);
return [{ topic: msg.topic, payload: { device: input.device, n } }, { topic: 'lab/' + input.device + '/text', payload: 'tick ' + input.tick }];`;
    await start({ source: { kind: 'script', topic: 'lab/{device}/json', source }, devices: 2, perSecond: 10, prefix: 'js' });
    await waitFor(() => seen.filter((m) => m.topic === 'lab/js-2/json').length >= 3, { what: 'three script messages from js-2' });
    expect(seen.filter((m) => m.topic === 'lab/js-2/json').slice(0, 3).map((m) => JSON.parse(m.payload.toString()))).toEqual([1, 2, 3].map((n) => ({ device: 'js-2', n })));
    expect(seen.find((m) => m.topic === 'lab/js-1/text')!.payload.toString()).toBe('tick 1');
  });

  it('refuses what it cannot run with a sentence saying why', async () => {
    await expect(start({ source: { kind: 'scenario', name: 'toaster' }, devices: 1 })).rejects.toThrow(/no scenario "toaster"; the scenarios are temperature, smart-home, gps, sparkplug/);
    await expect(start({ source: { kind: 'scenario', name: 'gps' }, devices: 0 })).rejects.toThrow(SimulationError);
    await expect(start({ source: { kind: 'template', topic: 'lab/#', payload: 'x' }, devices: 1 })).rejects.toThrow(/wildcards/);
    await expect(start({ source: { kind: 'template', topic: 'lab/x', payload: 'x' }, devices: 1, will: { topic: 'lab/+/gone', payload: '' } })).rejects.toThrow(/^The will's topic "lab\/\+\/gone": .*wildcards/);
    await expect(start({ source: { kind: 'scenario', name: 'gps' }, devices: 1, will: { topic: 'lab/gone', payload: '' } })).rejects.toThrow('The scenario "gps" brings its own will; a will of your own is for template and script simulations.');
    await expect(start({ source: { kind: 'script', topic: 'lab/x', source: 'return (;' }, devices: 1 })).rejects.toThrow(/The script: SyntaxError.*\(line 1, column \d+\)/);
    const bad = Simulation.start({ source: { kind: 'scenario', name: 'gps' }, devices: 1 }, { connector: mqttDeviceConnector({ url: 'mqtt://127.0.0.1:1', connectTimeoutMs: 2000 }) });
    await expect(bad).rejects.toThrow(/Device device-1 \(topiary-sim-device-1\) could not connect/);
  });
});
