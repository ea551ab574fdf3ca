import { setSlice } from '../../store/root-store';
import type { Workspace } from './state';

export function showWorkspace(workspace: Workspace): void {
  setSlice('workspace', { current: workspace });
}
