import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type ContractClient } from '../../../shared/ipc/client';
import { createMemoryWirePair } from '../../../shared/ipc/memory-wire';
import { createAppCore, type AppCore } from '../app-core';
import { historyWorkerFile } from '../../test-support/history-worker-file';
import { startMosquitto, type Mosquitto } from '../../test-support/mosquitto';
import { waitFor } from '../../test-support/wait-for';

let broker: Mosquitto;
let dir: string;
let workerFile: string;
const cores: AppCore[] = [];

beforeAll(async () => {
  broker = await startMosquitto();
  dir = await mkdtemp(path.join(os.tmpdir(), 'topiary-history-contract-'));
  workerFile = await historyWorkerFile();
});
afterAll(async () => {
  for (const core of cores) await core.close();
  await broker.stop();
  await rm(dir, { recursive: true, force: true });
});

/** Starts the app on the shared folder, closing the one before (two never share a store). */
async function startCore(): Promise<ContractClient> {
  for (const earlier of cores.splice(0)) await earlier.close();
  const core = await createAppCore({ userDataDir: dir, historyWorkerFile: workerFile });
  cores.push(core);
  const [coreEnd, clientEnd] = createMemoryWirePair();
  core.attach(coreEnd);
  return createClient(clientEnd);
}

const decode = (b: Uint8Array): string => new TextDecoder().decode(b);

describe('history over the contract, with a real broker', () => {
  it("records a saved profile's messages by default, finds them by payload text after a restart, and says so in the status", async () => {
    const client = await startCore();
    const { id } = await client.invoke('profiles.save', {
      name: 'Line 4',
      options: { url: broker.url, protocolVersion: 5, subscriptions: [{ filter: 'plant/#', qos: 1 }] },
    });
    const info = await client.invoke('profiles.connect', { id });
    await waitFor(async () => (await client.invoke('history.status', {})).recording.some((r) => r.connectionId === info.connectionId));
    await client.invoke('publish.send', { connectionId: info.connectionId, topic: 'plant/line4/temp', payload: '{"temp":81,"state":"overheating"}', qos: 1, properties: { userProperties: [['unit', 'C']] } });
    await client.invoke('publish.send', { connectionId: info.connectionId, topic: 'plant/line4/state', payload: 'running', qos: 0 });
    await waitFor(async () => (await client.invoke('history.query', { query: { filters: ['plant/#'] } })).messages.length === 2);

    const status = await client.invoke('history.status', {});
    expect(status).toMatchObject({ state: 'open', messages: 2, paused: false });
    expect(status.sources).toEqual([expect.objectContaining({ key: `profile:${id}`, label: 'Line 4', messages: 2, recordOnConnect: true })]);

    // Close the app, start it again: the store is still there.
    const again = await startCore();
    const found = await again.invoke('history.query', { query: { text: 'overheat' } });
    expect(found.messages).toHaveLength(1);
    expect(found.messages[0]).toMatchObject({ topic: 'plant/line4/temp', qos: 1, source: `profile:${id}`, properties: { userProperties: [['unit', 'C']] } });
    expect(decode(found.messages[0]?.payload ?? new Uint8Array())).toBe('{"temp":81,"state":"overheating"}');
    const byProperty = await again.invoke('history.query', { query: { userProperty: { key: 'unit', value: 'C' } } });
    expect(byProperty.messages.map((m) => m.topic)).toEqual(['plant/line4/temp']);
  });

  it('records a quick connection only when asked, and stops when asked', async () => {
    const client = await startCore();
    const info = await client.invoke('connections.connect', { url: broker.url, name: 'quick', subscriptions: [{ filter: 'quick/#', qos: 1 }] });
    await client.invoke('publish.send', { connectionId: info.connectionId, topic: 'quick/before', payload: 'not recorded', qos: 1 });
    const on = await client.invoke('history.setRecording', { connectionId: info.connectionId, enabled: true, sourceKey: `url:${broker.url}` });
    expect(on.recording.map((r) => r.sourceKey)).toContain(`url:${broker.url}`);
    await client.invoke('publish.send', { connectionId: info.connectionId, topic: 'quick/during', payload: 'recorded', qos: 1 });
    await waitFor(async () => (await client.invoke('history.query', { query: { filters: ['quick/#'] } })).messages.length === 1);
    await client.invoke('history.setRecording', { connectionId: info.connectionId, enabled: false });
    await client.invoke('publish.send', { connectionId: info.connectionId, topic: 'quick/after', payload: 'not recorded', qos: 1 });
    // The explorer saw all three: then the history has had its chance at the third too.
    await waitFor(async () => (await client.invoke('explorer.topic', { connectionId: info.connectionId, topic: 'quick/after' })).lastMessage !== null);
    const page = await client.invoke('history.query', { query: { filters: ['quick/#'] } });
    expect(page.messages.map((m) => m.topic)).toEqual(['quick/during']);
  });

  it('answers a malformed search with VALIDATION_ERROR and the field', async () => {
    const client = await startCore();
    await expect(client.invoke('history.query', { query: { since: 'the other day' } })).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
    await expect(client.invoke('history.query', { query: { filters: ['a/#/b'] } })).rejects.toMatchObject({ code: 'TOPIC_ERROR' });
    await expect(client.invoke('history.export', { format: 'ndjson', file: 'relative/path.ndjson' })).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
  });
});
