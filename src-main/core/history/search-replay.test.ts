import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import mqtt, { type IPublishPacket, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectionId } from '../../../shared/ipc/common';
import type { CaptureJobProgress } from '../../../shared/ipc/history';
import { historyWorkerFile } from '../../test-support/worker-file';
import { startMosquitto, type Mosquitto } from '../../test-support/mosquitto';
import { waitFor } from '../../test-support/wait-for';
import { CaptureJobs } from './capture-jobs';
import { HistoryService } from './history-service';
import { replaySearch } from './search-replay';

const CONN = 'c1' as ConnectionId;
let dir: string;
let broker: Mosquitto;
let history: HistoryService;
const clients: MqttClient[] = [];

async function client(): Promise<MqttClient> {
  const c = await mqtt.connectAsync(broker.url, { protocolVersion: 5, reconnectPeriod: 0 });
  c.on('error', () => undefined);
  clients.push(c);
  return c;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'topiary-search-replay-'));
  broker = await startMosquitto();
  history = new HistoryService({ file: path.join(dir, 'history.db'), workerFile: await historyWorkerFile() });
  await history.setRecording(CONN, true, { sourceKey: 'test' });
  const t0 = 1_767_225_600_000;
  const encode = (s: string): Uint8Array => new TextEncoder().encode(s);
  history.record(CONN, { topic: 'plant/a', payload: encode('alarm one'), qos: 1, retain: false, dup: false, receivedAt: t0, properties: { userProperties: [['unit', 'C']], contentType: 'text/plain' } });
  history.record(CONN, { topic: 'plant/b', payload: encode('ok'), qos: 0, retain: false, dup: false, receivedAt: t0 + 100 });
  history.record(CONN, { topic: 'plant/a', payload: new Uint8Array([0, 255, 1]), qos: 0, retain: false, dup: false, receivedAt: t0 + 150 });
  history.record(CONN, { topic: 'plant/a', payload: encode('alarm two'), qos: 1, retain: false, dup: false, receivedAt: t0 + 300 });
  await history.settle();
});

afterAll(async () => {
  for (const c of clients) await c.endAsync();
  await history.close();
  await broker.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('replaying a search result', () => {
  it('sends what the search finds, oldest first, with its bytes, properties and spacing, then deletes its temporary capture', async () => {
    const outside = await client();
    const received: { packet: IPublishPacket; at: number }[] = [];
    outside.on('message', (_t, _p, packet: IPublishPacket) => received.push({ packet, at: Date.now() }));
    await outside.subscribeAsync('copy/#', { qos: 1 });
    const publisher = await client();
    const reports: CaptureJobProgress[] = [];
    const captures = new CaptureJobs({
      publish: async (args) => {
        const payload = typeof args.payload === 'string' ? args.payload : Buffer.from(args.payload);
        const { properties } = args;
        const packet = await publisher.publishAsync(args.topic, payload, {
          qos: args.qos,
          retain: args.retain,
          ...(properties
            ? {
                properties: {
                  ...(properties.contentType !== undefined ? { contentType: properties.contentType } : {}),
                  ...(properties.userProperties ? { userProperties: Object.fromEntries(properties.userProperties) } : {}),
                },
              }
            : {}),
        });
        const reasonCode = (packet as { reasonCode?: number } | undefined)?.reasonCode;
        return { roundTripMs: 0, ...(reasonCode !== undefined ? { reasonCode } : {}) };
      },
      onProgress: (p) => reports.push(p),
    });
    const tempDir = path.join(dir, 'temp');
    await mkdir(tempDir);
    // plant/a only: the three messages on it, not plant/b's.
    const started = await replaySearch(history, captures, { connectionId: CONN, query: { filters: ['plant/a'] }, limit: 100, speed: 1, stripPrefix: 'plant/', addPrefix: 'copy/', tempDir });
    expect(started.messages).toBe(3);
    const done = await waitFor(() => reports.find((r) => r.jobId === started.jobId && r.state === 'done'), { what: 'the replay report' });
    expect(done).toMatchObject({ sent: 3, acknowledged: 2, refused: 0 });
    await waitFor(() => received.length === 3, { what: 'three replayed messages' });
    expect(received.map((r) => r.packet.topic)).toEqual(['copy/a', 'copy/a', 'copy/a']);
    expect(received.map((r) => [...r.packet.payload])).toEqual([[...Buffer.from('alarm one')], [0, 255, 1], [...Buffer.from('alarm two')]]);
    expect(received[0]!.packet.properties).toMatchObject({ contentType: 'text/plain', userProperties: { unit: 'C' } });
    // Recorded 300 ms apart at 1×: the replay keeps the spacing. Measured at the subscriber, delivery delays on a
    // busy machine shift it by tens of ms either way; as fast as possible it would be a few ms.
    expect(received[2]!.at - received[0]!.at).toBeGreaterThanOrEqual(150);
    await waitFor(async () => (await readdir(tempDir)).length === 0, { what: 'the temporary capture to be deleted' });
  });

  it('says NOT_FOUND when the search finds nothing, leaving no file behind', async () => {
    const captures = new CaptureJobs({ publish: () => Promise.reject(new Error('nothing should be published')) });
    const tempDir = path.join(dir, 'temp-empty');
    await mkdir(tempDir);
    await expect(replaySearch(history, captures, { connectionId: CONN, query: { filters: ['nowhere/#'] }, limit: 10, tempDir })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await readdir(tempDir)).toEqual([]);
  });
});
