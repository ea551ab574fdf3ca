import { spawn } from 'node:child_process';
import { readFile, mkdtemp, rm, writeFile, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ConnectionId, MessageView } from '../../../shared/ipc/common';
import type { ExportProgress, HistoryStatus } from '../../../shared/ipc/history';
import { historyWorkerFile } from '../../test-support/worker-file';
import { waitFor } from '../../test-support/wait-for';
import { HistoryService, type HistoryServiceOptions } from './history-service';

let workerFile: string;
let dir: string;
let services: HistoryService[] = [];

beforeAll(async () => {
  workerFile = await historyWorkerFile();
});
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'topiary-history-service-'));
});
afterEach(async () => {
  for (const s of services) await s.close();
  services = [];
  await rm(dir, { recursive: true, force: true });
});

function service(extra: Partial<HistoryServiceOptions> = {}): HistoryService {
  const s = new HistoryService({ file: path.join(dir, 'history', 'history.db'), workerFile, ...extra });
  services.push(s);
  return s;
}

const conn = 'c1' as ConnectionId;
/** Recent arrival times: older ones would be pruned by the default seven-day retention. */
const base = Date.now() - 60_000;
const text = (s: string): Uint8Array => new TextEncoder().encode(s);
function message(topic: string, payload: string | Uint8Array, receivedAt = Date.now(), extra: Partial<MessageView> = {}): MessageView {
  return { topic, payload: typeof payload === 'string' ? text(payload) : payload, qos: 0, retain: false, dup: false, receivedAt, ...extra };
}

