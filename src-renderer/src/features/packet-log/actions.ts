import type { ConnectionId } from '../../../../shared/ipc/common';
import type { PacketLogPage } from '../../../../shared/ipc/connections';
import { core } from '../../ipc/core-client';
import { frameBatch, frameTicker } from '../../lib/frame-batch';
import { saveFile } from '../../lib/save-file';
import { getSlice, setSlice } from '../../store/root-store';
import { packetQuery, type PacketFilter } from './packet-query';
import { EMPTY_PACKET_WINDOW, packetWindow, replacePacketWindow } from './packet-window';
import { initialPacketLogState } from './state';

/** Rows fetched on either side of what is visible, so a short scroll needs no round trip. */
const MARGIN = 100;
const POLL_MS = 300;

// The core holds the log; the UI asks for the rows around what is on screen a few times a second (and at once when
// the view leaves the held rows). Each answer is noted, and the latest is applied on the next animation frame.
interface Follow {
  readonly connectionId: ConnectionId;
  readonly filter: PacketFilter;
  /** Stops the poll on the frame clock. */
  stopPolling: () => void;
  inFlight: boolean;
  again: boolean;
}

let follow: Follow | null = null;
let range = { first: 0, last: 50 };
let pending: { readonly offset: number; readonly page: PacketLogPage } | null = null;

const apply = frameBatch(() => {
  if (!pending) return;
  const { offset, page } = pending;
  pending = null;
  replacePacketWindow({ offset, entries: page.entries });
  setSlice('packetLog', (s) => ({ windowVersion: s.windowVersion + 1, matched: page.matched, total: page.total, dropped: page.dropped }));
});

async function fetchWindow(current: Follow): Promise<void> {
  if (current.inFlight) {
    current.again = true;
    return;
  }
  current.inFlight = true;
  const offset = Math.max(0, range.first - MARGIN);
  const limit = Math.min(10_000, range.last - range.first + 1 + 2 * MARGIN);
  try {
    const page = await core.invoke('connections.listPacketLog', { ...packetQuery(current.connectionId, current.filter), offset, limit });
    if (follow === current) {
      pending = { offset, page };
      apply.schedule();
    }
  } catch {
    // The connection may have been removed; the next poll (or a new id) tries again.
  } finally {
    current.inFlight = false;
    if (current.again && follow === current) {
      current.again = false;
      void fetchWindow(current);
    }
  }
}

function detach(): void {
  follow?.stopPolling();
  follow = null;
  pending = null;
  apply.cancel();
}

/** Stops following and forgets the held rows. */
export function stopPacketLog(): void {
  detach();
  replacePacketWindow(EMPTY_PACKET_WINDOW);
  setSlice('packetLog', (s) => ({ ...initialPacketLogState, windowVersion: s.windowVersion + 1 }));
}

/**
 * Follows a connection's log through a filter, polling the rows on screen; returns the stop, which keeps the held
 * rows on screen until the next follow's first page replaces them.
 */
export function followPacketLog(connectionId: ConnectionId, filter: PacketFilter): () => void {
  detach();
  const current: Follow = { connectionId, filter, stopPolling: () => undefined, inFlight: false, again: false };
  follow = current;
  // Polled on the page's one frame clock (the first at once), so its rows land in the same frame as the other streams.
  current.stopPolling = frameTicker.every(POLL_MS, () => void fetchWindow(current));
  return () => {
    if (follow === current) detach();
  };
}

/** Notes which rows are on screen; one outside the held rows is fetched now rather than at the next poll. */
export function showPacketRange(first: number, last: number): void {
  range = { first, last };
  const held = packetWindow();
  const outside = first < held.offset || (last >= held.offset + held.entries.length && last < getSlice('packetLog').matched);
  if (outside && follow) void fetchWindow(follow);
}

/** Saves the filtered log as JSON lines. */
export async function exportPacketLog(connectionId: ConnectionId, filter: PacketFilter): Promise<void> {
  const file = await core.invoke('connections.exportPacketLog', packetQuery(connectionId, filter));
  saveFile(file.fileName, file.text, file.mediaType);
}
