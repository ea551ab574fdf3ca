import type { ErrorData } from '../../../../shared/ipc/errors';
import type { ExplorerChanged, TreeFilter, TreeSort } from '../../../../shared/ipc/explorer';

export type InspectorTab = 'value' | 'history' | 'chart';

/**
 * The explorer's state: per connection the tree's version and totals and the selection; the view's settings and flags.
 * Rows, payloads and series stay in the core; the tree and its expansion too.
 */
export interface ExplorerState {
  /** The core's last change report per connection (coalesced by the core to a few a second). */
  readonly changed: Readonly<Record<string, ExplorerChanged>>;
  readonly selected: Readonly<Record<string, string | null>>;
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
  /** A topic the composer was asked to publish to (the tree's context menu); `seq` makes each request new. */
  readonly publishTo: { readonly topic: string; readonly seq: number } | null;
  /** A filter the tree's filter box was asked to take (filter to a subtree); `seq` makes each request new. */
  readonly filterRequest: { readonly filter: TreeFilter; readonly seq: number } | null;
}

export const initialExplorerState: ExplorerState = {
  changed: {},
  selected: {},
  viewVersion: {},
  sort: 'name',
  filter: null,
  filterError: null,
  tab: 'value',
  chartField: null,
  chartTopic: null,
  subscriptionsOpen: false,
  publishTo: null,
  filterRequest: null,
};
