import { create } from 'zustand';

/** The workspaces the window switches between. */
export type Workspace = 'explorer' | 'broker' | 'certificates';

export const useWorkspaceStore = create<{ readonly workspace: Workspace }>()(() => ({ workspace: 'explorer' }));

export function showWorkspace(workspace: Workspace): void {
  useWorkspaceStore.setState({ workspace });
}
