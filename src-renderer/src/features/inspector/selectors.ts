import type { AppState } from '../../store/root-store';

export const inspectorSelectors = {
  messageVersion: (s: AppState): number => s.inspector.messageVersion,
  count: (s: AppState): number => s.inspector.count,
  loaded: (s: AppState): boolean => s.inspector.loaded,
  /** Whether the counters and the held message are this topic's (not still the one's before). */
  isOf: (connectionId: string | null, topic: string | null) => (s: AppState): boolean => s.inspector.of !== null && s.inspector.of.connectionId === connectionId && s.inspector.of.topic === topic,
  /**
   * What a view of `topic` shows, as primitives that read "nothing yet" alike while the counters are still the topic
   * before's and once they are reset for this one: the click's reset then re-renders nothing, only its answer does.
   */
  messageVersionOf: (connectionId: string | null, topic: string | null) => (s: AppState): number => (inspectorSelectors.isOf(connectionId, topic)(s) ? s.inspector.messageVersion : 0),
  countOf: (connectionId: string | null, topic: string | null) => (s: AppState): number => (inspectorSelectors.isOf(connectionId, topic)(s) ? s.inspector.count : 0),
  loadedOf: (connectionId: string | null, topic: string | null) => (s: AppState): boolean => inspectorSelectors.isOf(connectionId, topic)(s) && s.inspector.loaded,
};
