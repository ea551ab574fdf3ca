import { useEffect } from 'react';
import type { ConnectionId } from '../../../../shared/ipc/common';
import { useStore } from '../../store/root-store';
import { followPacketLog, showPacketRange, stopPacketLog } from './actions';
import type { PacketFilter } from './packet-query';
import { packetWindow, type PacketWindow } from './packet-window';
import { packetLogSelectors } from './selectors';

/**
 * Keeps the rows around [first, last] of the filtered log fresh (see actions.ts): the core holds the log, the UI
 * asks for what is on screen. Re-renders when a frame applies a new page.
 */
export function usePacketWindow(connectionId: ConnectionId | null, filter: PacketFilter, first: number, last: number): PacketWindow {
  const filterKey = JSON.stringify(filter);
  useEffect(() => showPacketRange(first, last), [first, last]);
  useEffect(() => stopPacketLog, []);
  useEffect(() => {
    if (!connectionId) {
      stopPacketLog();
      return;
    }
    return followPacketLog(connectionId, filter);
    // filterKey stands in for filter.
  }, [connectionId, filterKey]);
  useStore(packetLogSelectors.windowVersion);
  return packetWindow();
}
