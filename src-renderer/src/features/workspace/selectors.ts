import type { AppState } from '../../store/root-store';
import type { Workspace } from './state';

export const workspaceSelectors = {
  current: (s: AppState): Workspace => s.workspace.current,
};
