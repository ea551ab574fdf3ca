import type { AppState } from '../../store/root-store';

export const inspectorSelectors = {
  messageVersion: (s: AppState): number => s.inspector.messageVersion,
  count: (s: AppState): number => s.inspector.count,
  loaded: (s: AppState): boolean => s.inspector.loaded,
};
