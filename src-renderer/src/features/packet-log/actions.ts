import type { ConnectionId } from '../../../../shared/ipc/common';
import type { PacketLogPage } from '../../../../shared/ipc/connections';
import { core } from '../../ipc/core-client';
import { saveFile } from '../../lib/save-file';
import { exportFileName } from './packet-format';
import { packetQuery, type PacketFilter } from './packet-query';

/** One page of the connection's filtered packet log. */
export function fetchPacketPage(connectionId: ConnectionId, filter: PacketFilter, offset: number, limit: number): Promise<PacketLogPage> {
  return core.invoke('connections.packetLog', { ...packetQuery(connectionId, filter), offset, limit });
}

/** Saves the filtered log as JSON lines. */
export async function exportPacketLog(connectionId: ConnectionId, connectionName: string, filter: PacketFilter): Promise<void> {
  const lines = await core.invoke('connections.exportPacketLog', packetQuery(connectionId, filter));
  saveFile(exportFileName(connectionName, new Date()), lines, 'application/x-ndjson');
}
