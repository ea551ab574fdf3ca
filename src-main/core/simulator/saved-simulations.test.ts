import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createClient, type ContractClient } from '../../../shared/ipc/client';
import { createMemoryWirePair } from '../../../shared/ipc/memory-wire';
import { createBroker, type EmbeddedBroker } from '../../lib';
import { waitFor } from '../../test-support/wait-for';
import { scriptWorkerFile } from '../../test-support/worker-file';
import { createAppCore, type AppCore } from '../app-core';

let broker: EmbeddedBroker;
let watcher: MqttClient;
let seen: { topic: string; payload: string }[] = [];
let dirs: string[] = [];
let cores: AppCore[] = [];

beforeAll(async () => {
  broker = await createBroker({ port: 0 });
  watcher = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
  watcher.on('message', (topic, payload) => seen.push({ topic, payload: payload.toString() }));
  await watcher.subscribeAsync('saved/#', { qos: 1 });
}, 60_000);
beforeEach(() => {
  dirs = [];
  cores = [];
  seen = [];
});
afterEach(async () => {
  for (const core of cores) await core.close();
  for (const dir of dirs) await fs.rm(dir, { recursive: true, force: true });
});
afterAll(async () => {
  await watcher.endAsync();
  await broker.stop();
});

async function newFolder(): Promise<string> {
  const dir = await fs.mkdtemp(join(tmpdir(), 'topiary-saved-sims-'));
  dirs.push(dir);
  return dir;
}

/** A core over a user-data folder; a second one over the same folder is the app after a restart. */
async function startCore(dir: string): Promise<{ core: AppCore; client: ContractClient; events: unknown[] }> {
  const core = await createAppCore({ userDataDir: dir, scriptWorkerFile: await scriptWorkerFile() });
  cores.push(core);
  const [coreEnd, clientEnd] = createMemoryWirePair();
  core.attach(coreEnd);
  const client = createClient(clientEnd);
  const events: unknown[] = [];
  client.on('simulations.savedChanged', (saved) => events.push(saved));
  return { core, client, events };
}

async function stop(core: AppCore): Promise<void> {
  cores = cores.filter((c) => c !== core);
  await core.close();
}

const SCRIPT = `const input = msg.json();
return { device: input.device, tick: input.tick };`;

