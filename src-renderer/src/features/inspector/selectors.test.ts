import { describe, expect, it } from 'vitest';
import { initialAppState, type AppState } from '../../store/root-store';
import { inspectorSelectors } from './selectors';

describe('inspector selectors', () => {
  it('reads the message version, count and loaded flag the stream applies', () => {
    const base = initialAppState();
    expect([inspectorSelectors.messageVersion(base), inspectorSelectors.count(base), inspectorSelectors.loaded(base)]).toEqual([0, 0, false]);
    const live: AppState = { ...base, inspector: { messageVersion: 3, count: 42, loaded: true } };
    expect([inspectorSelectors.messageVersion(live), inspectorSelectors.count(live), inspectorSelectors.loaded(live)]).toEqual([3, 42, true]);
  });
});
