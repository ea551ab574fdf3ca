import { useEffect, useRef, useState } from 'react';
import type { ConnectionId } from '../../../../shared/ipc/common';
import type { TreeRow } from '../../../../shared/ipc/explorer';
import { core } from '../../ipc/core-client';

export interface RowWindow {
  readonly total: number;
  readonly start: number;
  readonly rows: readonly TreeRow[];
}

const EMPTY: RowWindow = { total: 0, start: 0, rows: [] };

/**
 * Keeps the rows on screen in step with the core: one request in flight at most, and a new one
 * when the version, the expansion or the visible range moves. The work is bounded by the screen.
 */
export function useTreeRows(
  connectionId: ConnectionId | null,
  version: number,
  expanded: readonly string[],
  rangeStart: number,
  rangeCount: number,
): RowWindow {
  const [window, setWindow] = useState<RowWindow>(EMPTY);
  const inFlight = useRef(false);
  const wanted = useRef<() => void>(() => undefined);

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
      wanted.current = () => undefined;
      core
        .invoke('explorer.rows', { connectionId, start: rangeStart, count: rangeCount, expanded: [...expanded] })
        .then((result) => {
          if (!cancelled) setWindow({ total: result.total, start: result.start, rows: result.rows });
        })
        .catch(() => undefined)
        .finally(() => {
          inFlight.current = false;
          const next = wanted.current;
          wanted.current = () => undefined;
          next();
        });
    };
    fetchRows();
    return () => {
      cancelled = true;
    };
  }, [connectionId, version, expanded, rangeStart, rangeCount]);

  return window;
}
