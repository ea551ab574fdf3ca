import type { PacketLogEntry } from '../../../../shared/ipc/connections';

/** A slice of the filtered log: the entries from `offset` on. */
export interface PacketWindow {
  readonly offset: number;
  readonly entries: readonly PacketLogEntry[];
}

export const EMPTY_PACKET_WINDOW: PacketWindow = { offset: 0, entries: [] };

// The rows held for the packet log, outside the store (the store holds packetLog.windowVersion). Written by the
// packet log's actions only.
let held: PacketWindow = EMPTY_PACKET_WINDOW;

/** The rows held around what is on screen, as of the last applied frame. */
export function packetWindow(): PacketWindow {
  return held;
}

export function replacePacketWindow(window: PacketWindow): void {
  held = window;
}
