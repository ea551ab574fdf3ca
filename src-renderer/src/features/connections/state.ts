import type { ConnectionId } from '../../../../shared/ipc/common';
import type { ConnectionInfo } from '../../../../shared/ipc/connections';
import type { ErrorData } from '../../../../shared/ipc/errors';

/** Connections as the UI knows them, and which one the window shows. */
export interface ConnectionsState {
  readonly byId: Readonly<Record<string, ConnectionInfo>>;
  readonly activeId: ConnectionId | null;
  /** A connect from the connection bar is in flight. */
  readonly connecting: boolean;
  readonly connectError: ErrorData | null;
}

export const initialConnectionsState: ConnectionsState = { byId: {}, activeId: null, connecting: false, connectError: null };
