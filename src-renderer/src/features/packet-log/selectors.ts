import type { AppState } from '../../store/root-store';

export const packetLogSelectors = {
  windowVersion: (s: AppState): number => s.packetLog.windowVersion,
  matched: (s: AppState): number => s.packetLog.matched,
  total: (s: AppState): number => s.packetLog.total,
  dropped: (s: AppState): number => s.packetLog.dropped,
  /** "12 packets", or "3 of 12 packets" when a filter hides some. */
  countText: (s: AppState): string =>
    s.packetLog.matched === s.packetLog.total ? `${s.packetLog.total} packets` : `${s.packetLog.matched} of ${s.packetLog.total} packets`,
};
