import type { ConnectionId } from '../../../../shared/ipc/common';
import type { ConnectionInfo } from '../../../../shared/ipc/connections';
import type { ErrorData } from '../../../../shared/ipc/errors';
import type { AppState } from '../../store/root-store';

export const connectionsSelectors = {
  byId: (s: AppState): Readonly<Record<string, ConnectionInfo>> => s.connections.byId,
  activeId: (s: AppState): ConnectionId | null => s.connections.activeId,
  /** The connection the window shows, if any. */
  active: (s: AppState): ConnectionInfo | null => (s.connections.activeId ? (s.connections.byId[s.connections.activeId] ?? null) : null),
  connecting: (s: AppState): boolean => s.connections.connecting,
  connectError: (s: AppState): ErrorData | null => s.connections.connectError,
};
