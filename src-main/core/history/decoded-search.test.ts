import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ConnectionId, MessageView } from '../../../shared/ipc/common';
import type { ExportProgress } from '../../../shared/ipc/history';
import { historyWorkerFile, scriptWorkerFile } from '../../test-support/worker-file';
import { DecodersService } from '../decoders/decoders-service';
import { HistoryService } from './history-service';

let dir: string;
let decoders: DecodersService;
let history: HistoryService;
let progress: ExportProgress[];
let workers: { history: string; script: string };

beforeAll(async () => {
  workers = { history: await historyWorkerFile(), script: await scriptWorkerFile() };
});
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'topiary-decoded-search-'));
  progress = [];
  decoders = await DecodersService.open({ userDataDir: dir, workerFile: workers.script, changed: () => undefined });
  history = new HistoryService({
    file: path.join(dir, 'history', 'history.db'),
    workerFile: workers.history,
    decode: (messages) => decoders.decodeBatch(messages),
    onExportProgress: (p) => progress.push(p),
  });
});
afterEach(async () => {
  await history.close();
  await decoders.close();
  await rm(dir, { recursive: true, force: true });
});

const conn = 'c1' as ConnectionId;
const text = (s: string) => new TextEncoder().encode(s);
/** CBOR for {"state": "<word>"} (a one-entry map of a short text to a short text). */
const cborState = (word: string) => Uint8Array.from([0xa1, 0x65, ...text('state'), 0x60 + word.length, ...text(word)]);
const message = (topic: string, payload: Uint8Array): MessageView => ({ topic, payload, qos: 0, retain: false, dup: false, receivedAt: Date.now() });

async function recordSample(): Promise<void> {
  await decoders.save({ filter: 'plant/+/raw', decoder: { kind: 'script', source: 'if (msg.text === "bad") throw new Error("no reading"); return { celsius: Number(msg.text) / 10 };' }, enabled: true });
  await decoders.save({ filter: 'valves/#', decoder: { kind: 'cbor' }, enabled: true });
  await history.setRecording(conn, true, { sourceKey: 'profile:p' });
  history.record(conn, message('plant/a/raw', text('215')));
  history.record(conn, message('valves/1', cborState('overheat')));
  history.record(conn, message('plain/x', text('celsius in plain text')));
  history.record(conn, message('plant/b/raw', text('bad')));
  history.record(conn, message('valves/2', cborState('closed')));
}

describe('history search and export with decoder bindings', () => {
  it('finds messages by their decoded text and says what each decoded to, only when asked', async () => {
    await recordSample();
    const plain = await history.query({ filters: ['#'], order: 'oldest', text: 'celsius' });
    expect(plain.messages.map((m) => m.topic)).toEqual(['plain/x']);
    expect(plain.messages.every((m) => m.decoded === undefined)).toBe(true);

    const decoded = await history.query({ filters: ['#'], order: 'oldest', text: 'celsius' }, 100, undefined, true);
    expect(decoded.messages.map((m) => [m.topic, m.decoded])).toEqual([
      ['plant/a/raw', { ok: true, bindingId: expect.any(String), kind: 'script', text: '{"celsius":21.5}' }],
      ['plain/x', undefined],
    ]);
    const valve = await history.query({ filters: ['valves/#'], order: 'oldest', regex: { pattern: 'over\\w+', flags: '' } }, 100, undefined, true);
    expect(valve.messages.map((m) => [m.topic, m.decoded?.ok === true ? m.decoded.text : null])).toEqual([['valves/1', '{"state":"overheat"}']]);

    const all = await history.query({ filters: ['plant/#'], order: 'oldest' }, 100, undefined, true);
    expect(all.messages.map((m) => m.decoded)).toEqual([
      expect.objectContaining({ ok: true }),
      { ok: false, bindingId: expect.any(String), kind: 'script', error: expect.stringContaining('no reading') },
    ]);
  });

  it('pages a decoded search with cursors that neither skip nor repeat a message', async () => {
    await recordSample();
    for (let i = 0; i < 7; i++) history.record(conn, message(`plant/p${i}/raw`, text(String(100 + i))));
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const page = await history.query({ filters: ['#'], order: 'newest', text: 'celsius' }, 3, cursor, true);
      seen.push(...page.messages.map((m) => m.topic));
      if (page.nextCursor === null) break;
      cursor = page.nextCursor;
    }
    expect(seen).toEqual(['plant/p6/raw', 'plant/p5/raw', 'plant/p4/raw', 'plant/p3/raw', 'plant/p2/raw', 'plant/p1/raw', 'plant/p0/raw', 'plain/x', 'plant/a/raw']);
  });

  it('exports decoded messages with a decoded field (NDJSON) and a decoded column (CSV)', async () => {
    await recordSample();
    const ndjson = path.join(dir, 'out.ndjson');
    const job = await history.export({ query: { filters: ['plant/#', 'valves/#'], order: 'oldest' }, format: 'ndjson', file: ndjson, decoded: true });
    expect(await job.done).toMatchObject({ state: 'done', exported: 4, fraction: 1 });
    const rows = (await readFile(ndjson, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(rows.map((r) => [r.topic, r.payload, r.decoded ?? r.decodeError])).toEqual([
      ['plant/a/raw', '215', '{"celsius":21.5}'],
      ['valves/1', expect.any(String), '{"state":"overheat"}'],
      ['plant/b/raw', 'bad', expect.stringContaining('no reading')],
      ['valves/2', expect.any(String), '{"state":"closed"}'],
    ]);
    expect(progress.at(-1)).toMatchObject({ jobId: job.jobId, state: 'done' });

    const csv = path.join(dir, 'out.csv');
    const csvJob = await history.export({ query: { filters: ['#'], order: 'oldest', text: 'overheat' }, format: 'csv', file: csv, decoded: true });
    expect(await csvJob.done).toMatchObject({ state: 'done', exported: 1 });
    const lines = (await readFile(csv, 'utf8')).trim().split('\r\n');
    expect(lines[0]).toBe('id,receivedAt,source,topic,qos,retain,dup,payloadEncoding,payload,properties,decoded');
    expect(lines[1]).toMatch(/,valves\/1,.*,"{""state"":""overheat""}"$/);
    // Written aside and renamed: no .part file is left.
    expect((await readdir(dir)).filter((f) => f.endsWith('.part'))).toEqual([]);
  });

  it('without decoder bindings to hand, a decoded search is refused with why', async () => {
    const bare = new HistoryService({ file: path.join(dir, 'bare', 'history.db'), workerFile: workers.history });
    try {
      await expect(bare.query({ filters: ['#'], order: 'newest' }, 10, undefined, true)).rejects.toThrow(/Decoder bindings are not available/);
    } finally {
      await bare.close();
    }
  });
});
