import type { ConnectionId } from '../../../../shared/ipc/common';
import type { ConnectArgs, ConnectionInfo } from '../../../../shared/ipc/connections';
import { core } from '../../ipc/core-client';
import { toErrorData } from '../../lib/error-data';
import { getSlice, setSlice } from '../../store/root-store';

export function connectionChanged(info: ConnectionInfo): void {
  setSlice('connections', (s) => ({
    byId: { ...s.byId, [info.connectionId]: info },
    // A failed attempt's error belongs to that attempt: once the connection the window shows is up, it is old news.
    ...(info.state === 'connected' && info.connectionId === s.activeId ? { connectError: null } : {}),
  }));
}

/** Switching is instant: the store keeps each connection's explorer state by id. The bar's last failed attempt is left behind. */
export function activateConnection(connectionId: ConnectionId): void {
  setSlice('connections', { activeId: connectionId, connectError: null });
}

/** Forgets the bar's failed attempt (the user changed what to try). */
export function clearConnectError(): void {
  setSlice('connections', { connectError: null });
}

/** Connects a stopped connection again with its own client id: after a takeover this takes the session back. */
export async function takeSessionBack(connectionId: ConnectionId): Promise<void> {
  try {
    connectionChanged(await core.invoke('connections.reconnect', { connectionId }));
  } catch {
    // The connection's own status event carries the failure, shown where its state is.
  }
}

export async function connect(args: ConnectArgs): Promise<void> {
  setSlice('connections', { connecting: true, connectError: null });
  try {
    const info = await core.invoke('connections.connect', args);
    setSlice('connections', { activeId: info.connectionId, connecting: false, connectError: null });
    connectionChanged(info);
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
