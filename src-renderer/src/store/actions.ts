import type { ConnectionId } from '../../../shared/ipc/common';
import type { ConnectArgs, ConnectionInfo } from '../../../shared/ipc/connections';
import { TopiaryError } from '../../../shared/ipc/errors';
import type { ExplorerChanged } from '../../../shared/ipc/explorer';
import { core } from '../ipc/core-client';
import { useAppStore } from './app-store';

// Actions live outside React so any module (or a test) can call them.

export function connectionChanged(info: ConnectionInfo): void {
  useAppStore.setState((s) => ({ connections: { ...s.connections, [info.connectionId]: info } }));
}

/** Coalesced by the core to a few a second; the tree asks for its rows when the version moves. */
export function explorerChanged(change: ExplorerChanged): void {
  useAppStore.setState((s) => ({ explorer: { ...s.explorer, [change.connectionId]: change } }));
}

export async function connect(args: ConnectArgs): Promise<void> {
  useAppStore.setState({ connecting: true, connectError: null });
  try {
    const info = await core.invoke('connections.connect', args);
    connectionChanged(info);
    useAppStore.setState({ activeId: info.connectionId, connecting: false });
  } catch (error) {
    const data = error instanceof TopiaryError ? error.toData() : { code: 'INTERNAL_ERROR' as const, message: String(error) };
    useAppStore.setState({ connecting: false, connectError: data });
  }
}

export async function disconnect(connectionId: ConnectionId): Promise<void> {
  const info = await core.invoke('connections.disconnect', { connectionId });
  connectionChanged(info);
}

export function select(path: string | null): void {
  const { activeId } = useAppStore.getState();
  if (!activeId) return;
  useAppStore.setState((s) => ({ selected: { ...s.selected, [activeId]: path } }));
  void core.invoke('explorer.watch', { connectionId: activeId, topic: path });
}

/** Wires the core's events into the store once, at start-up. */
export function listenToCore(): void {
  core.on('connections.statusChanged', connectionChanged);
  core.on('explorer.changed', explorerChanged);
  void core.invoke('connections.list', {}).then((list) => {
    for (const info of list) connectionChanged(info);
    const first = list.find((c) => c.state === 'connected');
    if (first && !useAppStore.getState().activeId) useAppStore.setState({ activeId: first.connectionId });
    document.body.dataset.ready = 'true';
  });
}
