import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { MessageView } from '../../shared/ipc/common';
import { connect, createBroker, openHistory, type EmbeddedBroker, type TopiaryClient } from '../lib';
import { ensureCliBuilt } from '../test-support/built-cli';
import { historyWorkerFile } from '../test-support/worker-file';
import { runTopiary, startTopiary } from '../test-support/topiary-process';
import { waitFor } from '../test-support/wait-for';

// Each test starts node processes; on a loaded two-core machine one start can take seconds.
vi.setConfig({ testTimeout: 180_000 });

let dir: string;
let source: EmbeddedBroker;
let target: EmbeddedBroker;

beforeAll(async () => {
  await ensureCliBuilt();
  dir = await mkdtemp(path.join(os.tmpdir(), 'topiary-cli-history-'));
  source = await createBroker();
  target = await createBroker();
}, 120_000);
afterAll(async () => {
  await source?.stop();
  await target?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const PAYLOADS: readonly Uint8Array[] = [
  new TextEncoder().encode('alarm: line 4 overheated ✓'),
  new Uint8Array([0xef, 0xbb, 0xbf, 0x41]),
  new Uint8Array([0, 1, 2, 0xff, 0xfe, 0x80]),
  new Uint8Array(0),
  new TextEncoder().encode('a, "quoted"\r\nsecond line'),
];

async function publishAll(client: TopiaryClient, prefix: string): Promise<void> {
  for (const [i, p] of PAYLOADS.entries()) {
    await client.publish(`${prefix}/${i}`, p, { qos: (i % 3) as 0 | 1 | 2, properties: { userProperties: [['n', String(i)]], contentType: 'application/x-test', correlationData: new Uint8Array([i, 255]) } });
  }
}

/** Waits until a client with this id has subscribed at the broker. */
async function subscribed(broker: EmbeddedBroker, clientId: string): Promise<void> {
  await waitFor(() => broker.engine.listClients().some((c) => c.clientId === clientId && c.subscriptions.length > 0), { timeoutMs: 60_000, what: `${clientId} to subscribe` });
}

describe('topiary record and replay', () => {
  it('records a capture to --count, then replays it to another broker where an outside subscriber gets the same bytes and properties', async () => {
    const capture = path.join(dir, 'burst.ndjson');
    const rec = startTopiary(['record', '-u', source.url, '--client-id', 'cli-recorder', '-t', 'burst/#', '-q', '2', '-o', capture, '--count', String(PAYLOADS.length)]);
    await subscribed(source, 'cli-recorder');
    const pub = await connect({ url: source.url, protocolVersion: 5 });
    await publishAll(pub, 'burst');
    await pub.end();
    expect(await rec.exit).toBe(0);
    expect(rec.err()).toMatch(/^recorded 5 message\(s\) to .*burst\.ndjson in \d+\.\d s\n$/);
    const lines = (await readFile(capture, 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(PAYLOADS.length + 1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ topiaryCapture: 1, filters: ['burst/#'], source: source.url });

    const outside = await connect({ url: target.url, protocolVersion: 5, subscriptions: [{ filter: 'copy/#', qos: 2 }] });
    const received: MessageView[] = [];
    outside.on('message', (m) => received.push(m));
    try {
      const r = await runTopiary(['replay', '-u', target.url, '-i', capture, '--max', '--strip-prefix', 'burst/', '--prefix', 'copy/']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^sent 5, acknowledged 3, refused 0 in \d+\.\d s\n$/);
      await waitFor(() => received.length === PAYLOADS.length, { what: 'the replayed messages' });
      for (const [i, p] of PAYLOADS.entries()) {
        const m = received.find((x) => x.topic === `copy/${i}`)!;
        expect(Buffer.from(m.payload).equals(Buffer.from(p))).toBe(true);
        expect(m.qos).toBe(i % 3);
        expect(m.properties?.userProperties).toEqual([['n', String(i)]]);
        expect(m.properties?.contentType).toBe('application/x-test');
        expect([...m.properties!.correlationData!]).toEqual([i, 255]);
      }
    } finally {
      await outside.end();
    }
  });

  it('replays at the recorded timing, scaled by --speed, and loops', async () => {
    const capture = path.join(dir, 'timed.ndjson');
    const body = [0, 400, 800].map((t, i) => JSON.stringify({ t, topic: `timed/${i}`, payloadEncoding: 'utf8', payload: String(i), qos: 1 }));
    await writeFile(capture, `${JSON.stringify({ topiaryCapture: 1, startedAt: 0 })}\n${body.join('\n')}\n`);
    const outside = await connect({ url: target.url, subscriptions: [{ filter: 'timed/#', qos: 1 }] });
    const at: number[] = [];
    outside.on('message', () => at.push(performance.now()));
    try {
      const r = await runTopiary(['replay', '-u', target.url, '-i', capture, '--speed', '2', '--loop', '2']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^sent 6, acknowledged 6, refused 0/);
      await waitFor(() => at.length === 6, { what: 'six replayed messages' });
      // At 2× the recorded 0, 400, 800 ms become 0, 200, 400 ms, and the loop plays them again from 400 ms (the seam
      // keeps the timing): 800 ms from first to last, where 1× would take 1,600 ms and 4× 400 ms. Measured at a
      // subscriber: a late first delivery shortens the span and a late last one lengthens it, each by up to one stall
      // of a busy machine (300 ms), so the bounds sit between the right speed and the wrong ones, not at 800 ± 150.
      const span = at[5]! - at[0]!;
      expect(span).toBeGreaterThan(500);
      expect(span).toBeLessThan(1_450);
      expect(at[2]! - at[0]!).toBeGreaterThan(100);
    } finally {
      await outside.end();
    }
  });

  it('names the malformed line and sends nothing; --skip-malformed replays the rest', async () => {
    const capture = path.join(dir, 'broken.ndjson');
    await writeFile(
      capture,
      `{"topiaryCapture":1,"startedAt":0}\n{"t":0,"topic":"broken/a","payloadEncoding":"utf8","payload":"a"}\n{"t":1,"topic":"broken/b","payloadEncoding":"base64","payload":"not base64!"}\n{"t":2,"topic":"broken/c","payloadEncoding":"utf8","payload":"c"}\n`,
    );
    const outside = await connect({ url: target.url, subscriptions: [{ filter: 'broken/#', qos: 1 }] });
    const got: string[] = [];
    outside.on('message', (m) => got.push(m.topic));
    try {
      const refused = await runTopiary(['replay', '-u', target.url, '-i', capture, '--max']);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toBe(`error: Line 3 of ${capture}: "payload" is not valid base64. Nothing was sent; --skip-malformed replays the other lines.\n`);
      const skipped = await runTopiary(['replay', '-u', target.url, '-i', capture, '--max', '--skip-malformed']);
      expect(skipped.code).toBe(0);
      expect(skipped.stderr).toBe(`${capture}:3: skipped: Line 3 of ${capture}: "payload" is not valid base64.\n`);
      await waitFor(() => got.length === 2, { what: 'the two good lines' });
      expect(got).toEqual(['broken/a', 'broken/c']);
    } finally {
      await outside.end();
    }
  });

  it.each([
    ['no capture', ['replay'], 2, 'Say which capture to replay with -i FILE.'],
    ['a missing capture', ['replay', '-i', '/nonexistent/c.ndjson'], 1, '-i /nonexistent/c.ndjson: no such file.'],
    ['a speed out of range', ['replay', '-i', 'x', '--speed', '1000'], 2, '--speed must be a number from 0.1 to 100, not "1000".'],
    ['no target', ['record', '-t', 'a'], 2, 'Say where to record with one of -o FILE, --to-history or --store FILE.'],
    ['both --duration and --count', ['record', '-o', 'x', '--duration', '1', '--count', '1'], 2, 'Give --duration or --count, not both.'],
    ['an invalid filter', ['record', '-o', 'x', '-t', 'a/#/b'], 1, '"a/#/b" is not a valid topic filter'],
  ])('exits with one clear sentence for %s', async (_what, args, code, sentence) => {
    const r = await runTopiary(args);
    expect(r.code).toBe(code);
    expect(r.stderr.split('\n')[0]).toContain(sentence);
  });
});

describe('topiary history', () => {
  let store: string;
  let capture: string;
  // A minute ago: within the store's default retention (7 days), which prunes older messages at once.
  const base = Math.floor(Date.now() / 1000) * 1000 - 60_000;
  const iso = (offset: number): string => new Date(base + offset).toISOString();

  beforeAll(async () => {
    store = path.join(dir, 'store', 'history.db');
    capture = path.join(dir, 'import.ndjson');
    const body = PAYLOADS.map((p, i) =>
      JSON.stringify({
        t: i * 10,
        topic: i === 3 ? 'other/x' : `plant/${i}`,
        ...(Buffer.from(Buffer.from(p).toString('utf8'), 'utf8').equals(Buffer.from(p)) ? { payloadEncoding: 'utf8', payload: Buffer.from(p).toString('utf8') } : { payloadEncoding: 'base64', payload: Buffer.from(p).toString('base64') }),
        qos: i % 3,
        retain: i === 1,
        properties: { userProperties: [['n', String(i)]] },
      }),
    );
    await writeFile(capture, `${JSON.stringify({ topiaryCapture: 1, startedAt: base })}\n${body.join('\n')}\n`);
  });

  it('imports a capture, and queries it with a filter, a regular expression, QoS and retain', async () => {
    const imported = await runTopiary(['history', 'import', '--store', store, '-i', capture]);
    expect(imported.stderr).toBe('');
    expect(imported.stdout).toBe(`imported 5 message(s) into ${store}\n`);
    const text = await runTopiary(['history', 'query', '--store', store, '-t', 'plant/#', '--order', 'oldest']);
    expect(text.code).toBe(0);
    expect(text.stdout.split('\n').slice(0, 2)).toEqual([`${iso(0)} plant/0 alarm: line 4 overheated ✓`, `${iso(10)} plant/1 \uFEFFA`]);
    const grep = await runTopiary(['history', 'query', '--store', store, '-t', 'plant/#', '--grep', 'ALARM|quoted', '--ignore-case', '--format', 'ndjson']);
    expect(grep.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { topic: string }).topic)).toEqual(['plant/4', 'plant/0']);
    const retained = await runTopiary(['history', 'query', '--store', store, '--retained', '--format', 'ndjson']);
    expect(retained.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { topic: string }).topic)).toEqual(['plant/1']);
    const qos2 = await runTopiary(['history', 'query', '--store', store, '-q', '2', '--format', 'ndjson']);
    expect(qos2.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { topic: string }).topic)).toEqual(['plant/2']);
    const range = await runTopiary(['history', 'query', '--store', store, '--since', iso(15), '--until', iso(35), '--format', 'ndjson', '--order', 'oldest']);
    expect(range.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { topic: string }).topic)).toEqual(['plant/2', 'other/x']);
  });

  it.each(['ndjson', 'json', 'csv'])('exports %s byte for byte what query prints, and the export is lossless', async (format) => {
    const out = path.join(dir, `export.${format}`);
    const exported = await runTopiary(['history', 'export', '--store', store, '-t', 'plant/#', '--format', format, '-o', out]);
    expect(exported.code).toBe(0);
    expect(exported.stderr).toBe(`exported 4 message(s) to ${out}\n`);
    const printed = await runTopiary(['history', 'query', '--store', store, '-t', 'plant/#', '--format', format, '--order', 'oldest']);
    expect(printed.bytes.equals(await readFile(out))).toBe(true);
    if (format === 'ndjson') {
      const rows = (await readFile(out, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { payloadEncoding: 'utf8' | 'base64'; payload: string; properties: unknown });
      const bytes = rows.map((r) => Buffer.from(r.payload, r.payloadEncoding === 'utf8' ? 'utf8' : 'base64'));
      expect(bytes.map((b) => b.toString('hex'))).toEqual([0, 1, 2, 4].map((i) => Buffer.from(PAYLOADS[i]!).toString('hex')));
      expect(rows[2]!.properties).toEqual({ userProperties: [['n', '2']] });
    }
  });

  it('limits the query and clears what a search finds; clear without a criterion is bad usage', async () => {
    const limited = await runTopiary(['history', 'query', '--store', store, '--limit', '2', '--format', 'ndjson']);
    expect(limited.stdout.trim().split('\n')).toHaveLength(2);
    const bare = await runTopiary(['history', 'clear', '--store', store]);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain('give a criterion');
    const cleared = await runTopiary(['history', 'clear', '--store', store, '-t', 'other/#']);
    expect(cleared.stdout).toBe('deleted 1 message(s)\n');
    const left = await runTopiary(['history', 'query', '--store', store, '--format', 'ndjson']);
    expect(left.stdout.trim().split('\n')).toHaveLength(4);
  });

  it('records a live subscription into a store, found by a later query', async () => {
    const live = path.join(dir, 'live', 'history.db');
    const rec = startTopiary(['record', '-u', source.url, '--client-id', 'cli-store-recorder', '-t', 'live/#', '-q', '1', '--store', live, '--source', 'url:plant', '--count', '3']);
    await subscribed(source, 'cli-store-recorder');
    const pub = await connect({ url: source.url });
    for (const n of [1, 2, 3]) await pub.publish(`live/${n}`, `v${n}`, { qos: 1 });
    await pub.end();
    expect(await rec.exit).toBe(0);
    expect(rec.err()).toMatch(/^recorded 3 message\(s\) into .*history\.db in \d+\.\d s\n$/);
    const q = await runTopiary(['history', 'query', '--store', live, '--source', 'url:plant', '--format', 'ndjson', '--order', 'oldest']);
    expect(q.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { topic: string; payload: string }).payload)).toEqual(['v1', 'v2', 'v3']);
  });

  it('exits 1 naming the problem: no store, a store another process holds, a bad regular expression', async () => {
    const missing = await runTopiary(['history', 'query', '--store', path.join(dir, 'none.db')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(`error: --store ${path.join(dir, 'none.db')}: no such file; give the path of a Topiary history store (history.db).\n`);
    const held = await openHistory({ file: store, workerFile: await historyWorkerFile() });
    try {
      const locked = await runTopiary(['history', 'query', '--store', store]);
      expect(locked.code).toBe(1);
      expect(locked.stderr).toMatch(/^error: .*(in use|another|locked).*\n$/i);
    } finally {
      await held.close();
    }
    const badRe = await runTopiary(['history', 'query', '--store', store, '--grep', '(']);
    expect(badRe.code).toBe(2);
    expect(badRe.stderr).toMatch(/^error: --grep "\(" is not a valid regular expression/);
    const noAction = await runTopiary(['history']);
    expect(noAction.code).toBe(2);
  });
});
