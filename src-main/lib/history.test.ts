import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageView } from '../../shared/ipc/common';
import { historyWorkerFile } from '../test-support/worker-file';
import { waitFor } from '../test-support/wait-for';
import { CapabilityError, connect, createBroker, createConnector, openHistory, record, replay, type EmbeddedBroker, type TopiaryClient } from './index';

let dir: string;
let workerFile: string;
let source: EmbeddedBroker;
let target: EmbeddedBroker;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'topiary-lib-history-'));
  workerFile = await historyWorkerFile();
  source = await createBroker();
  target = await createBroker();
}, 60_000);
afterAll(async () => {
  await source?.stop();
  await target?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const PAYLOADS: readonly Uint8Array[] = [new TextEncoder().encode('{"temp":81}'), new Uint8Array([0, 0xff, 0xfe, 0x80]), new Uint8Array(0)];

async function publishAll(client: TopiaryClient, prefix: string): Promise<void> {
  for (const [i, p] of PAYLOADS.entries()) {
    await client.publish(`${prefix}/${i}`, p, { qos: (i % 3) as 0 | 1 | 2, properties: { userProperties: [['n', String(i)]], contentType: 'application/x-test', correlationData: new Uint8Array([i, 7]) } });
  }
}

describe('the library history store', () => {
  it('records a client into the store, then queries, exports and clears it', async () => {
    const history = await openHistory({ file: path.join(dir, 'store-a', 'history.db'), workerFile });
    const listener = await connect({ url: source.url, protocolVersion: 5, subscriptions: [{ filter: 'lib/#', qos: 2 }] });
    const publisher = await connect({ url: source.url, protocolVersion: 5 });
    try {
      const recording = await history.recordFrom(listener, { source: 'url:test' });
      await publishAll(publisher, 'lib');
      await waitFor(async () => (await history.query({ filters: ['lib/#'] })).messages.length === PAYLOADS.length, { what: 'every message stored' });
      await recording.stop();
      const page = await history.query({ filters: ['lib/#'], order: 'oldest' });
      expect(page.messages.map((m) => [m.topic, Buffer.from(m.payload).toString('hex'), m.qos, m.source])).toEqual(PAYLOADS.map((p, i) => [`lib/${i}`, Buffer.from(p).toString('hex'), i % 3, 'url:test']));
      expect(page.messages[1]!.properties?.userProperties).toEqual([['n', '1']]);
      expect((await history.query({ filters: ['lib/#'], text: 'temp' })).messages.map((m) => m.topic)).toEqual(['lib/0']);

      const out = path.join(dir, 'lib-export.ndjson');
      const final = await history.export({ query: { filters: ['lib/#'], order: 'oldest' }, format: 'ndjson', file: out });
      expect(final).toMatchObject({ state: 'done', exported: 3 });
      const lines = (await readFile(out, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { topic: string; payloadEncoding: string; payload: string });
      expect(lines.map((l) => [l.topic, l.payloadEncoding, l.payload])).toEqual([
        ['lib/0', 'utf8', '{"temp":81}'],
        ['lib/1', 'base64', 'AP/+gA=='],
        ['lib/2', 'utf8', ''],
      ]);
      expect(await history.clear({ filters: ['lib/1'] })).toEqual({ deleted: 1 });
      expect((await history.query({ filters: ['lib/#'] })).messages).toHaveLength(2);
    } finally {
      await listener.end();
      await publisher.end();
      await history.close();
    }
  });

  it('refuses a second opener of the same store with STORE_LOCKED', async () => {
    const file = path.join(dir, 'store-locked', 'history.db');
    const first = await openHistory({ file, workerFile });
    try {
      await expect(openHistory({ file, workerFile })).rejects.toMatchObject({ code: 'STORE_LOCKED' });
    } finally {
      await first.close();
    }
  });
});

describe('record() and replay() with captures', () => {
  it('records a capture and replays it to another broker with the same bytes and properties, topics remapped', async () => {
    const capture = path.join(dir, 'lib.ndjson');
    const recorder = await connect({ url: source.url, protocolVersion: 5 });
    const publisher = await connect({ url: source.url, protocolVersion: 5 });
    const replayer = await connect({ url: target.url, protocolVersion: 5 });
    const outside = await connect({ url: target.url, protocolVersion: 5, subscriptions: [{ filter: 'copy/#', qos: 2 }] });
    const received: MessageView[] = [];
    outside.on('message', (m) => received.push(m));
    try {
      const recording = await record(recorder, { file: capture, filters: ['cap/#'], qos: 2, count: PAYLOADS.length });
      await publishAll(publisher, 'cap');
      const report = await recording.done;
      expect(report.messages).toBe(PAYLOADS.length);
      const header = JSON.parse((await readFile(capture, 'utf8')).split('\n')[0]!) as { topiaryCapture: number; filters: string[] };
      expect(header).toMatchObject({ topiaryCapture: 1, filters: ['cap/#'] });

      const progress: number[] = [];
      const played = await replay(replayer, { file: capture, speed: 'max', stripPrefix: 'cap/', prefix: 'copy/', onProgress: (p) => progress.push(p.sent) }).done;
      expect(played).toMatchObject({ sent: 3, acknowledged: 2, refused: 0, cancelled: false });
      await waitFor(() => received.length === PAYLOADS.length, { what: 'the replayed messages' });
      for (const [i, p] of PAYLOADS.entries()) {
        const m = received.find((r) => r.topic === `copy/${i}`)!;
        expect(Buffer.from(m.payload).equals(Buffer.from(p))).toBe(true);
        expect(m.qos).toBe(i % 3);
        expect(m.properties?.userProperties).toEqual([['n', String(i)]]);
        expect(m.properties?.contentType).toBe('application/x-test');
        expect([...m.properties!.correlationData!]).toEqual([i, 7]);
      }
      expect(progress.at(-1)).toBe(3);
    } finally {
      await Promise.all([recorder.end(), publisher.end(), replayer.end(), outside.end()]);
    }
  });

  it('replays a flood as fast as possible in recorded order, every byte as recorded, batched QoS 0 beside QoS 1 and properties', async () => {
    // Plain QoS 0 messages take the batch path; QoS 1 ones and those with properties go one by one between them.
    const capture = path.join(dir, 'flood.ndjson');
    const expected: { topic: string; payload: Buffer; qos: number; user?: string }[] = [];
    const lines = [JSON.stringify({ topiaryCapture: 1, startedAt: 0 })];
    for (let i = 0; i < 3_000; i++) {
      const payload = i % 3 === 0 ? Buffer.from([i & 0xff, 0, 0xff, (i >> 8) & 0xff]) : Buffer.from(`{"seq":${i},"text":"zähler €"}`);
      const qos = i % 50 === 7 ? 1 : 0;
      const user = i % 50 === 13 ? `u${i}` : undefined;
      expected.push({ topic: `flood/${i % 10}`, payload, qos, ...(user ? { user } : {}) });
      const encoded = i % 3 === 0 ? { payloadEncoding: 'base64', payload: payload.toString('base64') } : { payloadEncoding: 'utf8', payload: payload.toString('utf8') };
      lines.push(JSON.stringify({ t: i, topic: `rec/${i % 10}`, ...encoded, qos, retain: false, ...(user ? { properties: { userProperties: [['k', user]] } } : {}) }));
    }
    await writeFile(capture, `${lines.join('\n')}\n`);
    const replayer = await connect({ url: target.url, protocolVersion: 5 });
    const outside = await connect({ url: target.url, protocolVersion: 5, subscriptions: [{ filter: 'flood/#', qos: 1 }] });
    const received: MessageView[] = [];
    outside.on('message', (m) => received.push(m));
    try {
      const played = await replay(replayer, { file: capture, speed: 'max', stripPrefix: 'rec/', prefix: 'flood/' }).done;
      expect(played).toMatchObject({ sent: 3_000, acknowledged: 60, refused: 0, cancelled: false });
      await waitFor(() => received.length === expected.length, { what: 'every replayed message' });
      const got = received.map((m) => ({ topic: m.topic, payload: Buffer.from(m.payload), qos: m.qos, ...(m.properties?.userProperties ? { user: m.properties.userProperties[0]?.[1] } : {}) }));
      expect(got).toEqual(expected);
    } finally {
      await Promise.all([replayer.end(), outside.end()]);
    }
  });

  it('refuses a message whose remapped topic is no longer valid and sends the rest; a timed replay sends each batch before it waits', async () => {
    const capture = path.join(dir, 'remap.ndjson');
    const line = (t: number, topic: string): string => JSON.stringify({ t, topic, payloadEncoding: 'utf8', payload: topic, qos: 0, retain: false });
    await writeFile(capture, `${[JSON.stringify({ topiaryCapture: 1, startedAt: 0 }), line(0, 'keep/1'), line(1, 'gone/'), line(300, 'keep/2')].join('\n')}\n`);
    const replayer = await connect({ url: target.url, protocolVersion: 5 });
    const outside = await connect({ url: target.url, protocolVersion: 5, subscriptions: [{ filter: 'keep/#', qos: 0 }] });
    const received: { topic: string; at: number }[] = [];
    outside.on('message', (m) => received.push({ topic: m.topic, at: performance.now() }));
    try {
      // "gone/" stripped of its prefix is an empty topic.
      const played = await replay(replayer, { file: capture, speed: 1, stripPrefix: 'gone/' }).done;
      expect(played).toMatchObject({ sent: 3, refused: 1 });
      expect(played.errors[0]).toMatch(/cannot be published to/);
      await waitFor(() => received.length === 2, { what: 'the two valid messages' });
      expect(received.map((r) => r.topic)).toEqual(['keep/1', 'keep/2']);
      // Recorded 300 ms apart: the first went out at once, not with the second. Loose, for a busy machine.
      expect(received[1]!.at - received[0]!.at).toBeGreaterThan(150);
    } finally {
      await Promise.all([replayer.end(), outside.end()]);
    }
  });

  it('refuses a capture with a malformed line, naming it, before sending anything', async () => {
    const bad = path.join(dir, 'bad.ndjson');
    await writeFile(bad, `{"topiaryCapture":1,"startedAt":0}\n{"t":0,"topic":"x/1","payloadEncoding":"utf8","payload":"a"}\nnot json\n`);
    const client = await connect({ url: target.url });
    let sent = 0;
    client.on('published', () => sent++);
    try {
      await expect(replay(client, { file: bad, speed: 'max' }).done).rejects.toThrow(/^Line 3 of .*bad\.ndjson: not JSON/);
      expect(sent).toBe(0);
    } finally {
      await client.end();
    }
  });
});

describe("the connector's mqtt:history", () => {
  it('reads and clears what the connector recorded, by topic and time', async () => {
    const file = path.join(dir, 'store-connector', 'history.db');
    const connector = createConnector({ url: source.url, protocolVersion: 5, history: { file, workerFile, record: true, source: 'url:connector' } });
    try {
      await connector.execute('mqtt:subscribe', 'subscribe', { topic: 'conn/#', qos: 1 });
      const since = Date.now();
      for (const t of ['conn/a', 'conn/b', 'conn/a']) await connector.execute('mqtt:publish', 'write', { topic: t, payload: t, qos: 1 });
      type Read = { messages: { topic: string; payload: Uint8Array }[]; more: boolean };
      await waitFor(async () => ((await connector.execute('mqtt:history', 'read', { topic: 'conn/#' })) as Read).messages.length === 3, { what: 'three stored messages' });
      const read = (await connector.execute('mqtt:history', 'read', { topic: 'conn/a', since, limit: 1 })) as Read;
      expect(read.messages.map((m) => [m.topic, Buffer.from(m.payload).toString()])).toEqual([['conn/a', 'conn/a']]);
      expect(read.more).toBe(true);
      expect(await connector.execute('mqtt:history', 'clear', { topic: 'conn/a' })).toEqual({ deleted: 2 });
      const rest = (await connector.execute('mqtt:history', 'read', { topic: 'conn/#' })) as Read;
      expect(rest.messages.map((m) => m.topic)).toEqual(['conn/b']);
      const bad = await connector.execute('mqtt:history', 'read', { topic: 'a/#/b' }).catch((e: unknown) => (e as CapabilityError).toJSON());
      expect(bad).toMatchObject({ error: 'TOPIC_ERROR' });
    } finally {
      await connector.close();
    }
  });

  it('answers NOT_AVAILABLE, as data, when no store is configured', async () => {
    const connector = createConnector({ url: source.url });
    const e = await connector.execute('mqtt:history', 'read', {}).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CapabilityError);
    expect((e as CapabilityError).toJSON()).toMatchObject({ error: 'NOT_AVAILABLE', details: { capability: 'mqtt:history' } });
    await connector.close();
  });
});
