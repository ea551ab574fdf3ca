import type { ConnectionId } from '../../../../shared/ipc/common';
import { core } from '../../ipc/core-client';
import { getSlice, setSlice } from '../../store/root-store';
import type { ConnectionDrawerTab } from './state';

/** Opens the drawer, on `tab` when given. */
export function openConnectionDrawer(tab?: ConnectionDrawerTab): void {
  setSlice('connectionInfo', (s) => ({ drawerOpen: true, drawerTab: tab ?? s.drawerTab }));
}

export function closeConnectionDrawer(): void {
  setSlice('connectionInfo', { drawerOpen: false });
}

export function toggleConnectionDrawer(): void {
  setSlice('connectionInfo', (s) => ({ drawerOpen: !s.drawerOpen }));
}

/** Checks what the connection's broker supports (as `topiary check` does); the report, or why it failed, lands in the state. */
export async function checkBroker(connectionId: ConnectionId): Promise<void> {
  setSlice('connectionInfo', { check: { connectionId, state: 'running', at: Date.now() } });
  try {
    const report = await core.invoke('connections.checkBroker', { connectionId });
    // A check for another connection started meanwhile wins.
    if (getSlice('connectionInfo').check?.connectionId !== connectionId) return;
    setSlice('connectionInfo', { check: { connectionId, state: 'done', report, at: Date.now() } });
  } catch (e) {
    if (getSlice('connectionInfo').check?.connectionId !== connectionId) return;
    const error = e as { code?: string; message?: string };
    setSlice('connectionInfo', { check: { connectionId, state: 'failed', error: { code: error.code ?? 'INTERNAL_ERROR', message: error.message ?? String(e) }, at: Date.now() } });
  }
}
