import { open as openFile, rename, rm } from 'node:fs/promises';
import type { ExportFormat, ExportProgress, HistoryDecoded, HistoryMessage, HistoryPage, HistoryQuery } from '../../../shared/ipc/history';
import type { BoundDecodedView } from '../decoders/decoder-bindings';
import { toScriptMessage } from '../scripts/script-message';
import type { ScriptMessage } from '../scripts/script-types';
import { ExportFormatter } from './export-format';
import { resolveQuery } from './history-query';

/** Decodes messages with their topics' bindings (scripts a batch per crossing); undefined where none applies. */
export type DecodeMessages = (messages: readonly ScriptMessage[]) => Promise<readonly (BoundDecodedView | undefined)[]>;

/** A page of the store itself, with how far through the range it got (for an export's progress). */
export type StorePageOf = (query: HistoryQuery, limit: number, cursor: string | undefined) => Promise<HistoryPage & { readonly fraction: number }>;

/** Stored messages a decoded search reads per request at most; it then answers with what it found and a cursor. */
const MAX_SCANNED_PER_PAGE = 20_000;
/** Messages read from the store and decoded together. */
const STORE_PAGE = 1000;

/** What a binding's view says, for search and export: a structured value as compact JSON, else the decoder's text. */
export function historyDecoded(view: BoundDecodedView): HistoryDecoded {
  if (!view.ok) return { ok: false, bindingId: view.bindingId, kind: view.kind, error: view.error };
  const text = view.value !== undefined && typeof view.value !== 'string' ? (JSON.stringify(view.value) ?? view.text) : view.text;
  return { ok: true, bindingId: view.bindingId, kind: view.kind, text };
}

/**
 * One page of a search with the user's decoder bindings applied: the store is read without the text and regex
 * criteria (they cannot see decoded text), each message is decoded, and a message matches when its payload or its
 * decoded text does. Reads at most MAX_SCANNED_PER_PAGE messages, then answers with a cursor, as the store does.
 */
export async function decodedPage(
  pageOf: StorePageOf,
  decode: DecodeMessages,
  query: HistoryQuery,
  limit: number,
  cursor: string | undefined,
): Promise<HistoryPage & { readonly fraction: number }> {
  // Checks the criteria as a plain search would (times, a regex that could backtrack without end).
  const { regex } = resolveQuery(query, Date.now());
  const needle = query.text?.toLowerCase();
  const { text: _text, regex: _regex, ...storeQuery } = query;
  const textOf = new TextDecoder();
  const matches = (m: HistoryMessage, decoded: HistoryDecoded | undefined): boolean => {
    if (needle === undefined && regex === undefined) return true;
    const texts = [textOf.decode(m.payload), ...(decoded?.ok === true ? [decoded.text] : [])];
    return texts.some((t) => {
      if (needle !== undefined && !t.toLowerCase().includes(needle)) return false;
      if (regex !== undefined) {
        regex.lastIndex = 0;
        if (!regex.test(t)) return false;
      }
      return true;
    });
  };
  const found: HistoryMessage[] = [];
  let scanned = 0;
  let next = cursor;
  for (;;) {
    const page = await pageOf(storeQuery, STORE_PAGE, next);
    scanned += page.scanned;
    const views = await decode(page.messages.map((m) => toScriptMessage(m)));
    for (let i = 0; i < page.messages.length; i++) {
      const m = page.messages[i]!;
      const view = views[i];
      const decoded = view === undefined ? undefined : historyDecoded(view);
      if (!matches(m, decoded)) continue;
      found.push(decoded === undefined ? m : { ...m, decoded });
      if (found.length >= limit) {
        // Stopped inside the store's page: the next one continues after this message.
        const nextCursor = i < page.messages.length - 1 ? String(m.id) : page.nextCursor;
        return { messages: found, nextCursor, scanned, fraction: nextCursor === null ? 1 : page.fraction };
      }
    }
    next = page.nextCursor ?? undefined;
    if (page.nextCursor === null || scanned >= MAX_SCANNED_PER_PAGE) return { messages: found, nextCursor: page.nextCursor, scanned, fraction: page.fraction };
  }
}

/** How often a running export says how far it got. */
const PROGRESS_INTERVAL_MS = 100;

export interface DecodedExportArgs {
  readonly jobId: string;
  readonly query: HistoryQuery;
  readonly format: ExportFormat;
  readonly file: string;
  readonly limit?: number;
  readonly progress: (progress: ExportProgress) => void;
  readonly cancelled: () => boolean;
}

/**
 * Writes a search with the user's decoder bindings applied to a file, as the worker's export does (a `.part` file
 * renamed at the end, removed on failure or cancel), each message with its `decoded` field. Runs here, not in the
 * history worker, because the scripts run in the core's sandbox; a page at a time, so other requests go on.
 */
export async function exportDecoded(pageOf: StorePageOf, decode: DecodeMessages, args: DecodedExportArgs): Promise<ExportProgress> {
  const { jobId, file } = args;
  const partial = `${file}.part`;
  const formatter = new ExportFormatter(args.format, { decoded: true });
  let exported = 0;
  let fraction = 0;
  const finish = (state: ExportProgress['state'], error?: string): ExportProgress => {
    const progress: ExportProgress = { jobId, state, exported, fraction: state === 'done' ? 1 : fraction, file, ...(error !== undefined ? { error } : {}) };
    args.progress(progress);
    return progress;
  };
  let handle;
  try {
    handle = await openFile(partial, 'w', 0o600);
  } catch (error) {
    return finish('failed', (error as Error).message);
  }
  try {
    await handle.write(formatter.header());
    let cursor: string | undefined;
    let lastReport = 0;
    for (;;) {
      if (args.cancelled()) {
        await handle.close();
        await rm(partial, { force: true });
        return finish('cancelled');
      }
      const want = args.limit !== undefined ? Math.min(STORE_PAGE, args.limit - exported) : STORE_PAGE;
      const page = await decodedPage(pageOf, decode, args.query, want, cursor);
      await handle.write(formatter.chunk(page.messages));
      exported += page.messages.length;
      fraction = page.fraction;
      if (page.nextCursor === null || (args.limit !== undefined && exported >= args.limit)) break;
      cursor = page.nextCursor;
      const now = Date.now();
      if (now - lastReport >= PROGRESS_INTERVAL_MS) {
        lastReport = now;
        args.progress({ jobId, state: 'running', exported, fraction, file });
      }
    }
    await handle.write(formatter.footer());
    await handle.close();
    await rename(partial, file);
    return finish('done');
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(partial, { force: true });
    return finish('failed', (error as Error).message);
  }
}
