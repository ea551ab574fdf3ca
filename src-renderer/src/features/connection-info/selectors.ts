import type { AppState } from '../../store/root-store';
import type { BrokerCheckState, ConnectionDrawerTab } from './state';

export const connectionInfoSelectors = {
  drawerOpen: (s: AppState): boolean => s.connectionInfo.drawerOpen,
  drawerTab: (s: AppState): ConnectionDrawerTab => s.connectionInfo.drawerTab,
  check: (s: AppState): BrokerCheckState | null => s.connectionInfo.check,
};
