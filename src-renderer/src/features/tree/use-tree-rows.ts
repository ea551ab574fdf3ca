import { useEffect, useRef, useState } from 'react';
import type { ConnectionId } from '../../../../shared/ipc/common';
import type { TreeRow } from '../../../../shared/ipc/explorer';
import { fetchTreeRows } from '../explorer/actions';

export interface RowWindow {
  readonly total: number;
  readonly start: number;
  readonly rows: readonly TreeRow[];
  /** When this window arrived (ms epoch). */
  readonly fetchedAt: number;
  /** When the first window arrived (ms epoch): rows that changed after it flash (not those already there). */
  readonly shownSince: number;
}

const EMPTY: RowWindow = { total: 0, start: 0, rows: [], fetchedAt: 0, shownSince: 0 };

/**
 * Keeps the rows on screen in step with the core: one request in flight at most, and a new one
 * when the data version, the view version or the visible range moves. The work is bounded by the screen.
 */
export function useTreeRows(connectionId: ConnectionId | null, version: number, viewVersion: number, rangeStart: number, rangeCount: number): RowWindow {
  const [window, setWindow] = useState<RowWindow>(EMPTY);
  const inFlight = useRef(false);
  const wanted = useRef<(() => void) | null>(null);

  useEffect(() => {
    if (!connectionId) {
      setWindow(EMPTY);
      return;
    }
    let cancelled = false;
    const fetchRows = (): void => {
      if (inFlight.current) {
        wanted.current = fetchRows;
        return;
      }
      inFlight.current = true;
      wanted.current = null;
      fetchTreeRows(connectionId, rangeStart, rangeCount)
        .then((result) => {
          if (!cancelled) {
            const fetchedAt = Date.now();
            setWindow((previous) => ({ total: result.total, start: result.start, rows: result.rows, fetchedAt, shownSince: previous.shownSince || fetchedAt }));
          }
        })
        .catch(() => undefined)
        .finally(() => {
          inFlight.current = false;
          const next = wanted.current;
          wanted.current = null;
          next?.();
        });
    };
    fetchRows();
    return () => {
      cancelled = true;
    };
  }, [connectionId, version, viewVersion, rangeStart, rangeCount]);

  return window;
}
