import type { ConnectionId } from '../../../../shared/ipc/common';
import { toErrorData } from '../../lib/error-data';
import { core } from '../../ipc/core-client';
import { getSlice, setSlice } from '../../store/root-store';
import type { DiffResult } from '../../../../shared/ipc/explorer';
import type { HistoryMessage, HistoryPage, HistoryQueryInput } from '../../../../shared/ipc/history';
import { toHistoryQuery, type QueryDraft } from './query-draft';
import { appendSearchResults, replaceSearchResults } from './results';
import type { HistorySearchState } from './state';

const PAGE = 200;

/** Hears the store's status and the progress of this window's export and replay. */
export function listenToHistory(): void {
  core.on('history.statusChanged', (status) => setSlice('historySearch', { status }));
  core.on('history.exportProgressed', (progress) => {
    if (getSlice('historySearch').exportJob?.jobId === progress.jobId) setSlice('historySearch', { exportJob: progress });
  });
  core.on('history.captureProgressed', (progress) => {
    if (getSlice('historySearch').replayJob?.jobId === progress.jobId) setSlice('historySearch', { replayJob: progress });
  });
}

function failed(error: unknown): void {
  setSlice('historySearch', { error: toErrorData(error), searching: false });
}

/** The store's status; `open` opens the store if nothing has yet (the History view, where the user looks at it). */
export async function refreshHistoryStatus(open = false): Promise<void> {
  try {
    setSlice('historySearch', { status: await core.invoke('history.getStatus', { open }) });
  } catch (error) {
    failed(error);
  }
}

/** Runs a search from the form; the first page replaces the held results. */
export async function searchHistory(draft: QueryDraft): Promise<void> {
  const parsed = toHistoryQuery(draft);
  if (!parsed.ok) {
    setSlice('historySearch', { error: { code: 'VALIDATION_ERROR', message: parsed.message, details: { field: parsed.field } } });
    return;
  }
  setSlice('historySearch', { searching: true, error: null });
  const started = performance.now();
  try {
    const page = await core.invoke('history.query', { query: parsed.query, limit: PAGE, decoded: draft.decoded });
    replaceSearchResults(page.messages);
    setSlice('historySearch', (s) => ({
      lastQuery: parsed.query,
      lastDecoded: draft.decoded,
      resultsVersion: s.resultsVersion + 1,
      resultCount: page.messages.length,
      nextCursor: page.nextCursor,
      searching: false,
      elapsedMs: performance.now() - started,
      selectedId: null,
      compareId: null,
    }));
  } catch (error) {
    failed(error);
  }
}

/** The next page of the last search, appended (the list asks as it scrolls near its end). */
export async function loadMoreResults(): Promise<void> {
  const { lastQuery, lastDecoded, nextCursor, searching } = getSlice('historySearch');
  if (!lastQuery || nextCursor === null || searching) return;
  setSlice('historySearch', { searching: true });
  try {
    const page = await core.invoke('history.query', { query: lastQuery, limit: PAGE, cursor: nextCursor, decoded: lastDecoded });
    appendSearchResults(page.messages);
    setSlice('historySearch', (s) => ({ resultsVersion: s.resultsVersion + 1, resultCount: s.resultCount + page.messages.length, nextCursor: page.nextCursor, searching: false }));
  } catch (error) {
    failed(error);
  }
}

export function editDraft(patch: Partial<QueryDraft>): void {
  setSlice('historySearch', (s) => ({ draft: { ...s.draft, ...patch } }));
}

export function selectResult(id: number | null): void {
  setSlice('historySearch', { selectedId: id });
}

/** Marks a result to compare the picked one with (null stops comparing). */
export function markCompare(id: number | null): void {
  setSlice('historySearch', { compareId: id });
}

/** Two stored payloads compared in the core, JSON-aware like the explorer's history diff. */
export function diffResults(a: HistoryMessage, b: HistoryMessage): Promise<DiffResult> {
  // Bytes from the wire are always on an ArrayBuffer; the contract's type says so, the held type does not.
  return core.invoke('decoders.diffPayloads', { a: a.payload as Uint8Array<ArrayBuffer>, b: b.payload as Uint8Array<ArrayBuffer> });
}

