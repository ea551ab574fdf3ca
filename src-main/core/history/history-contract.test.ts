import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type ContractClient } from '../../../shared/ipc/client';
import type { CaptureJobProgress } from '../../../shared/ipc/history';
import { createMemoryWirePair } from '../../../shared/ipc/memory-wire';
import { createAppCore, type AppCore } from '../app-core';
import { historyWorkerFile } from '../../test-support/worker-file';
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
    await waitFor(async () => (await client.invoke('history.getStatus', {})).recording.some((r) => r.connectionId === info.connectionId));
    await client.invoke('publish.send', { connectionId: info.connectionId, topic: 'plant/line4/temp', payload: '{"temp":81,"state":"overheating"}', qos: 1, properties: { userProperties: [['unit', 'C']] } });
    await client.invoke('publish.send', { connectionId: info.connectionId, topic: 'plant/line4/state', payload: 'running', qos: 0 });
    await waitFor(async () => (await client.invoke('history.query', { query: { filters: ['plant/#'] } })).messages.length === 2);

    const status = await client.invoke('history.getStatus', {});
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
    await waitFor(async () => (await client.invoke('explorer.getTopic', { connectionId: info.connectionId, topic: 'quick/after' })).lastMessage !== null);
    const page = await client.invoke('history.query', { query: { filters: ['quick/#'] } });
    expect(page.messages.map((m) => m.topic)).toEqual(['quick/during']);
  });

  it('records a capture from a live connection, replays it to the connection with a new prefix, and imports it', async () => {
    const client = await startCore();
    const progress: CaptureJobProgress[] = [];
    client.on('history.captureProgressed', (p) => progress.push(p));
    const info = await client.invoke('connections.connect', { url: broker.url, name: 'capture', protocolVersion: 5, subscriptions: [{ filter: 'cap/#', qos: 1 }] });
    const file = path.join(dir, 'live.ndjson');
    const { jobId } = await client.invoke('history.recordCapture', { connectionId: info.connectionId, file, filters: ['cap/in/#'], count: 2 });
    await client.invoke('publish.send', { connectionId: info.connectionId, topic: 'cap/in/a', payload: 'first', qos: 1, properties: { userProperties: [['k', 'v']] } });
    await client.invoke('publish.send', { connectionId: info.connectionId, topic: 'cap/other', payload: 'not captured', qos: 1 });
    await client.invoke('publish.send', { connectionId: info.connectionId, topic: 'cap/in/b', payload: new Uint8Array([0xff, 0x01]), qos: 1 });
    const recorded = await waitFor(() => progress.find((p) => p.jobId === jobId && p.state === 'done'));
    expect(recorded.recorded).toBe(2);

    const replay = await client.invoke('history.replayCapture', { connectionId: info.connectionId, file, speed: 'max', stripPrefix: 'cap/in/', addPrefix: 'cap/out/' });
    const report = await waitFor(() => progress.find((p) => p.jobId === replay.jobId && p.state === 'done'));
    expect(report).toMatchObject({ sent: 2, acknowledged: 2, refused: 0 });
    await waitFor(async () => (await client.invoke('explorer.getTopic', { connectionId: info.connectionId, topic: 'cap/out/b' })).lastMessage !== null);
    const replayed = await client.invoke('explorer.getTopic', { connectionId: info.connectionId, topic: 'cap/out/a' });
    expect(replayed.lastMessage?.properties?.userProperties).toEqual([['k', 'v']]);

    const imported = await client.invoke('history.importCapture', { file, sourceKey: 'capture:live' });
    expect(imported.imported).toBe(2);
    const page = await client.invoke('history.query', { query: { sources: ['capture:live'], order: 'oldest' } });
    expect(page.messages.map((m) => [m.topic, [...m.payload]])).toEqual([
      ['cap/in/a', [...new TextEncoder().encode('first')]],
      ['cap/in/b', [0xff, 0x01]],
    ]);

    // A malformed line fails the replay, naming the line; nothing is sent.
    const bad = path.join(dir, 'bad.ndjson');
    await writeFile(bad, `${JSON.stringify({ topiaryCapture: 1, startedAt: 0 })}\n{"t":0,"topic":"cap/out/x"}\n`);
    const failed = await client.invoke('history.replayCapture', { connectionId: info.connectionId, file: bad });
    const failure = await waitFor(() => progress.find((p) => p.jobId === failed.jobId && p.state === 'failed'));
    expect(failure).toMatchObject({ line: 2, sent: 0 });
    expect(failure.errors[0]).toContain('Line 2 of');
  });

  it('answers a malformed search with VALIDATION_ERROR and the field', async () => {
    const client = await startCore();
    await expect(client.invoke('history.query', { query: { since: 'the other day' } })).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
    await expect(client.invoke('history.query', { query: { filters: ['a/#/b'] } })).rejects.toMatchObject({ code: 'TOPIC_ERROR' });
    await expect(client.invoke('history.export', { format: 'ndjson', file: 'relative/path.ndjson' })).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
  });
});
