import type { ConnectionId } from '../../../../shared/ipc/common';
import type { ErrorData } from '../../../../shared/ipc/errors';
import type { CaptureJobProgress, ExportProgress, HistoryRecordingRow, HistorySourceRow, HistoryStatus } from '../../../../shared/ipc/history';
import type { AppState } from '../../store/root-store';
import type { QueryDraft } from './query-draft';
import { formatBytes, plural } from '../../lib/format';

const NO_SOURCES: readonly HistorySourceRow[] = [];

const megabytes = formatBytes;

export const historySearchSelectors = {
  status: (s: AppState): HistoryStatus | null => s.historySearch.status,
  draft: (s: AppState): QueryDraft => s.historySearch.draft,
  sources: (s: AppState): readonly HistorySourceRow[] => s.historySearch.status?.sources ?? NO_SOURCES,
  /** The recording of a live connection, if it is recorded. */
  recordingOf:
    (connectionId: ConnectionId | null) =>
    (s: AppState): HistoryRecordingRow | undefined =>
      connectionId === null ? undefined : s.historySearch.status?.recording.find((r) => r.connectionId === connectionId),
  /** Recording is on and writing (not paused by the user, not stopped by a failed write). */
  recordingActive: (s: AppState): boolean => {
    const st = s.historySearch.status;
    return st !== null && st.recording.length > 0 && !st.paused && st.state !== 'recording-failed';
  },
  /** The one line the status strip shows about the store. */
  summary: (s: AppState): string => {
    const st = s.historySearch.status;
    if (!st) return 'History: not loaded yet';
    if (st.state === 'closed') return `History store not opened yet · ${st.recording.length === 0 ? 'not recording' : 'recording'}`;
    if (st.state === 'unavailable') return `History unavailable: ${st.error?.message ?? 'the store could not be opened.'}`;
    const size = `${plural(st.messages, 'message')} · ${megabytes(st.fileBytes)} of ${megabytes(st.maxTotalBytes)}`;
    if (st.state === 'recording-failed') return `Recording stopped: ${st.error?.message ?? 'the store cannot be written.'} ${size}`;
    const recording = st.recording.length === 0 ? 'not recording' : st.paused ? `recording paused (${st.recording.length})` : `recording ${plural(st.recording.length, 'connection')}`;
    return `${size} · ${recording}${st.lost > 0 ? ` · ${st.lost.toLocaleString('en')} lost` : ''}`;
  },
  resultsVersion: (s: AppState): number => s.historySearch.resultsVersion,
  resultCount: (s: AppState): number => s.historySearch.resultCount,
  hasMore: (s: AppState): boolean => s.historySearch.nextCursor !== null,
  hasSearched: (s: AppState): boolean => s.historySearch.lastQuery !== null,
  searching: (s: AppState): boolean => s.historySearch.searching,
  elapsedMs: (s: AppState): number | null => s.historySearch.elapsedMs,
  selectedId: (s: AppState): number | null => s.historySearch.selectedId,
  compareId: (s: AppState): number | null => s.historySearch.compareId,
  exportJob: (s: AppState): ExportProgress | null => s.historySearch.exportJob,
  replayJob: (s: AppState): CaptureJobProgress | null => s.historySearch.replayJob,
  error: (s: AppState): ErrorData | null => s.historySearch.error,
};
