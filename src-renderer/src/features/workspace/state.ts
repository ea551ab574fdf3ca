/** The workspaces the window switches between. */
export type Workspace = 'explorer' | 'broker' | 'certificates';

export interface WorkspaceState {
  readonly current: Workspace;
}

export const initialWorkspaceState: WorkspaceState = { current: 'explorer' };