/** Streams the last search to a file in the core; progress arrives as history.exportProgressed. */
export async function exportResults(format: 'json' | 'ndjson' | 'csv', file: string): Promise<void> {
  const { lastQuery, lastDecoded } = getSlice('historySearch');
  const query = lastQuery ?? { filters: ['#'] };
  try {
    const { jobId } = await core.invoke('history.export', { query: { ...query, order: 'oldest' }, format, file, decoded: lastDecoded });
    setSlice('historySearch', (s): Partial<HistorySearchState> => ({ exportJob: s.exportJob?.jobId === jobId ? s.exportJob : { jobId, state: 'running', exported: 0, fraction: 0, file }, error: null }));
  } catch (error) {
    failed(error);
  }
}

export async function cancelExport(): Promise<void> {
  const job = getSlice('historySearch').exportJob;
  if (job?.state === 'running') await core.invoke('history.cancelExport', { jobId: job.jobId });
}

/** Replays the last search's messages to a connection, with their recorded timing scaled by `speed`. */
export async function replayResults(connectionId: ConnectionId, options: { readonly speed: number | 'max'; readonly addPrefix?: string; readonly stripPrefix?: string }): Promise<void> {
  const query = getSlice('historySearch').lastQuery;
  if (!query) return;
  try {
    const { jobId, messages } = await core.invoke('history.replaySearch', { connectionId, query, speed: options.speed, ...(options.addPrefix ? { addPrefix: options.addPrefix } : {}), ...(options.stripPrefix ? { stripPrefix: options.stripPrefix } : {}) });
    setSlice('historySearch', (s): Partial<HistorySearchState> => ({
      replayJob: s.replayJob?.jobId === jobId ? s.replayJob : { jobId, kind: 'replay', state: 'running', file: '', recorded: 0, sent: 0, acknowledged: 0, refused: 0, total: messages, errors: [], skipped: [] },
      error: null,
    }));
  } catch (error) {
    failed(error);
  }
}

export async function controlReplay(action: 'pause' | 'resume' | 'stop'): Promise<void> {
  const job = getSlice('historySearch').replayJob;
  if (!job || (job.state !== 'running' && job.state !== 'paused')) return;
  try {
    await core.invoke('history.controlCapture', { jobId: job.jobId, action });
  } catch (error) {
    failed(error);
  }
}

/** Turns recording of a live connection on or off (its source is the connection's profile or URL). */
export async function setConnectionRecording(connectionId: ConnectionId, enabled: boolean, sourceKey: string, label: string): Promise<void> {
  try {
    setSlice('historySearch', { status: await core.invoke('history.setRecording', { connectionId, enabled, sourceKey, label }), error: null });
  } catch (error) {
    failed(error);
  }
}

export async function pauseRecording(paused: boolean): Promise<void> {
  try {
    setSlice('historySearch', { status: await core.invoke('history.pause', { paused }) });
  } catch (error) {
    failed(error);
  }
}

/** A source's retention: days and megabytes, null for no bound. */
export async function setSourceRetention(sourceKey: string, days: number | null, megabytes: number | null): Promise<void> {
  try {
    const retention = { maxAgeMs: days === null ? null : Math.round(days * 86_400_000), maxBytes: megabytes === null ? null : Math.round(megabytes * 1024 * 1024) };
    setSlice('historySearch', { status: await core.invoke('history.setRetention', { sourceKey, retention }), error: null });
  } catch (error) {
    failed(error);
  }
}

/** The store's own size limit, in megabytes. */
export async function setStoreLimit(megabytes: number): Promise<void> {
  try {
    setSlice('historySearch', { status: await core.invoke('history.setRetention', { maxTotalBytes: Math.round(megabytes * 1024 * 1024) }), error: null });
  } catch (error) {
    failed(error);
  }
}

/**
 * A topic's messages in the store older than `before` (epoch ms), newest first: what the inspector shows under
 * "older messages" once the in-memory history runs out. Only the connection's own recording is searched.
 */
export async function fetchOlderMessages(sourceKey: string, topic: string, before: number, cursor?: string): Promise<HistoryPage> {
  const query: HistoryQueryInput = { sources: [sourceKey], filters: [topic], until: Math.max(0, before - 1), order: 'newest' };
  return core.invoke('history.query', { query, limit: 100, ...(cursor !== undefined ? { cursor } : {}) });
}
