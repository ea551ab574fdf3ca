import { create } from 'zustand';
import type { ErrorData } from '../../../shared/ipc/errors';
import type { TreeFilter, TreeSort } from '../../../shared/ipc/explorer';

export type InspectorTab = 'value' | 'history' | 'chart';

/** The explorer's UI state: versions, settings and flags only; rows, payloads and series stay in the core. */
export interface ExplorerUiState {
  /** The view version the core last reported per connection; rows are re-fetched when it moves. */
  readonly viewVersion: Readonly<Record<string, number>>;
  readonly sort: TreeSort;
  readonly filter: TreeFilter | null;
  /** Why the last filter was refused (invalid regex or wildcard filter). */
  readonly filterError: ErrorData | null;
  readonly tab: InspectorTab;
  /** The JSON field charted for the selected topic; null charts the whole payload as a number. */
  readonly chartField: string | null;
  readonly chartTopic: string | null;
  readonly subscriptionsOpen: boolean;
}

export const useExplorerStore = create<ExplorerUiState>()(() => ({
  viewVersion: {},
  sort: 'name',
  filter: null,
  filterError: null,
  tab: 'value',
  chartField: null,
  chartTopic: null,
  subscriptionsOpen: false,
}));
