import type { ErrorData } from '../../../../shared/ipc/errors';
import type { BufferGauge, ExplorerChanged, TreeSort } from '../../../../shared/ipc/explorer';
import type { AppState } from '../../store/root-store';
import type { ExplorerState, InspectorTab } from './state';

/** The explorer's state for the active connection, and the view's settings. */
export const explorerSelectors = {
  /** The active connection's last tree report (version, totals, buffer gauge). */
  changed: (s: AppState): ExplorerChanged | null => (s.connections.activeId ? (s.explorer.changed[s.connections.activeId] ?? null) : null),
  /**
   * What the tree's toolbar shows of the pause buffer, or null before the first report. A new object per call: read it
   * with useShallow, so the reports of a flood (new counts, the same gauge) pass the toolbar by.
   */
  gauge: (s: AppState): Pick<BufferGauge, 'paused' | 'fill' | 'bufferedMessages' | 'dropped'> | null => {
    const b = explorerSelectors.changed(s)?.buffer;
    return b ? { paused: b.paused, fill: b.fill, bufferedMessages: b.bufferedMessages, dropped: b.dropped } : null;
  },
  /** The active connection's selected topic. */
  selected: (s: AppState): string | null => (s.connections.activeId ? (s.explorer.selected[s.connections.activeId] ?? null) : null),
  /** The active connection's view version (0 before the first view change). */
  viewVersion: (s: AppState): number => (s.connections.activeId ? (s.explorer.viewVersion[s.connections.activeId] ?? 0) : 0),
  sort: (s: AppState): TreeSort => s.explorer.sort,
  filterError: (s: AppState): ErrorData | null => s.explorer.filterError,
  subscriptionsOpen: (s: AppState): boolean => s.explorer.subscriptionsOpen,
  tab: (s: AppState): InspectorTab => s.explorer.tab,
  publishTo: (s: AppState): ExplorerState['publishTo'] => s.explorer.publishTo,
  filterRequest: (s: AppState): ExplorerState['filterRequest'] => s.explorer.filterRequest,
  /** The field to chart for `topic`: only when the chart was asked for that topic. */
  chartFieldFor:
    (topic: string | null) =>
    (s: AppState): string | null =>
      s.explorer.chartTopic !== null && s.explorer.chartTopic === topic ? s.explorer.chartField : null,
};
