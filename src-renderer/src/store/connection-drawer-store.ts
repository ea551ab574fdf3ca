import { create } from 'zustand';

/** What the connection drawer shows. */
export type ConnectionDrawerTab = 'info' | 'packets';

export interface ConnectionDrawerState {
  readonly open: boolean;
  readonly tab: ConnectionDrawerTab;
}

export const useConnectionDrawerStore = create<ConnectionDrawerState>()(() => ({ open: false, tab: 'info' }));

/** Opens the drawer, on `tab` when given. */
export function openConnectionDrawer(tab?: ConnectionDrawerTab): void {
  useConnectionDrawerStore.setState((s) => ({ open: true, tab: tab ?? s.tab }));
}

export function closeConnectionDrawer(): void {
  useConnectionDrawerStore.setState({ open: false });
}

export function toggleConnectionDrawer(): void {
  useConnectionDrawerStore.setState((s) => ({ open: !s.open }));
}
