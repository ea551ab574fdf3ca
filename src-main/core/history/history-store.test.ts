import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'libsql';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MessageView } from '../../../shared/ipc/common';
import { HistoryStore, ftsQueryFor, type StoreQuery } from './history-store';
import { MessageBatchWriter } from './message-batch';

let dir: string;
let stores: HistoryStore[] = [];

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'topiary-history-store-'));
});
afterEach(async () => {
  for (const s of stores) s.close();
  stores = [];
  await rm(dir, { recursive: true, force: true });
});

function open(file = path.join(dir, 'history.db'), hardLimitBytes?: number): ReturnType<typeof HistoryStore.open> {
  const opened = HistoryStore.open({ file, ...(hardLimitBytes !== undefined ? { hardLimitBytes } : {}) });
  stores.push(opened.store);
  return opened;
}

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

function message(topic: string, payload: string | Uint8Array, receivedAt: number, extra: Partial<MessageView> = {}): MessageView {
  return { topic, payload: typeof payload === 'string' ? text(payload) : payload, qos: 0, retain: false, dup: false, receivedAt, ...extra };
}

function insert(store: HistoryStore, source: number, messages: readonly MessageView[]): void {
  const writer = new MessageBatchWriter();
  for (const m of messages) writer.add(source, m);
  store.insertBatch(writer.take().buffer);
}

const all: StoreQuery = { filters: ['#'], order: 'oldest' };

function everything(store: HistoryStore, query: StoreQuery = all, limit = 1000): string[] {
  const out: string[] = [];
  let cursor: number | null = null;
  for (;;) {
    const page = store.page(query, limit, cursor);
    out.push(...page.messages.map((m) => `${m.topic}=${new TextDecoder().decode(m.payload)}`));
    if (page.nextCursor === null) return out;
    cursor = page.nextCursor;
  }
}

