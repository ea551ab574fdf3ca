import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createBroker, type EmbeddedBroker } from '../lib';
import { ensureCliBuilt } from '../test-support/built-cli';
import { startTopiary as start } from '../test-support/topiary-process';
import { waitFor } from '../test-support/wait-for';
import { decodeSparkplug } from '../core/decoders/sparkplug-b-decoder';

vi.setConfig({ testTimeout: 60_000 });

let broker: EmbeddedBroker;
let dir: string;
let watcher: MqttClient;
const seen: { topic: string; payload: Buffer }[] = [];
beforeAll(async () => {
  await ensureCliBuilt();
  broker = await createBroker({ port: 0 });
  dir = await mkdtemp(path.join(os.tmpdir(), 'topiary-simulate-'));
  watcher = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
  watcher.on('message', (topic, payload) => seen.push({ topic, payload }));
  await watcher.subscribeAsync('#', { qos: 1 });
}, 120_000);
afterAll(async () => {
  await watcher.endAsync();
  await broker.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('topiary simulate', () => {
  it('runs the Sparkplug B scenario on several devices until Ctrl-C, then prints what they did', async () => {
    const run = start(['simulate', '-u', broker.url, '--scenario', 'sparkplug', '--devices', '3', '--rate', '5', '--prefix', 'cli']);
    await waitFor(() => seen.filter((m) => m.topic === 'spBv1.0/topiary-sim/DDATA/cli-3/sensor').length >= 2, { timeoutMs: 30_000, what: () => `DDATA from cli-3: ${run.err()}` });
    expect(run.err()).toContain('simulating 3 devices at 5/s each (scenario sparkplug)');
    const nbirth = decodeSparkplug(new Uint8Array(seen.find((m) => m.topic === 'spBv1.0/topiary-sim/NBIRTH/cli-2')!.payload));
    expect(nbirth).toMatchObject({ ok: true, value: { seq: 0 } });
    run.child.kill('SIGINT');
    expect(await run.exit).toBe(0);
    expect(run.out()).toMatch(/^stopped: 3\/3 devices, [\d.]+ msg\/s .* \d+ published, 0 failed, p99 lateness [\d.]+ ms$/m);
  });

  it('runs a script file per device for --timeout seconds', async () => {
    await writeFile(path.join(dir, 'device.js'), "const d = msg.json();\nreturn { device: d.device, tick: d.tick };\n");
    const run = start(['simulate', '-u', broker.url, '--script', path.join(dir, 'device.js'), '-t', 'cli/{device}/state', '-n', '2', '-r', '4', '--timeout', '2']);
    expect(await run.exit).toBe(0);
    const ticks = seen.filter((m) => m.topic === 'cli/device-2/state').map((m) => JSON.parse(m.payload.toString()) as { device: string; tick: number });
    expect(ticks.length).toBeGreaterThanOrEqual(3);
    expect(ticks.slice(0, 3)).toEqual([1, 2, 3].map((tick) => ({ device: 'device-2', tick })));
  });

  it('runs a simulation saved in the app from its profiles export, by name, and names the ones a file has', async () => {
    const file = path.join(dir, 'topiary-profiles.json');
    await writeFile(
      file,
      JSON.stringify({
        format: 'topiary-profiles-export',
        version: 1,
        profiles: [],
        simulations: [
          { id: 'a', name: 'Gauges', url: broker.url, source: { kind: 'scenario', name: 'gps' }, devices: 1, perSecond: 1, prefix: 'g', qos: 0 },
          { id: 'b', name: 'Line 1 meters', url: broker.url, source: { kind: 'template', topic: 'saved/{device}/kwh', payload: '{{counter}}' }, devices: 2, perSecond: 5, prefix: 'meter', qos: 1 },
        ],
      }),
    );
    const run = start(['simulate', '--profile-file', file, '--name', 'Line 1 meters', '--timeout', '1']);
    expect(await run.exit).toBe(0);
    expect(run.err()).toContain('simulating 2 devices at 5/s each ("Line 1 meters": template)');
    expect(seen.filter((m) => m.topic === 'saved/meter-2/kwh').slice(0, 3).map((m) => m.payload.toString())).toEqual(['1', '2', '3']);
    const unnamed = start(['simulate', '--profile-file', file, '--name', 'Nope']);
    expect(await unnamed.exit).toBe(1);
    expect(unnamed.err()).toContain(`The profiles file ${file} has no simulation named "Nope"; it has "Gauges", "Line 1 meters".`);
  });

  it('says what is wrong: an unknown scenario (exit 1), a script that does not compile (exit 1), bad usage (exit 2)', async () => {
    const unknown = start(['simulate', '-u', broker.url, '--scenario', 'toaster']);
    expect(await unknown.exit).toBe(1);
    expect(unknown.err()).toMatch(/There is no scenario "toaster"; the scenarios are temperature, smart-home, gps, sparkplug/);
    await writeFile(path.join(dir, 'bad.js'), 'return (;');
    const bad = start(['simulate', '-u', broker.url, '--script', path.join(dir, 'bad.js')]);
    expect(await bad.exit).toBe(1);
    expect(bad.err()).toMatch(/The script: SyntaxError: .*\(line 1, column \d+\)/);
    const usage = start(['simulate', '--scenario', 'gps', '--rate', 'fast']);
    expect(await usage.exit).toBe(2);
    expect(usage.err()).toContain('--rate must be a number above 0');
  });
});
