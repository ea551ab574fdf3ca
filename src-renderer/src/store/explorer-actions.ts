import type { ConnectionId } from '../../../shared/ipc/common';
import { TopiaryError, type ErrorData } from '../../../shared/ipc/errors';
import type { TreeFilter, TreeSort, ViewOp } from '../../../shared/ipc/explorer';
import { core } from '../ipc/core-client';
import { select } from './actions';
import { useAppStore } from './app-store';
import { useExplorerStore, type InspectorTab } from './explorer-store';

// Explorer actions live outside React so the tree, its keyboard handler and tests share them.

export function errorData(error: unknown): ErrorData {
  return error instanceof TopiaryError ? error.toData() : { code: 'INTERNAL_ERROR', message: String(error) };
}

/** Sends view changes to the core (which keeps each window's expansion) and notes the new view version. */
export async function changeView(ops: readonly ViewOp[], connectionId?: ConnectionId | null): Promise<void> {
  const id = connectionId ?? useAppStore.getState().activeId;
  if (!id) return;
  const state = await core.invoke('explorer.view', { connectionId: id, ops: [...ops] });
  useExplorerStore.setState((s) => ({ viewVersion: { ...s.viewVersion, [id]: state.viewVersion }, sort: state.sort }));
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
  useExplorerStore.setState({ sort });
  return changeView([{ op: 'sort', sort }]);
}

/** Applies a filter; a refused one (bad regex, bad wildcard) is shown and the previous filter stays. */
export async function setFilter(filter: TreeFilter | null): Promise<void> {
  try {
    await changeView([{ op: 'filter', filter }]);
    useExplorerStore.setState({ filter, filterError: null });
  } catch (error) {
    useExplorerStore.setState({ filterError: errorData(error) });
  }
}

/** The active view again after (re)connecting: the core starts each new connection's view fresh. */
export async function restoreView(connectionId: ConnectionId): Promise<void> {
  const { sort, filter } = useExplorerStore.getState();
  const ops: ViewOp[] = [{ op: 'sort', sort }];
  if (filter) ops.push({ op: 'filter', filter });
  await changeView(ops, connectionId).catch(() => undefined);
}

export function selectTopic(path: string | null): void {
  select(path);
}

export function setTab(tab: InspectorTab): void {
  useExplorerStore.setState({ tab });
}

export function chart(topic: string, field: string | null): void {
  useExplorerStore.setState({ chartTopic: topic, chartField: field, tab: 'chart' });
}

export async function setPaused(paused: boolean): Promise<void> {
  const id = useAppStore.getState().activeId;
  if (!id) return;
  const gauge = await core.invoke('explorer.pause', { connectionId: id, paused });
  useAppStore.setState((s) => {
    const current = s.explorer[id];
    return current ? { explorer: { ...s.explorer, [id]: { ...current, buffer: gauge } } } : s;
  });
}