describe('HistoryStore', () => {
  it('keeps every field of a message, MQTT 5 properties and binary payloads included, across a reopen', () => {
    const file = path.join(dir, 'h.db');
    const { store } = open(file);
    const source = store.ensureSource('profile:a', 'Plant A');
    const binary = new Uint8Array([0xff, 0x00, 0xfe, 0x80]);
    insert(store, source, [
      message('plant/a/temp', binary, 1000, {
        qos: 2,
        retain: true,
        dup: true,
        properties: { contentType: 'application/octet-stream', correlationData: new Uint8Array([1, 2, 3]), userProperties: [['line', '4'], ['line', '5']], messageExpiryInterval: 60, payloadFormatIndicator: false, responseTopic: 'reply/here' },
      }),
    ]);
    store.close();
    stores = [];
    const again = open(file).store;
    const [m] = again.page(all, 10, null).messages;
    expect(m).toMatchObject({ source: 'profile:a', topic: 'plant/a/temp', qos: 2, retain: true, dup: true, receivedAt: 1000 });
    expect([...(m?.payload ?? [])]).toEqual([0xff, 0x00, 0xfe, 0x80]);
    expect(m?.properties).toEqual({
      contentType: 'application/octet-stream',
      correlationData: new Uint8Array([1, 2, 3]),
      userProperties: [['line', '4'], ['line', '5']],
      messageExpiryInterval: 60,
      payloadFormatIndicator: false,
      responseTopic: 'reply/here',
    });
    expect(again.sources()[0]).toMatchObject({ key: 'profile:a', label: 'Plant A', messages: 1, oldest: 1000, newest: 1000 });
  });

  it('pages newest first and oldest first without repeating or skipping a message', () => {
    const { store } = open();
    const s = store.ensureSource('s', 's');
    insert(store, s, Array.from({ length: 250 }, (_, i) => message(`t/${i % 7}`, `v${i}`, 10_000 + i)));
    const oldest = everything(store, all, 40);
    expect(oldest).toHaveLength(250);
    expect(oldest[0]).toBe('t/0=v0');
    const newest = everything(store, { ...all, order: 'newest' }, 33);
    expect(newest).toEqual([...oldest].reverse());
  });

  it('finds messages by topic filter and time range, for few topics and for many', () => {
    const { store } = open();
    const s = store.ensureSource('s', 's');
    insert(store, s, Array.from({ length: 1000 }, (_, i) => message(`site/${i % 100}/temp`, `${i}`, 1_000 + i)));
    const one = everything(store, { filters: ['site/7/temp'], since: 1_200, until: 1_500, order: 'oldest' });
    expect(one).toEqual(['site/7/temp=207', 'site/7/temp=307', 'site/7/temp=407']);
    // 100 topics match: the range scan path; every match, in order.
    const many = everything(store, { filters: ['site/+/temp'], since: 1_990, order: 'newest' });
    expect(many).toEqual(Array.from({ length: 10 }, (_, i) => `site/${(999 - i) % 100}/temp=${999 - i}`));
    expect(everything(store, { filters: ['other/#'], order: 'oldest' })).toEqual([]);
  });

  it('finds a topic\'s messages across many spans of the topic index, in order both ways, and pages them', () => {
    const { store } = open();
    const source = store.ensureSource('s', 's');
    // 150,000 messages: three spans of 65,536 ids; topic "rare" once in each span and twice in the last.
    const rareAt = new Set([10, 70_000, 140_000, 149_999]);
    for (let from = 0; from < 150_000; from += 10_000) {
      insert(
        store,
        source,
        Array.from({ length: 10_000 }, (_, k) => from + k).map((i) => message(rareAt.has(i) ? 'rare' : `t/${i % 300}`, String(i), 1000 + i)),
      );
    }
    expect(everything(store, { filters: ['rare'], order: 'oldest' }, 1)).toEqual(['rare=10', 'rare=70000', 'rare=140000', 'rare=149999']);
    expect(everything(store, { filters: ['rare'], order: 'newest' }, 3)).toEqual(['rare=149999', 'rare=140000', 'rare=70000', 'rare=10']);
    expect(everything(store, { filters: ['rare'], order: 'newest', since: 1000 + 69_999, until: 1000 + 140_000 })).toEqual(['rare=140000', 'rare=70000']);
    const two = everything(store, { filters: ['t/7', 't/8'], order: 'newest' }, 97);
    expect(two).toHaveLength(1000);
    expect(two.slice(0, 2)).toEqual(['t/8=149708', 't/7=149707']);
    expect(two.map((r) => Number(r.split('=')[1]))).toEqual([...two.map((r) => Number(r.split('=')[1]))].sort((a, b) => b - a));
    // 150,000 inserts: about 4 s on a busy machine, more when it is very busy.
  }, 60_000);

  it('upgrades a schema 1 store to the span index and still finds its messages by topic', () => {
    const file = path.join(dir, 'old.db');
    const { store } = open(file);
    const source = store.ensureSource('s', 's');
    insert(store, source, [message('a/b', 'one', 1000), message('a/c', 'two', 1001)]);
    store.close();
    stores = [];
    const db = new Database(file);
    db.exec('DROP INDEX messages_span_topic; CREATE INDEX messages_topic ON messages(topic); PRAGMA user_version = 1;');
    db.close();
    const again = open(file).store;
    expect(everything(again, { filters: ['a/c'], order: 'oldest' })).toEqual(['a/c=two']);
    const check = new Database(file);
    const indexes = (check.prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'messages'").raw().all() as [string][]).map((r) => r[0]).sort();
    check.close();
    expect(indexes).toEqual(['messages_span_topic', 'messages_ts']);
  });

  it('searches payload text by word through the full-text index, and by regular expression', () => {
    const { store } = open();
    const s = store.ensureSource('s', 's');
    insert(store, s, [
      message('a', '{"state":"Overheated","temp":91}', 1),
      message('b', '{"state":"ok","temp":20}', 2),
      message('c', 'overheated again', 3),
      message('d', new Uint8Array([0xff, 0xfe]), 4),
      message('e', 'the overhead line', 5),
    ]);
    expect(everything(store, { ...all, text: 'overheat' })).toEqual(['a={"state":"Overheated","temp":91}', 'c=overheated again']);
    expect(everything(store, { ...all, text: '"temp":9' })).toEqual(['a={"state":"Overheated","temp":91}']);
    expect(everything(store, { ...all, regex: /temp":\d{2}\b/ })).toHaveLength(2);
    expect(everything(store, { ...all, regex: /^the/ })).toEqual(['e=the overhead line']);
  });

  it('filters by QoS, retain flag and MQTT 5 user property', () => {
    const { store } = open();
    const s = store.ensureSource('s', 's');
    insert(store, s, [
      message('a', '1', 1, { qos: 1 }),
      message('b', '2', 2, { qos: 2, retain: true }),
      message('c', '3', 3, { qos: 0, properties: { userProperties: [['device', 'x1']] } }),
      message('d', '4', 4, { qos: 0, properties: { userProperties: [['device', 'x2']] } }),
    ]);
    expect(everything(store, { ...all, qos: [1, 2] })).toEqual(['a=1', 'b=2']);
    expect(everything(store, { ...all, retain: true })).toEqual(['b=2']);
    expect(everything(store, { ...all, userProperty: { key: 'device' } })).toEqual(['c=3', 'd=4']);
    expect(everything(store, { ...all, userProperty: { key: 'device', value: 'x2' } })).toEqual(['d=4']);
  });

  it('keeps sources apart: a search of one source does not see the other', () => {
    const { store } = open();
    const a = store.ensureSource('a', 'A');
    const b = store.ensureSource('b', 'B');
    insert(store, a, [message('t', 'from a', 1)]);
    insert(store, b, [message('t', 'from b', 2)]);
    expect(everything(store, { ...all, sources: ['b'] })).toEqual(['t=from b']);
    expect(everything(store, { ...all, sources: ['missing'] })).toEqual([]);
  });

  it('prunes by age per source, by size per source and by the store total, oldest first', () => {
    const { store } = open();
    const a = store.ensureSource('a', 'A');
    const b = store.ensureSource('b', 'B');
    const now = 10_000_000;
    insert(store, a, Array.from({ length: 100 }, (_, i) => message('t', `a${i}`, now - 100_000 + i * 1000)));
    store.setRetention('a', { maxAgeMs: 50_000, maxBytes: null });
    while (store.pruneStep(now) > 0);
    const kept = everything(store, { ...all, sources: ['a'] });
    // Messages at now-100 s + i s are older than 50 s for i < 50.
    expect(kept[0]).toBe('t=a50');
    expect(kept).toHaveLength(50);

    const payload = 'x'.repeat(1000);
    insert(store, b, Array.from({ length: 3000 }, (_, i) => message('big', `${i}:${payload}`, now + i)));
    store.setRetention('b', { maxAgeMs: null, maxBytes: 1024 * 1024 });
    while (store.pruneStep(now) > 0);
    const bRow = store.sources().find((r) => r.key === 'b');
    expect(bRow?.bytes).toBeLessThanOrEqual(1024 * 1024);
    expect(bRow?.messages).toBeGreaterThan(900);
    const newestB = store.page({ ...all, sources: ['b'], order: 'newest' }, 1, null).messages[0];
    expect(new TextDecoder().decode(newestB?.payload)).toMatch(/^2999:/);

    store.setMaxTotalBytes(100_000);
    while (store.pruneStep(now) > 0);
    expect(store.totalBytes()).toBeLessThanOrEqual(100_000);
    // The source counts agree with the rows left.
    expect(store.messageCount()).toBe(everything(store).length);
  });

  it('clears what a search finds and nothing else, and the text index with it', () => {
    const { store } = open();
    const s = store.ensureSource('s', 's');
    insert(store, s, [message('keep/1', 'alpha', 1), message('drop/1', 'alpha', 2), message('drop/2', 'beta', 3)]);
    expect(store.clear({ filters: ['drop/#'], order: 'oldest' })).toBe(2);
    expect(everything(store)).toEqual(['keep/1=alpha']);
    expect(everything(store, { ...all, text: 'alpha' })).toEqual(['keep/1=alpha']);
    expect(store.clear(null)).toBe(1);
    expect(store.messageCount()).toBe(0);
  });

  it('moves a file that is not SQLite aside and starts a new store', async () => {
    const file = path.join(dir, 'history.db');
    await writeFile(file, 'this is not a database, just text that someone saved here by mistake');
    const { store, movedAside } = open(file);
    expect(movedAside).toMatch(/history\.db\.foreign-/);
    expect(store.messageCount()).toBe(0);
    expect((await readdir(dir)).some((f) => f.startsWith('history.db.foreign-'))).toBe(true);
  });

  it("moves another application's SQLite database aside instead of writing into it", () => {
    const file = path.join(dir, 'history.db');
    const other = new Database(file);
    other.exec('CREATE TABLE invoices(id INTEGER PRIMARY KEY, total REAL); INSERT INTO invoices(total) VALUES (12.5);');
    other.close();
    const { movedAside } = open(file);
    expect(movedAside).toMatch(/history\.db\.foreign-/);
    const check = new Database(movedAside as string);
    expect(check.prepare('SELECT total FROM invoices').pluck().all()).toEqual([12.5]);
    check.close();
  });

  it('moves a corrupt store aside', async () => {
    const file = path.join(dir, 'history.db');
    const { store } = open(file);
    store.ensureSource('s', 's');
    store.close();
    stores = [];
    // Keep the SQLite header, wreck the schema pages.
    const { readFile } = await import('node:fs/promises');
    // The log was folded into the file at close: what is corrupted is all there is.
    expect(existsSync(`${file}-wal`) ? statSync(`${file}-wal`).size : 0).toBe(0);
    const bytes = await readFile(file);
    for (let i = 100; i < bytes.length; i++) bytes[i] = (i * 31) & 0xff;
    await writeFile(file, bytes);
    const reopened = open(file);
    expect(reopened.movedAside).toMatch(/history\.db\.corrupt-/);
    expect(reopened.store.sources()).toEqual([]);
  });

  it('fails a batch with "full" at its hard limit and keeps what was written before', () => {
    const { store } = open(path.join(dir, 'h.db'), 512 * 1024);
    const s = store.ensureSource('s', 's');
    insert(store, s, [message('t', 'first', 1)]);
    const big = 'y'.repeat(4000);
    expect(() => insert(store, s, Array.from({ length: 500 }, (_, i) => message(`t/${i}`, big, 2 + i)))).toThrow(/full/i);
    expect(everything(store)).toEqual(['t=first']);
    insert(store, s, [message('t', 'after', 3)]);
    expect(everything(store)).toEqual(['t=first', 't=after']);
  });
});

describe('ftsQueryFor', () => {
  it('makes each word a token and the last a prefix when the text ends in a word', () => {
    expect(ftsQueryFor('over')).toBe('"over"*');
    expect(ftsQueryFor('"temp":9')).toBe('"temp" AND "9"*');
    expect(ftsQueryFor('sensor-4 ')).toBe('"sensor" AND "4"');
    expect(ftsQueryFor('{}')).toBeNull();
  });
});
