import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createClient, type ContractClient } from '../../../shared/ipc/client';
import { createMemoryWirePair } from '../../../shared/ipc/memory-wire';
import { scriptWorkerFile } from '../../test-support/worker-file';
import { createAppCore, type AppCore } from '../app-core';

let dirs: string[] = [];
let cores: AppCore[] = [];

beforeEach(() => {
  dirs = [];
  cores = [];
});
afterEach(async () => {
  for (const core of cores) await core.close();
  for (const dir of dirs) await fs.rm(dir, { recursive: true, force: true });
});

async function newFolder(): Promise<string> {
  const dir = await fs.mkdtemp(join(tmpdir(), 'topiary-profile-scripts-'));
  dirs.push(dir);
  return dir;
}

/** A core over a user-data folder; a second one over the same folder is the app after a restart. */
async function startCore(dir: string): Promise<{ core: AppCore; client: ContractClient }> {
  const core = await createAppCore({ userDataDir: dir, scriptWorkerFile: await scriptWorkerFile() });
  cores.push(core);
  const [coreEnd, clientEnd] = createMemoryWirePair();
  core.attach(coreEnd);
  return { core, client: createClient(clientEnd) };
}

async function stop(core: AppCore): Promise<void> {
  cores = cores.filter((c) => c !== core);
  await core.close();
}

const bytes = (text: string) => new TextEncoder().encode(text);

