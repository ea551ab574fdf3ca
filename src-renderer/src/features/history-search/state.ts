import type { ErrorData } from '../../../../shared/ipc/errors';
import type { CaptureJobProgress, ExportProgress, HistoryQueryInput, HistoryStatus } from '../../../../shared/ipc/history';
import { EMPTY_QUERY_DRAFT, type QueryDraft } from './query-draft';

/**
 * The History view: the store's status, the last search and its jobs. The found messages themselves live outside
 * the store (results.ts); only their version and count are here.
 */
export interface HistorySearchState {
  readonly status: HistoryStatus | null;
  /** The search form as typed (kept while the user visits other workspaces). */
  readonly draft: QueryDraft;
  /** The search the results came from (what export and replay act on). */
  readonly lastQuery: HistoryQueryInput | null;
  /** Whether the last search applied the decoder bindings (its next pages and its export do too). */
  readonly lastDecoded: boolean;
  /** Moves when the held results change. */
  readonly resultsVersion: number;
  readonly resultCount: number;
  /** More results wait in the store: pass this back for the next page. */
  readonly nextCursor: string | null;
  readonly searching: boolean;
  readonly elapsedMs: number | null;
  readonly selectedId: number | null;
  /** The result marked "compare with": the picked one is shown as a diff against it. */
  readonly compareId: number | null;
  readonly exportJob: ExportProgress | null;
  readonly replayJob: CaptureJobProgress | null;
  readonly error: ErrorData | null;
}

export const initialHistorySearchState: HistorySearchState = {
  status: null,
  draft: EMPTY_QUERY_DRAFT,
  lastQuery: null,
  lastDecoded: false,
  resultsVersion: 0,
  resultCount: 0,
  nextCursor: null,
  searching: false,
  elapsedMs: null,
  selectedId: null,
  compareId: null,
  exportJob: null,
  replayJob: null,
  error: null,
};