describe('saved simulations', () => {
  it('are kept across a restart, travel in the profiles export, arrive stopped in a fresh folder, and then start and publish', async () => {
    const first = await startCore(await newFolder());
    const saved = await first.client.invoke('simulations.save', { name: 'Line 1 meters', url: broker.url, source: { kind: 'script', topic: 'saved/{device}/state', source: SCRIPT }, devices: 2, perSecond: 10, prefix: 'meter', qos: 1, will: { topic: 'saved/{device}/status', payload: 'gone' } });
    expect(saved).toMatchObject({ id: expect.any(String), name: 'Line 1 meters', devices: 2, perSecond: 10, prefix: 'meter', qos: 1, source: { kind: 'script' }, will: { topic: 'saved/{device}/status', payload: 'gone', qos: 0, retain: false } });
    // A name is made when none is given, and the same set-up saved again is the same saved simulation.
    const gps = await first.client.invoke('simulations.save', { url: broker.url, source: { kind: 'scenario', name: 'gps' }, devices: 3 });
    expect(gps.name).toBe('gps × 3');
    expect(await first.client.invoke('simulations.save', { url: broker.url, source: { kind: 'scenario', name: 'gps' }, devices: 3 })).toEqual(gps);
    expect(first.events).toHaveLength(2);
    await stop(first.core);

    // The app after a restart: read back from the user-data folder, and not started.
    const dir = dirs[0]!;
    const again = await startCore(dir);
    expect((await again.client.invoke('simulations.listSaved', {})).map((s) => s.name)).toEqual(['Line 1 meters', 'gps × 3']);
    expect(await again.client.invoke('simulations.list', {})).toEqual([]);
    const exported = await again.client.invoke('profiles.export', {});
    expect(exported.scripts).toEqual({ decoderBindings: 0, responders: 0, simulations: 2 });
    expect((JSON.parse(exported.text) as { simulations: unknown[] }).simulations[0]).toEqual(saved);
    await stop(again.core);

    const fresh = await startCore(await newFolder());
    const result = await fresh.client.invoke('profiles.import', { text: exported.text });
    expect(result.skipped).toEqual([]);
    expect(result.scripts).toEqual({ decoderBindings: 0, responders: 0, simulations: 2, alreadyPresent: 0 });
    expect(result.warnings[0]).toMatch(/^Scripts are code: this file added 2 simulations\. .*The simulations were added stopped: none connects or publishes until you start it\.$/);
    expect(fresh.events).toHaveLength(1);
    const imported = await fresh.client.invoke('simulations.listSaved', {});
    expect(imported).toEqual([saved, gps]);
    // Stopped: nothing runs and nothing was published.
    expect(await fresh.client.invoke('simulations.list', {})).toEqual([]);
    expect(seen).toEqual([]);

    // Two starts at once (two windows, a double click): one runs, the other is refused.
    const [one, two] = await Promise.allSettled([fresh.client.invoke('simulations.startSaved', { id: saved.id }), fresh.client.invoke('simulations.startSaved', { id: saved.id })]);
    expect(two).toMatchObject({ status: 'rejected', reason: { message: 'The simulation "Line 1 meters" is starting already.' } });
    if (one.status !== 'fulfilled') throw one.reason;
    const started = one.value;
    expect(await fresh.client.invoke('simulations.list', {})).toHaveLength(1);
    expect(started).toMatchObject({ state: 'running', devices: 2, connected: 2, savedId: saved.id, name: 'Line 1 meters' });
    await waitFor(() => seen.filter((m) => m.topic === 'saved/meter-2/state').length >= 2, { what: 'two messages from meter-2' });
    expect(JSON.parse(seen.find((m) => m.topic === 'saved/meter-2/state')!.payload)).toEqual({ device: 'meter-2', tick: 1 });
    await expect(fresh.client.invoke('simulations.startSaved', { id: saved.id })).rejects.toMatchObject({ code: 'VALIDATION_ERROR', message: `The simulation "Line 1 meters" is already running (${started.id}); stop it first.` });
    // Deleting a running saved simulation stops it first.
    expect(await fresh.client.invoke('simulations.delete', { id: saved.id })).toEqual({ deleted: 1 });
    expect(await fresh.client.invoke('simulations.list', {})).toEqual([]);
    expect((await fresh.client.invoke('simulations.listSaved', {})).map((s) => s.name)).toEqual(['gps × 3']);
  });

  it('refuses a bad entry naming it and the field, keeps the rest stopped, renames a name already taken, and adds nothing twice', async () => {
    const { client } = await startCore(await newFolder());
    await client.invoke('simulations.save', { name: 'Meters', source: { kind: 'scenario', name: 'smart-home' }, devices: 1 });
    const text = JSON.stringify({
      format: 'topiary-profiles-export',
      version: 1,
      profiles: [],
      simulations: [
        { name: 'Meters', source: { kind: 'scenario', name: 'temperature' }, devices: 4 },
        { name: 'None', source: { kind: 'scenario', name: 'gps' }, devices: 0 },
        { name: 'Toaster', source: { kind: 'scenario', name: 'toaster' }, devices: 1 },
        { name: 'Wild', source: { kind: 'template', topic: 'lab/#', payload: 'x' }, devices: 1 },
        { name: 'Fast', source: { kind: 'scenario', name: 'gps' }, devices: 1, perSecond: 1000 },
        { name: 'Odd', source: { kind: 'scenario', name: 'gps' }, devices: 1, autostart: true },
        { name: 'Two wills', source: { kind: 'scenario', name: 'gps' }, devices: 1, will: { topic: 'lab/gone' } },
        'not an object',
        { name: 'Broken', url: broker.url, source: { kind: 'script', topic: 'lab/{device}', source: 'return (;' }, devices: 1 },
      ],
    });
    const result = await client.invoke('profiles.import', { text });
    expect(result.scripts).toEqual({ decoderBindings: 0, responders: 0, simulations: 2, alreadyPresent: 0 });
    expect(result.skipped).toEqual([
      { name: 'Simulation 2 ("None")', reason: 'Start at least one simulated device.' },
      { name: 'Simulation 3 ("Toaster")', reason: 'There is no scenario "toaster"; the scenarios are temperature, smart-home, gps, sparkplug.' },
      { name: 'Simulation 4 ("Wild")', reason: expect.stringMatching(/The topic "lab\/#": .*wildcard/) },
      { name: 'Simulation 5 ("Fast")', reason: 'Each device publishes at most 100 messages a second.' },
      { name: 'Simulation 6 ("Odd")', reason: 'Unknown field "autostart".' },
      { name: 'Simulation 7 ("Two wills")', reason: 'The scenario "gps" brings its own will; a will of your own is for template and script simulations.' },
      { name: 'Simulation 8', reason: 'The entry is not a set of fields (a JSON object) as Topiary writes them.' },
    ]);
    expect(result.warnings).toContain('A saved simulation was already named "Meters": the imported one is "Meters (imported)".');
    // A script that does not compile is the user's work: kept, and the summary says where it fails.
    expect(result.warnings.some((w) => /^The simulation "Broken" was imported with a problem in its script .*line 1/.test(w))).toBe(true);
    expect((await client.invoke('simulations.listSaved', {})).map((s) => s.name)).toEqual(['Meters', 'Meters (imported)', 'Broken']);
    expect(await client.invoke('simulations.list', {})).toEqual([]);
    const broken = (await client.invoke('simulations.listSaved', {})).find((s) => s.name === 'Broken')!;
    await expect(client.invoke('simulations.startSaved', { id: broken.id })).rejects.toMatchObject({ code: 'VALIDATION_ERROR', message: expect.stringMatching(/^The simulation "Broken" cannot start\. The script: SyntaxError.*line 1/) });

    const twice = await client.invoke('profiles.import', { text });
    expect(twice.scripts).toEqual({ decoderBindings: 0, responders: 0, simulations: 0, alreadyPresent: 2 });
    expect(await client.invoke('simulations.listSaved', {})).toHaveLength(3);
  });

  it('refuses a save with a sentence, and sets a damaged file aside instead of failing to start', async () => {
    const dir = await newFolder();
    const first = await startCore(dir);
    await first.client.invoke('simulations.save', { name: 'Taken', source: { kind: 'scenario', name: 'gps' }, devices: 1 });
    await expect(first.client.invoke('simulations.save', { name: 'Taken', source: { kind: 'scenario', name: 'gps' }, devices: 2 })).rejects.toMatchObject({ code: 'VALIDATION_ERROR', message: 'A saved simulation is already named "Taken"; choose another name.' });
    await expect(first.client.invoke('simulations.save', { name: 'T', source: { kind: 'scenario', name: 'toaster' }, devices: 1 })).rejects.toMatchObject({ message: expect.stringContaining('There is no scenario "toaster"') });
    await expect(first.client.invoke('simulations.startSaved', { id: 'nope' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(first.client.invoke('simulations.save', { url: 'mqtt://meter:s3cret@plant.example:1883', source: { kind: 'scenario', name: 'gps' }, devices: 1 })).rejects.toMatchObject({
      code: 'VALIDATION_ERROR',
      message: expect.stringContaining('take the password out of the URL'),
    });
    expect((await first.client.invoke('simulations.save', { name: 'User only', url: 'mqtt://meter@plant.example:1883', source: { kind: 'scenario', name: 'gps' }, devices: 1 })).url).toBe('mqtt://meter@plant.example:1883');
    await stop(first.core);

    await fs.writeFile(join(dir, 'simulations', 'saved.json'), '{"version":1,"simulations":[{"id":"x"}]}');
    const second = await startCore(dir);
    expect(await second.client.invoke('simulations.listSaved', {})).toEqual([]);
    expect((await fs.readdir(join(dir, 'simulations'))).some((f) => f.startsWith('saved.json.damaged-'))).toBe(true);
  });
});
