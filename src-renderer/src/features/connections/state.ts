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
  /**
   * The connections list's entries, oldest first: every connection once it came up, kept after Disconnect (the core
   * keeps its options to open it again) until removed, saved as a profile, or closed as a profile's connection.
   */
  readonly listed: readonly ConnectionId[];
  /** Each listed connection's colour (an index into CONNECTION_COLOURS), so entries with the same URL differ. */
  readonly colours: Readonly<Record<string, number>>;
  /** The bar shows an empty form for another connection instead of the active connection's facts. */
  readonly composing: boolean;
}

export const initialConnectionsState: ConnectionsState = { byId: {}, activeId: null, connecting: false, connectError: null, listed: [], colours: {}, composing: false };
