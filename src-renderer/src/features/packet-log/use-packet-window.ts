import { useEffect, useRef, useState } from 'react';
import type { ConnectionId } from '../../../../shared/ipc/common';
import type { PacketLogEntry } from '../../../../shared/ipc/connections';
import { fetchPacketPage } from './actions';
import type { PacketFilter } from './packet-query';

/** A slice of the filtered log, and the counts around it. */
export interface PacketWindow {
  readonly offset: number;
  readonly entries: readonly PacketLogEntry[];
  readonly matched: number;
  readonly total: number;
  readonly dropped: number;
}

const EMPTY: PacketWindow = { offset: 0, entries: [], matched: 0, total: 0, dropped: 0 };
/** Rows fetched on either side of what is visible, so a short scroll needs no round trip. */
const MARGIN = 100;
const POLL_MS = 300;

/**
 * Keeps the rows around [first, last] of the filtered log fresh: the core holds the log, the UI asks for
 * what is on screen a few times a second (and at once when the view or the filter moves).
 */
export function usePacketWindow(connectionId: ConnectionId | null, filter: PacketFilter, first: number, last: number): PacketWindow {
  const [window, setWindow] = useState<PacketWindow>(EMPTY);
  const range = useRef({ first, last });
  range.current = { first, last };
  const [kick, setKick] = useState(0);
  const held = useRef({ offset: 0, length: 0 });
  held.current = { offset: window.offset, length: window.entries.length };

  // A visible row outside what we hold asks for a fetch now rather than at the next poll.
  const outside = first < held.current.offset || (last >= held.current.offset + held.current.length && last < window.matched);
  useEffect(() => {
    if (outside) setKick((k) => k + 1);
  }, [outside]);

  const filterKey = JSON.stringify(filter);
  useEffect(() => {
    if (!connectionId) {
      setWindow(EMPTY);
      return;
    }
    let stopped = false;
    let inFlight = false;
    const fetchWindow = async (): Promise<void> => {
      if (inFlight) return;
      inFlight = true;
      const { first: f, last: l } = range.current;
      const offset = Math.max(0, f - MARGIN);
      const limit = Math.min(10_000, l - f + 1 + 2 * MARGIN);
      try {
        const page = await fetchPacketPage(connectionId, filter, offset, limit);
        if (!stopped) setWindow({ offset, entries: page.entries, matched: page.matched, total: page.total, dropped: page.dropped });
      } catch {
        // The connection may have been removed; the next poll (or a new id) tries again.
      } finally {
        inFlight = false;
      }
    };
    void fetchWindow();
    const timer = setInterval(() => void fetchWindow(), POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
    // filterKey stands in for filter; kick forces a fetch when the view leaves the held rows.
  }, [connectionId, filterKey, kick]);

  return window;
}
