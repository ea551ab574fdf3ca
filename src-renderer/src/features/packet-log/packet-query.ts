import type { ConnectionId } from '../../../../shared/ipc/common';
import type { PacketDirection } from '../../../../shared/ipc/connections';

/** What the log is narrowed to. */
export interface PacketFilter {
  readonly types: readonly string[];
  readonly direction: PacketDirection | null;
  readonly text: string;
}

/** The core query for a filter. */
export function packetQuery(connectionId: ConnectionId, filter: PacketFilter): { connectionId: ConnectionId; types?: string[]; direction?: PacketDirection; text?: string } {
  return {
    connectionId,
    ...(filter.types.length > 0 ? { types: [...filter.types] } : {}),
    ...(filter.direction ? { direction: filter.direction } : {}),
    ...(filter.text.trim() ? { text: filter.text.trim() } : {}),
  };
}
