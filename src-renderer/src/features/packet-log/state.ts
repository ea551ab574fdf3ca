/**
 * The packet log's counts. The rows on screen (packet-window.ts) change several times a second, so they live outside
 * the store and only their version is here; each page from the core is applied on the next animation frame.
 */
export interface PacketLogState {
  /** Moves when the held rows (packet-window.ts) are replaced. */
  readonly windowVersion: number;
  /** Entries matching the filter, and all entries kept. */
  readonly matched: number;
  readonly total: number;
  /** Older entries the core's bounded log has let go. */
  readonly dropped: number;
}

export const initialPacketLogState: PacketLogState = { windowVersion: 0, matched: 0, total: 0, dropped: 0 };