describe('decoder bindings and auto-responders in the profiles export', () => {
  it('travel in the export, come back in a fresh folder (responders switched off), and survive a restart', async () => {
    const first = await startCore(await newFolder());
    await first.client.invoke('profiles.save', { name: 'Plant', options: { url: 'mqtt://plant.example:1883' } });
    const script = await first.client.invoke('decoders.saveBinding', { filter: 'plant/+/temp', decoder: { kind: 'script', source: 'return { celsius: msg.json().t / 10 };' } });
    await first.client.invoke('decoders.saveBinding', { filter: 'plant/#', decoder: { kind: 'json' }, enabled: false });
    await first.client.invoke('responders.save', { filter: 'plant/ping', topic: 'plant/pong', response: { kind: 'script', source: 'return "pong " + msg.text;' }, perSecond: 5 });
    const exported = await first.client.invoke('profiles.export', {});
    expect(exported.scripts).toEqual({ decoderBindings: 2, responders: 1, simulations: 0 });
    const file = JSON.parse(exported.text) as { decoderBindings: { id: string }[]; responders: unknown[] };
    expect(file.decoderBindings[0]).toEqual({ id: script.id, filter: 'plant/+/temp', decoder: { kind: 'script', source: 'return { celsius: msg.json().t / 10 };' }, enabled: true });
    expect(file.responders).toHaveLength(1);
    await stop(first.core);

    const dir = await newFolder();
    const second = await startCore(dir);
    const result = await second.client.invoke('profiles.import', { text: exported.text });
    expect(result.imported.map((p) => p.name)).toEqual(['Plant']);
    expect(result.skipped).toEqual([]);
    expect(result.scripts).toEqual({ decoderBindings: 2, responders: 1, simulations: 0, alreadyPresent: 0 });
    expect(result.warnings.join(' ')).toMatch(/^Scripts are code: this file added 2 decoder bindings and 1 auto-responder\..*switched off/);
    await stop(second.core);

    // The app after a restart: read back from the files in the user-data folder.
    const third = await startCore(dir);
    const bindings = await third.client.invoke('decoders.listBindings', {});
    expect(bindings.map((b) => [b.id, b.filter, b.enabled, b.problem])).toEqual([
      [script.id, 'plant/+/temp', true, null],
      [expect.any(String), 'plant/#', false, null],
    ]);
    const decoded = await third.client.invoke('decoders.decodePayload', { topic: 'plant/a/temp', payload: bytes('{"t":215}'), kind: 'auto' });
    expect(decoded).toMatchObject({ ok: true, kind: 'script', value: { celsius: 21.5 } });
    const rules = await third.client.invoke('responders.list', {});
    expect(rules.map((r) => [r.filter, r.topic, r.enabled, r.perSecond, r.response.kind, r.problem])).toEqual([['plant/ping', 'plant/pong', false, 5, 'script', null]]);
  });

  it('refuses a bad entry with which one and why, takes the rest, and does not add an entry twice', async () => {
    const { client } = await startCore(await newFolder());
    const text = JSON.stringify({
      format: 'topiary-profiles-export',
      version: 1,
      profiles: [],
      decoderBindings: [
        { filter: 'good/#', decoder: { kind: 'cbor' } },
        { filter: 'bad/#/more', decoder: { kind: 'json' } },
        { filter: 'odd/#', decoder: { kind: 'yaml' } },
        { filter: 'broken/#', decoder: { kind: 'script', source: 'return (;' } },
        'not an object',
      ],
      responders: [{ filter: 'r/#', response: { kind: 'template', payload: 'ok' }, perSecond: 0 }, { filter: 'q/#', topic: 'q/answer', response: { kind: 'template', payload: 'ok' } }],
    });
    const result = await client.invoke('profiles.import', { text });
    expect(result.scripts).toEqual({ decoderBindings: 2, responders: 1, simulations: 0, alreadyPresent: 0 });
    expect(result.skipped.map((s) => s.name)).toEqual(['Decoder binding 2 ("bad/#/more")', 'Decoder binding 3 ("odd/#")', 'Decoder binding 5', 'Auto-responder 1 ("r/#")']);
    expect(result.skipped[0]?.reason).toMatch(/#/);
    expect(result.skipped[3]?.reason).toBe('The rate limit must be above 0 responses per second.');
    // A script that does not compile is the user's work: kept, not in force, and the summary says where it fails.
    expect(result.warnings.some((w) => /broken\/#.*not in force.*line 1/.test(w))).toBe(true);
    const bindings = await client.invoke('decoders.listBindings', {});
    expect(bindings.map((b) => b.filter)).toEqual(['good/#', 'broken/#']);

    const again = await client.invoke('profiles.import', { text });
    expect(again.scripts).toEqual({ decoderBindings: 0, responders: 0, simulations: 0, alreadyPresent: 3 });
    expect((await client.invoke('decoders.listBindings', {})).map((b) => b.filter)).toEqual(['good/#', 'broken/#']);
    expect(await client.invoke('responders.list', {})).toHaveLength(1);
  });

  it('leaves scripts out of the export when asked, and a file without them imports as before', async () => {
    const { client } = await startCore(await newFolder());
    await client.invoke('profiles.save', { name: 'Only', options: { url: 'mqtt://only.example:1883' } });
    await client.invoke('decoders.saveBinding', { filter: 'x/#', decoder: { kind: 'json' } });
    const exported = await client.invoke('profiles.export', { includeScripts: false });
    expect(exported.scripts).toEqual({ decoderBindings: 0, responders: 0, simulations: 0 });
    expect(JSON.parse(exported.text)).not.toHaveProperty('decoderBindings');
    const result = await client.invoke('profiles.import', { text: exported.text });
    expect(result.scripts).toBeUndefined();
    expect(result.warnings).toEqual([]);
  });

  it('refuses a file with more entries than it may carry, saying so', async () => {
    const { client } = await startCore(await newFolder());
    const text = JSON.stringify({ format: 'topiary-profiles-export', version: 1, profiles: [], responders: new Array(10_001).fill({}) });
    await expect(client.invoke('profiles.import', { text })).rejects.toMatchObject({ code: 'VALIDATION_ERROR', message: expect.stringMatching(/^The Topiary profiles export cannot be read: .*10,?000/) });
    expect(await client.invoke('responders.list', {})).toEqual([]);
  });
});
