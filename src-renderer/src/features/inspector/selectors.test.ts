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

  it('reads nothing yet alike before a new topic\'s reset and after it, so the reset re-renders nothing', () => {
    const before: AppState = { ...initialAppState(), inspector: { messageVersion: 3, count: 42, loaded: true, of: { connectionId: 'c1', topic: 'a/b' } } };
    const reset: AppState = { ...initialAppState(), inspector: { messageVersion: 0, count: 0, loaded: false, of: { connectionId: 'c1', topic: 'a/c' } } };
    const read = (s: AppState, topic: string): unknown[] => [inspectorSelectors.messageVersionOf('c1', topic)(s), inspectorSelectors.countOf('c1', topic)(s), inspectorSelectors.loadedOf('c1', topic)(s)];
    expect(read(before, 'a/b')).toEqual([3, 42, true]);
    expect(read(before, 'a/c')).toEqual([0, 0, false]);
    expect(read(reset, 'a/c')).toEqual(read(before, 'a/c'));
    expect(read(before, 'a/b').map((v, i) => v === read(reset, 'a/b')[i])).toEqual([false, false, false]);
  });
});
