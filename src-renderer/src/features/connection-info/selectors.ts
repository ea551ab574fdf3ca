import type { AppState } from '../../store/root-store';
import type { ConnectionDrawerTab } from './state';

export const connectionInfoSelectors = {
  drawerOpen: (s: AppState): boolean => s.connectionInfo.drawerOpen,
  drawerTab: (s: AppState): ConnectionDrawerTab => s.connectionInfo.drawerTab,
};
