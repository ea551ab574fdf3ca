import type { ConnectionId } from '../../../../shared/ipc/common';
import type { BrokerCheckReport } from '../../../../shared/ipc/connections';

/** What the connection drawer shows. */
export type ConnectionDrawerTab = 'info' | 'packets';

/** The last broker check asked for in the connection details: running, its report, or why it failed. */
export interface BrokerCheckState {
  readonly connectionId: ConnectionId;
  readonly state: 'running' | 'done' | 'failed';
  readonly report?: BrokerCheckReport;
  readonly error?: { readonly code: string; readonly message: string };
  readonly at: number;
}

export interface ConnectionInfoState {
  readonly drawerOpen: boolean;
  readonly drawerTab: ConnectionDrawerTab;
  readonly check: BrokerCheckState | null;
}

export const initialConnectionInfoState: ConnectionInfoState = { drawerOpen: false, drawerTab: 'info', check: null };
