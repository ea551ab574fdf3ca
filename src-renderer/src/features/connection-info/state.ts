/** What the connection drawer shows. */
export type ConnectionDrawerTab = 'info' | 'packets';

export interface ConnectionInfoState {
  readonly drawerOpen: boolean;
  readonly drawerTab: ConnectionDrawerTab;
}

export const initialConnectionInfoState: ConnectionInfoState = { drawerOpen: false, drawerTab: 'info' };
