import { describe, expect, it } from 'vitest';
import { initialAppState, type AppState } from '../../store/root-store';
import { inspectorSelectors } from './selectors';

describe('inspector selectors', () => {
  it('reads the message version, count and loaded flag the stream applies', () => {
    const base = initialAppState();
    expect([inspectorSelectors.messageVersion(base), inspectorSelectors.count(base), inspectorSelectors.loaded(base)]).toEqual([0, 0, false]);
    const live: AppState = { ...base, inspector: { messageVersion: 3, count: 42, loaded: true, of: { connectionId: 'c1', topic: 'a/b' } } };
    expect([inspectorSelectors.messageVersion(live), inspectorSelectors.count(live), inspectorSelectors.loaded(live)]).toEqual([3, 42, true]);
  });

  it('says whose the held counters are, so a render right after a click does not show the topic before\'s', () => {
    const live: AppState = { ...initialAppState(), inspector: { messageVersion: 3, count: 42, loaded: true, of: { connectionId: 'c1', topic: 'a/b' } } };
    expect(inspectorSelectors.isOf('c1', 'a/b')(live)).toBe(true);
    expect(inspectorSelectors.isOf('c1', 'a/c')(live)).toBe(false);
    expect(inspectorSelectors.isOf('c2', 'a/b')(live)).toBe(false);
    expect(inspectorSelectors.isOf('c1', 'a/b')(initialAppState())).toBe(false);
  });
});
