import type { ConnectionId } from '../../../../shared/ipc/common';
import type { ConnectArgs, ConnectionInfo } from '../../../../shared/ipc/connections';
import { core } from '../../ipc/core-client';
import { toErrorData } from '../../lib/error-data';
import { getSlice, setSlice } from '../../store/root-store';

export function connectionChanged(info: ConnectionInfo): void {
  setSlice('connections', (s) => ({ byId: { ...s.byId, [info.connectionId]: info } }));
}

/** Switching is instant: the store keeps each connection's explorer state by id. */
export function activateConnection(connectionId: ConnectionId): void {
  setSlice('connections', { activeId: connectionId });
}

export async function connect(args: ConnectArgs): Promise<void> {
  setSlice('connections', { connecting: true, connectError: null });
  try {
    const info = await core.invoke('connections.connect', args);
    connectionChanged(info);
    setSlice('connections', { activeId: info.connectionId, connecting: false });
  } catch (error) {
    setSlice('connections', { connecting: false, connectError: toErrorData(error) });
  }
}

export async function disconnect(connectionId: ConnectionId): Promise<void> {
  const info = await core.invoke('connections.disconnect', { connectionId });
  connectionChanged(info);
}

/** Follows the core's connection events and loads the open connections; marks the page ready once they are known. */
export function listenToConnections(): void {
  core.on('connections.statusChanged', connectionChanged);
  void core.invoke('connections.list', {}).then((list) => {
    for (const info of list) connectionChanged(info);
    const first = list.find((c) => c.state === 'connected');
    if (first && !getSlice('connections').activeId) activateConnection(first.connectionId);
    document.body.dataset.ready = 'true';
  });
}
