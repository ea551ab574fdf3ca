import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'libsql';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MessageView } from '../../../shared/ipc/common';
import { ExportFormatter } from './export-format';
import { HistoryStore, type StoreQuery } from './history-store';
import { MessageBatchWriter } from './message-batch';

let dir: string;
let store: HistoryStore;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'topiary-export-format-'));
  store = HistoryStore.open({ file: path.join(dir, 'history.db') }).store;
});
afterEach(async () => {
  store.close();
  await rm(dir, { recursive: true, force: true });
});

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('ExportFormatter', () => {
  it('writes stored rows byte for byte as it writes the same messages, in every format', () => {
    const source = store.ensureSource('profile:"a",b', 'A');
    const messages: MessageView[] = [
      { topic: 'plain/t', payload: text('21.5'), qos: 0, retain: false, dup: false, receivedAt: 1000 },
      { topic: 'quote"s,and\nlines', payload: text('say "hi",\r\n\u00e9\u{1f600}'), qos: 1, retain: true, dup: false, receivedAt: 1001 },
      { topic: 'bin', payload: new Uint8Array([0xff, 0, 0xfe, 0x80]), qos: 2, retain: false, dup: true, receivedAt: 1002 },
      { topic: 'empty', payload: new Uint8Array(), qos: 0, retain: false, dup: false, receivedAt: 1003 },
      // Every character JSON escapes, and some it does not: SQLite's json_quote must write them as JSON.stringify does.
      { topic: 'controls', payload: text(`${Array.from({ length: 32 }, (_, c) => String.fromCharCode(c)).join('')}\\"/\u007f\u2028\u2029\u{1f600}`), qos: 0, retain: false, dup: false, receivedAt: 1003 },
      { topic: 'fraction', payload: text('f'), qos: 0, retain: false, dup: false, receivedAt: 1005 },
      { topic: 'fraction', payload: text('g'), qos: 0, retain: false, dup: false, receivedAt: 1006 },
      {
        topic: 'props',
        payload: text('{"v":1}'),
        qos: 1,
        retain: false,
        dup: false,
        receivedAt: 1004,
        properties: { contentType: 'application/json', correlationData: new Uint8Array([1, 2, 3]), userProperties: [['k', 'v,"x"'], ['k', 'w']], messageExpiryInterval: 60, responseTopic: 'r/t' },
      },
    ];
    const writer = new MessageBatchWriter();
    for (const m of messages) writer.add(source, m);
    store.insertBatch(writer.take().buffer);
    // Fractional times, as a store filled by SQL may hold (the store itself rounds): 15 digits SQLite writes as
    // JavaScript does, and 17 it cannot, so that line is made by addRow.
    const raw = new Database(path.join(dir, 'history.db'));
    raw.prepare("UPDATE messages SET ts = ? WHERE id = (SELECT min(id) FROM messages WHERE CAST(payload AS TEXT) = 'f')").run(1_767_225_600_123.25);
    raw.prepare("UPDATE messages SET ts = ? WHERE id = (SELECT min(id) FROM messages WHERE CAST(payload AS TEXT) = 'g')").run(0.1 + 0.2);
    raw.close();
    const query: StoreQuery = { filters: ['#'], order: 'oldest' };
    for (const format of ['ndjson', 'json', 'csv'] as const) {
      const fromMessages = new ExportFormatter(format);
      const expected = fromMessages.header() + fromMessages.chunk(store.page(query, 1000, null).messages) + fromMessages.footer();
      const fromRows = new ExportFormatter(format);
      let got = fromRows.header();
      // Two pages, so the JSON separators between chunks are covered too.
      let cursor: number | null = null;
      do {
        cursor = store.walk(query, 3, cursor, 1000, (row) => {
          fromRows.addRow({ id: row.id, ...store.namesOf(row), receivedAt: row.ts, flags: row.flags, payload: row.payload, props: row.props });
        }).nextCursor;
        got += fromRows.take();
      } while (cursor !== null);
      got += fromRows.footer();
      expect(got, format).toBe(expected);
      expect(got.length).toBeGreaterThan(200);
      if (format === 'csv') continue;
      // As the export runs JSON and NDJSON: UTF-8 payloads quoted inside SQLite.
      const fromQuoted = new ExportFormatter(format);
      let quoted = fromQuoted.header();
      let rows = 0;
      store.walk(
        query,
        1000,
        null,
        1000,
        (row) => {
          rows += row.quoted !== null ? 1 : 0;
          fromQuoted.addRow({ id: row.id, ...store.namesOf(row), receivedAt: row.ts, flags: row.flags, payload: row.payload, quoted: row.quoted, props: row.props });
        },
        { quoteText: true },
      );
      quoted += fromQuoted.take() + fromQuoted.footer();
      expect(rows, 'rows quoted in SQLite').toBe(messages.length - 1);
      expect(quoted, `${format}, quoted in SQLite`).toBe(expected);
      // As the export runs a search without text: most lines made inside SQLite, the rest by addRow, over pages.
      const fromLines = new ExportFormatter(format);
      let made = fromLines.header();
      let inSql = 0;
      let joinedLines = 0;
      cursor = null;
      do {
        const page = store.walkLines(query, 2, cursor, 1000, {
          separator: fromLines.lineSeparator,
          lines: (joined, count) => {
            inSql += count;
            joinedLines += count > 1 ? 1 : 0;
            fromLines.addLines(joined, count);
          },
          line: (line) => {
            inSql++;
            fromLines.addLine(line);
          },
          row: (row) => fromLines.addRow({ id: row.id, ...store.namesOf(row), receivedAt: row.ts, flags: row.flags, payload: row.payload, props: row.props }),
        });
        expect(page).not.toBeNull();
        cursor = page?.nextCursor ?? null;
        // As the export writes it: bytes, half the time (take() decodes the same parts to text).
        made += cursor !== null && cursor % 2 === 0 ? fromLines.takeBytes().toString('utf8') : fromLines.take();
      } while (cursor !== null);
      made += fromLines.footer();
      expect(inSql, 'lines made in SQLite (not the binary payload, the 17-digit time, the one with properties)').toBe(messages.length - 3);
      expect(joinedLines, 'chunks joined in SQLite').toBeGreaterThan(0);
      expect(made, `${format}, lines made in SQLite`).toBe(expected);
    }
  });

  it('lets through the same messages in SQLite-made lines as walk() does, for each criterion, page by page', () => {
    const source = store.ensureSource('profile:a', 'A');
    const writer = new MessageBatchWriter();
    // 400 topics under t/ (more than are read through the topic index) and some under u/.
    for (let i = 0; i < 900; i++) writer.add(source, { topic: i % 3 === 0 ? `u/${i % 7}` : `t/${i % 600}`, payload: text(`m${i}`), qos: (i % 3) as 0 | 1 | 2, retain: i % 5 === 0, dup: false, receivedAt: 10_000 + i });
    store.insertBatch(writer.take().buffer);
    const queries: StoreQuery[] = [
      { filters: ['#'], order: 'oldest' },
      { filters: ['#'], order: 'newest', qos: [1, 2] },
      { filters: ['t/#'], order: 'oldest', retain: true },
      { filters: ['t/#', 'u/3'], order: 'newest', since: 10_100, until: 10_700 },
    ];
    for (const query of queries) {
      const ids = (walk: (cursor: number | null, visit: (id: number) => void) => number | null): number[] => {
        const seen: number[] = [];
        let cursor: number | null = null;
        do cursor = walk(cursor, (id) => seen.push(id));
        while (cursor !== null);
        return seen;
      };
      const expected = ids((cursor, visit) => store.walk(query, 50, cursor, 1000, (row) => visit(row.id)).nextCursor);
      const got = ids((cursor, visit) => {
        // At most 100 ids per call: pages end at the window too.
        const idOf = (line: string): void => visit(Number(/^\{"id":(\d+)/.exec(line)?.[1]));
        const page = store.walkLines(query, 50, cursor, 100, { separator: '\n', lines: (bytes) => Buffer.from(bytes).toString('utf8').split('\n').forEach(idOf), line: idOf, row: (row) => visit(row.id) });
        if (page === null) throw new Error('walkLines did not take the search');
        return page.nextCursor;
      });
      expect(got, JSON.stringify(query)).toEqual(expected);
      expect(expected.length).toBeGreaterThan(50);
    }
    // A few topics are read through their index, and a text search reads payloads: walk() does those.
    const nowhere = { separator: '\n', lines: () => undefined, line: () => undefined, row: () => undefined };
    expect(store.walkLines({ filters: ['u/3'], order: 'oldest' }, 50, null, 1000, nowhere)).toBeNull();
    expect(store.walkLines({ filters: ['#'], order: 'oldest', text: 'm1' }, 50, null, 1000, nowhere)).toBeNull();
  });

  it('names topics made after a clear, whose ids were used before', () => {
    const source = store.ensureSource('profile:a', 'A');
    const lines = (): string[] => {
      const got: string[] = [];
      store.walkLines({ filters: ['#'], order: 'oldest' }, 100, null, 1000, { separator: '\n', lines: (t) => got.push(...Buffer.from(t).toString('utf8').split('\n')), line: (l) => got.push(l), row: () => got.push('row') });
      return got;
    };
    const add = (topic: string): void => {
      const writer = new MessageBatchWriter();
      writer.add(source, { topic, payload: text('1'), qos: 0, retain: false, dup: false, receivedAt: 1000 });
      store.insertBatch(writer.take().buffer);
    };
    add('first');
    expect(lines()).toEqual([expect.stringContaining('"topic":"first"')]);
    add('second');
    expect(lines()[1]).toContain('"topic":"second"');
    store.clear(null);
    add('third');
    expect(lines()).toEqual([expect.stringContaining('"topic":"third"')]);
  });
});