describe('HistoryService', () => {
  it('records only the connections it is told to, and finds their messages', async () => {
    const s = service();
    await s.setRecording(conn, true, { sourceKey: 'profile:p1', label: 'Plant' });
    s.record(conn, message('a/b', 'one'));
    s.record('other' as ConnectionId, message('a/b', 'not recorded'));
    s.record(conn, message('a/c', 'two'));
    const page = await s.query({ filters: ['a/#'], order: 'oldest' });
    expect(page.messages.map((m) => [m.source, m.topic, new TextDecoder().decode(m.payload)])).toEqual([
      ['profile:p1', 'a/b', 'one'],
      ['profile:p1', 'a/c', 'two'],
    ]);
    const status = await s.status();
    expect(status).toMatchObject({ state: 'open', messages: 2, paused: false, lost: 0 });
    expect(status.recording).toEqual([{ connectionId: conn, sourceKey: 'profile:p1', recorded: 2, dropped: 0 }]);
    expect(status.sources[0]).toMatchObject({ key: 'profile:p1', label: 'Plant', retention: { maxAgeMs: 7 * 86_400_000, maxBytes: null }, recordOnConnect: true });
    expect(status.fileBytes).toBeGreaterThan(0);
  });

  it('answers a search at once while recording is far behind, and sees everything once it caught up', async () => {
    const s = service();
    await s.setRecording(conn, true, { sourceKey: 'profile:p1' });
    // Several full batches: the worker needs far longer to write them than to answer a search.
    const backlog = 6 * 10_000;
    for (let i = 0; i < backlog - 1; i++) s.record(conn, message(`a/${i % 100}`, `m${i}`, base + i));
    s.record(conn, message('z', 'last', base + backlog));
    const early = await s.query({ filters: ['z'] });
    const written = (await s.status()).messages;
    expect(early.messages).toEqual([]);
    await s.settle();
    expect((await s.query({ filters: ['z'] })).messages.map((m) => m.topic)).toEqual(['z']);
    expect((await s.status()).messages).toBe(backlog);
    expect(written).toBeLessThan(backlog);
    // 60,000 writes take seconds idle and 25 s on a machine loaded 18 deep (2 cores).
  }, 90_000);

  it('sees a message recorded just before a search when recording keeps up', async () => {
    const s = service();
    await s.setRecording(conn, true, { sourceKey: 'profile:p1' });
    for (let i = 0; i < 100; i++) s.record(conn, message('a/b', `m${i}`, base + i));
    expect((await s.query({ filters: ['a/b'] }, 1000)).messages).toHaveLength(100);
  });

  it('keeps nothing while paused and records again on resume', async () => {
    const s = service();
    await s.setRecording(conn, true, { sourceKey: 's' });
    await s.pause(true);
    s.record(conn, message('t', 'while paused'));
    await s.pause(false);
    s.record(conn, message('t', 'after'));
    const page = await s.query({ order: 'oldest' });
    expect(page.messages.map((m) => new TextDecoder().decode(m.payload))).toEqual(['after']);
  });

  it('resolves relative time ranges and rejects an unreadable one with the field named', async () => {
    const s = service();
    await s.setRecording(conn, true, { sourceKey: 's' });
    const now = Date.now();
    s.record(conn, message('t', 'old', now - 30 * 60_000));
    s.record(conn, message('t', 'recent', now - 5 * 60_000));
    const page = await s.query({ since: 'last 15 min' });
    expect(page.messages.map((m) => new TextDecoder().decode(m.payload))).toEqual(['recent']);
    await expect(s.query({ since: 'a while back' })).rejects.toMatchObject({ code: 'VALIDATION_ERROR', details: { field: 'since' } });
    await expect(s.query({ regex: { pattern: '(a+)+$' } })).rejects.toMatchObject({ code: 'VALIDATION_ERROR', details: { field: 'regex' } });
    await expect(s.query({ regex: { pattern: '([' } })).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
  });

  it('pages through a search with the cursor it returns', async () => {
    const s = service();
    await s.setRecording(conn, true, { sourceKey: 's' });
    for (let i = 0; i < 25; i++) s.record(conn, message(`t/${i % 3}`, `m${i}`, base + i));
    const seen: string[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await s.query({ filters: ['t/+'], order: 'newest' }, 10, cursor);
      seen.push(...page.messages.map((m) => new TextDecoder().decode(m.payload)));
      if (page.nextCursor === null) break;
      cursor = page.nextCursor;
    }
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => `m${24 - i}`));
  });

  it('exports a search losslessly to NDJSON, JSON and CSV', async () => {
    const s = service();
    await s.setRecording(conn, true, { sourceKey: 's' });
    s.record(conn, message('text/topic', 'héllo, "world"\nline 2', base, { qos: 1, retain: true, properties: { userProperties: [['k', 'v']], correlationData: new Uint8Array([9, 8]) } }));
    s.record(conn, message('bin/topic', new Uint8Array([0xff, 0x00, 0x01]), base + 1));
    const results: Record<string, string> = {};
    for (const format of ['ndjson', 'json', 'csv'] as const) {
      const file = path.join(dir, `out.${format}`);
      const job = await s.export({ format, file });
      const final = await job.done;
      expect(final).toMatchObject({ state: 'done', exported: 2, fraction: 1 });
      results[format] = await readFile(file, 'utf8');
    }
    const lines = (results.ndjson ?? '').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ topic: 'text/topic', receivedAt: base, qos: 1, retain: true, payloadEncoding: 'utf8', payload: 'héllo, "world"\nline 2', properties: { userProperties: [['k', 'v']], correlationData: 'CQg=' } });
    expect(lines[1]).toMatchObject({ topic: 'bin/topic', payloadEncoding: 'base64', payload: Buffer.from([0xff, 0, 1]).toString('base64') });
    expect(JSON.parse(results.json ?? '')).toEqual(lines);
    const csv = results.csv ?? '';
    expect(csv.split('\r\n')[0]).toBe('id,receivedAt,source,topic,qos,retain,dup,payloadEncoding,payload,properties');
    expect(csv).toContain('"héllo, ""world""\nline 2"');
    expect(csv).toContain(',base64,/wAB,');
  });

  it('cancels an export, reports it and leaves no partial file behind', async () => {
    const s = service();
    await s.setRecording(conn, true, { sourceKey: 's' });
    const payload = 'x'.repeat(200);
    for (let i = 0; i < 60_000; i++) s.record(conn, message(`t/${i % 50}`, payload, base + i));
    const progress: ExportProgress[] = [];
    const file = path.join(dir, 'cancelled.ndjson');
    const job = await s.export({ format: 'ndjson', file });
    s.cancelExport(job.jobId);
    const final = await job.done;
    progress.push(final);
    expect(final.state).toBe('cancelled');
    expect(final.exported).toBeLessThan(60_000);
    await expect(stat(file)).rejects.toThrow();
    await expect(stat(`${file}.part`)).rejects.toThrow();
  });

  it('refuses a second service on the same store with STORE_LOCKED, and frees it on close', async () => {
    const first = service();
    await first.open();
    const second = service();
    await expect(second.open()).rejects.toMatchObject({ code: 'STORE_LOCKED' });
    expect((await second.status()).state).toBe('unavailable');
    await first.close();
    const third = service();
    await third.open();
    expect((await third.status()).state).toBe('open');
  });

  it('refuses a store locked by another live process and takes over a lock its dead owner left', async () => {
    const file = path.join(dir, 'history', 'history.db');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(path.dirname(file), { recursive: true });
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    other.on('error', () => undefined);
    try {
      await writeFile(`${file}.lock`, JSON.stringify({ pid: other.pid, host: os.hostname() }));
      await expect(service().open()).rejects.toMatchObject({ code: 'STORE_LOCKED', message: expect.stringContaining(`process ${other.pid}`) });
    } finally {
      other.kill();
    }
    await new Promise((resolve) => other.once('exit', resolve));
    const s = service();
    await s.open();
    expect(JSON.parse(await readFile(`${file}.lock`, 'utf8'))).toMatchObject({ pid: process.pid });
  });

  it('pauses recording with a visible status when the store is full, and loses no earlier message', async () => {
    const statuses: HistoryStatus[] = [];
    const s = service({ hardLimitBytes: 600 * 1024, onStatus: (st) => statuses.push(st) });
    await s.setRecording(conn, true, { sourceKey: 's' });
    s.record(conn, message('t', 'kept'));
    await s.settle();
    const big = 'z'.repeat(8000);
    for (let i = 0; i < 200; i++) s.record(conn, message(`t/${i}`, big));
    await s.settle();
    const status = await waitFor(async () => {
      const st = await s.status();
      return st.state === 'recording-failed' ? st : null;
    });
    expect(status.error?.message).toMatch(/Recording paused: the disk .* is full/);
    expect(status.lost).toBeGreaterThan(0);
    // Listeners hear of it too (a status is read in steps, so theirs may come a moment after this one).
    await waitFor(() => statuses.some((st) => st.state === 'recording-failed'), { what: 'the recording-failed status to be announced' });
    // While failed, messages are counted as dropped rather than queued.
    s.record(conn, message('t', 'dropped'));
    expect((await s.status()).recording[0]?.dropped).toBe(1);
    const page = await s.query({ filters: ['t'] });
    expect(page.messages.map((m) => new TextDecoder().decode(m.payload))).toEqual(['kept']);
    // Resuming retries; small messages fit again.
    await s.pause(false);
    s.record(conn, message('t', 'after resume'));
    expect((await s.query({ filters: ['t'], order: 'oldest' })).messages.map((m) => new TextDecoder().decode(m.payload))).toEqual(['kept', 'after resume']);
  });

  it('says where it moved a foreign store file and starts a new one', async () => {
    const file = path.join(dir, 'history', 'history.db');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, 'not a database');
    const s = service();
    await s.setRecording(conn, true, { sourceKey: 's' });
    const status = await s.status();
    expect(status.state).toBe('open');
    expect(status.movedAside).toMatch(/history\.db\.foreign-/);
    expect(await readFile(status.movedAside as string, 'utf8')).toBe('not a database');
  });

  it('prunes in the background as soon as the store passes its size limit', async () => {
    const s = service();
    await s.setRecording(conn, true, { sourceKey: 's' });
    await s.setRetention(undefined, undefined, 1024 * 1024);
    const payload = 'p'.repeat(1000);
    for (let i = 0; i < 3000; i++) s.record(conn, message('t', `${i}:${payload}`, base + i));
    await s.settle();
    const status = await waitFor(async () => {
      const st = await s.status();
      return (st.sources[0]?.bytes ?? Infinity) <= 1024 * 1024 ? st : null;
    });
    expect(status.messages).toBeLessThan(3000);
    const newest = (await s.query({}, 1)).messages[0];
    expect(new TextDecoder().decode(newest?.payload).startsWith('2999:')).toBe(true);
  });

  it('reports the worker missing as an unavailable store instead of crashing', async () => {
    const s = new HistoryService({ file: path.join(dir, 'h.db'), workerFile: path.join(dir, 'no-such-worker.cjs') });
    services.push(s);
    await expect(s.setRecording(conn, true, { sourceKey: 's' })).rejects.toMatchObject({ code: 'HISTORY_ERROR' });
    s.record(conn, message('t', 'x'));
    expect((await s.status()).state).toBe('unavailable');
  });
});
