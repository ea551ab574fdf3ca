import type { ConnectionId } from '../../../../shared/ipc/common';
import type { ExplorerChanged, TreeFilter, TreeSort, ViewOp } from '../../../../shared/ipc/explorer';
import { core } from '../../ipc/core-client';
import { toErrorData } from '../../lib/error-data';
import { frameBatch } from '../../lib/frame-batch';
import { getSlice, setSlice } from '../../store/root-store';
import { prefetchTopic } from '../inspector/actions';
import type { InspectorTab } from './state';

// The newest report per connection, applied on the page's frame clock with everything else that arrived.
let pendingChanges = new Map<ConnectionId, ExplorerChanged>();
const applyChanges = frameBatch(() => {
  const changes = pendingChanges;
  pendingChanges = new Map();
  if (changes.size === 0) return;
  setSlice('explorer', (s) => ({ changed: { ...s.changed, ...Object.fromEntries(changes) } }));
});

/** Coalesced by the core to about one a frame; the tree asks for its rows when the version moves. */
export function explorerChanged(change: ExplorerChanged): void {
  pendingChanges.set(change.connectionId, change);
  applyChanges.schedule();
}

/** Follows the core's tree reports; once, at start-up. */
export function listenToExplorer(): void {
  core.on('explorer.changed', explorerChanged);
}

/** Selects a topic of the active connection (null clears) and tells the core which topic to stream. */
export function selectTopic(path: string | null): void {
  const activeId = getSlice('connections').activeId;
  if (!activeId) return;
  void core.invoke('explorer.watch', { connectionId: activeId, topic: path });
  // Before the selection renders: the value's round trip to the core runs meanwhile.
  if (path !== null && path !== getSlice('explorer').selected[activeId]) prefetchTopic(activeId, path);
  setSlice('explorer', (s) => ({ selected: { ...s.selected, [activeId]: path } }));
}

/** Sends view changes to the core (which keeps each window's expansion) and notes the new view version. */
export async function changeView(ops: readonly ViewOp[], connectionId?: ConnectionId | null): Promise<void> {
  const id = connectionId ?? getSlice('connections').activeId;
  if (!id) return;
  const state = await core.invoke('explorer.updateView', { connectionId: id, ops: [...ops] });
  setSlice('explorer', (s) => ({ viewVersion: { ...s.viewVersion, [id]: state.viewVersion }, sort: state.sort }));
}

export function toggle(path: string): Promise<void> {
  return changeView([{ op: 'toggle', path }]);
}

export function expandToDepth(depth: number): Promise<void> {
  return changeView([{ op: 'collapseAll' }, { op: 'expandToDepth', depth }]);
}

export function collapseAll(): Promise<void> {
  return changeView([{ op: 'collapseAll' }]);
}

export function setSort(sort: TreeSort): Promise<void> {
  setSlice('explorer', { sort });
  return changeView([{ op: 'sort', sort }]);
}

/** Applies a filter; a refused one (bad regex, bad wildcard) is shown and the previous filter stays. */
export async function setFilter(filter: TreeFilter | null): Promise<void> {
  try {
    await changeView([{ op: 'filter', filter }]);
    setSlice('explorer', { filter, filterError: null });
  } catch (error) {
    setSlice('explorer', { filterError: toErrorData(error) });
  }
}

/** The active view again after (re)connecting: the core starts each new connection's view fresh. */
export async function restoreView(connectionId: ConnectionId): Promise<void> {
  const { sort, filter } = getSlice('explorer');
  const ops: ViewOp[] = [{ op: 'sort', sort }];
  if (filter) ops.push({ op: 'filter', filter });
  await changeView(ops, connectionId).catch(() => undefined);
}

/** One window of the tree's visible rows. */
export function fetchTreeRows(connectionId: ConnectionId, start: number, count: number): ReturnType<typeof core.invoke<'explorer.listRows'>> {
  return core.invoke('explorer.listRows', { connectionId, start, count });
}

export function setTab(tab: InspectorTab): void {
  setSlice('explorer', { tab });
}

export function chart(topic: string, field: string | null): void {
  setSlice('explorer', { chartTopic: topic, chartField: field, tab: 'chart' });
}

/** Asks the composer to publish to a topic: it takes the topic even when pinned, since the user asked. */
export function publishToTopic(topic: string): void {
  setSlice('explorer', (s) => ({ publishTo: { topic, seq: (s.publishTo?.seq ?? 0) + 1 } }));
}

/** Puts a filter into the tree's filter box (which applies it as if typed). */
export function requestTreeFilter(filter: TreeFilter): void {
  setSlice('explorer', (s) => ({ filterRequest: { filter, seq: (s.filterRequest?.seq ?? 0) + 1 } }));
}

export function toggleSubscriptions(): void {
  setSlice('explorer', (s) => ({ subscriptionsOpen: !s.subscriptionsOpen }));
}

/** Pauses or resumes merging messages into the active connection's tree; the gauge shows what is held. */
export async function setPaused(paused: boolean): Promise<void> {
  const id = getSlice('connections').activeId;
  if (!id) return;
  const gauge = await core.invoke('explorer.pause', { connectionId: id, paused });
  setSlice('explorer', (s) => {
    const current = s.changed[id];
    return current ? { changed: { ...s.changed, [id]: { ...current, buffer: gauge } } } : {};
  });
}
