import { describe, expect, it } from 'vitest';
import { initialAppState, type AppState } from '../../store/root-store';
import { packetLogSelectors } from './selectors';

const withCounts = (matched: number, total: number): AppState => ({ ...initialAppState(), packetLog: { windowVersion: 1, matched, total, dropped: 0 } });

describe('packet log selectors', () => {
  it('counts all packets while nothing is filtered out, and "n of m" while a filter hides some', () => {
    expect(packetLogSelectors.countText(withCounts(12, 12))).toBe('12 packets');
    expect(packetLogSelectors.countText(withCounts(3, 12))).toBe('3 of 12 packets');
    expect(packetLogSelectors.countText(initialAppState())).toBe('0 packets');
  });
});
