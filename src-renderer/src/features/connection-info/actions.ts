import { setSlice } from '../../store/root-store';
import type { ConnectionDrawerTab } from './state';

/** Opens the drawer, on `tab` when given. */
export function openConnectionDrawer(tab?: ConnectionDrawerTab): void {
  setSlice('connectionInfo', (s) => ({ drawerOpen: true, drawerTab: tab ?? s.drawerTab }));
}

export function closeConnectionDrawer(): void {
  setSlice('connectionInfo', { drawerOpen: false });
}

export function toggleConnectionDrawer(): void {
  setSlice('connectionInfo', (s) => ({ drawerOpen: !s.drawerOpen }));
}
