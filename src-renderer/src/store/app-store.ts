import { create } from 'zustand';
import type { ConnectionId } from '../../../shared/ipc/common';
import type { ConnectionInfo } from '../../../shared/ipc/connections';
import type { ErrorData } from '../../../shared/ipc/errors';
import type { ExplorerChanged } from '../../../shared/ipc/explorer';

/** Connections as the UI knows them. */
export interface ConnectionsSlice {
  readonly connections: Readonly<Record<string, ConnectionInfo>>;
  readonly activeId: ConnectionId | null;
  readonly connecting: boolean;
  readonly connectError: ErrorData | null;
}

/** Per connection: the tree's version and totals (the tree and its expansion stay in the core), and the selection. */
export interface ExplorerSlice {
  readonly explorer: Readonly<Record<string, ExplorerChanged>>;
  readonly selected: Readonly<Record<string, string | null>>;
}

export type AppState = ConnectionsSlice & ExplorerSlice;

export const useAppStore = create<AppState>()(() => ({
  connections: {},
  activeId: null,
  connecting: false,
  connectError: null,
  explorer: {},
  selected: {},
}));

/** Selectors, grouped so components and tests read state the same way. */
export const selectors = {
  active: (s: AppState): ConnectionInfo | null => (s.activeId ? (s.connections[s.activeId] ?? null) : null),
  explorerOf: (s: AppState): ExplorerChanged | null => (s.activeId ? (s.explorer[s.activeId] ?? null) : null),
  selectedOf: (s: AppState): string | null => (s.activeId ? (s.selected[s.activeId] ?? null) : null),
};

