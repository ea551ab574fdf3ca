/** The workspaces the window switches between. */
export type Workspace = 'explorer' | 'history' | 'broker' | 'certificates' | 'scripts';

export interface WorkspaceState {
  readonly current: Workspace;
}

export const initialWorkspaceState: WorkspaceState = { current: 'explorer' };
