import type { AppState } from '../../store/root-store';

export const inspectorSelectors = {
  messageVersion: (s: AppState): number => s.inspector.messageVersion,
  count: (s: AppState): number => s.inspector.count,
  loaded: (s: AppState): boolean => s.inspector.loaded,
  /** Whether the counters and the held message are this topic's (not still the one's before). */
  isOf: (connectionId: string | null, topic: string | null) => (s: AppState): boolean => s.inspector.of !== null && s.inspector.of.connectionId === connectionId && s.inspector.of.topic === topic,
};
