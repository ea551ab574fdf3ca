import type { ConnectionId } from '../../../../shared/ipc/common';
import type { ConnectArgs, ConnectionInfo } from '../../../../shared/ipc/connections';
import { core } from '../../ipc/core-client';
import { toErrorData } from '../../lib/error-data';
import { getSlice, setSlice } from '../../store/root-store';
import { distinctName, nextColour } from './connection-identity';
import type { ConnectionsState } from './state';

// A connection joins the list once it is up (or known to the core, at start-up); failed attempts never do.
const LISTED_STATES = new Set(['connected', 'reconnecting']);

function listedWith(s: ConnectionsState, id: ConnectionId): Partial<ConnectionsState> {
  if (s.listed.includes(id)) return {};
  const colour = nextColour(s.listed.map((l) => s.colours[l] ?? -1));
  return { listed: [...s.listed, id], colours: { ...s.colours, [id]: colour } };
}

function unlisted(s: ConnectionsState, id: ConnectionId): Partial<ConnectionsState> {
  const { [id]: _info, ...byId } = s.byId;
  const { [id]: _colour, ...colours } = s.colours;
  return { byId, colours, listed: s.listed.filter((l) => l !== id), ...(s.activeId === id ? { activeId: null } : {}) };
}

// While a reopen is in flight its new connection's events must not list it beside the entry it is about to replace.
let reopening = 0;

export function connectionChanged(info: ConnectionInfo): void {
  setSlice('connections', (s) => ({
    byId: { ...s.byId, [info.connectionId]: info },
    ...(LISTED_STATES.has(info.state) && reopening === 0 ? listedWith(s, info.connectionId) : {}),
    // A failed attempt's error belongs to that attempt: once the connection the window shows is up, it is old news.
    ...(info.state === 'connected' && info.connectionId === s.activeId ? { connectError: null } : {}),
  }));
}

/** Switching is instant: the store keeps each connection's explorer state by id. The bar's last failed attempt is left behind. */
export function activateConnection(connectionId: ConnectionId): void {
  setSlice('connections', { activeId: connectionId, connectError: null, composing: false });
}

/** Forgets the bar's failed attempt (the user changed what to try). */
export function clearConnectError(): void {
  setSlice('connections', { connectError: null });
}

/** The bar shows an empty form for another connection; the live ones stay live. */
export function startNewConnection(): void {
  setSlice('connections', { composing: true, connectError: null });
}

/** Back to the active connection's facts in the bar. */
export function cancelNewConnection(): void {
  setSlice('connections', { composing: false, connectError: null });
}

/** Connects a stopped connection again with its own client id: after a takeover this takes the session back. */
export async function takeSessionBack(connectionId: ConnectionId): Promise<void> {
  try {
    connectionChanged(await core.invoke('connections.reconnect', { connectionId }));
  } catch {
    // The connection's own status event carries the failure, shown where its state is.
  }
}

/** A quick connect from the bar: named apart from listed connections with the same name, and shown once it is up. */
export async function connect(args: ConnectArgs): Promise<void> {
  const s = getSlice('connections');
  const names = s.listed.flatMap((id) => (s.byId[id] ? [s.byId[id].name] : []));
  setSlice('connections', { connecting: true, connectError: null });
  try {
    const info = await core.invoke('connections.connect', { ...args, name: distinctName(args.name ?? args.url, names) });
    connectionChanged(info);
    setSlice('connections', (s) => listedWith(s, info.connectionId));
    setSlice('connections', { activeId: info.connectionId, connecting: false, connectError: null, composing: false });
  } catch (error) {
    setSlice('connections', { connecting: false, connectError: toErrorData(error) });
  }
}

/**
 * Closes a connection. One opened without a profile stays in the list to be opened again; a profile's leaves it,
 * since the profile's row is the way back.
 */
export async function disconnect(connectionId: ConnectionId): Promise<void> {
  const fromProfile = getSlice('profiles').list?.live.some((l) => l.connectionId === connectionId) ?? false;
  const info = await core.invoke('connections.disconnect', { connectionId });
  connectionChanged(info);
  if (fromProfile) {
    setSlice('connections', (s) => ({ listed: s.listed.filter((l) => l !== connectionId) }));
    void core.invoke('connections.forget', { connectionId }).catch(() => undefined);
  }
}

/** Opens a listed, closed connection again with its options; the new connection takes the entry's place and colour. */
export async function reopenConnection(connectionId: ConnectionId): Promise<void> {
  setSlice('connections', { connecting: true, connectError: null });
  reopening++;
  try {
    const info = await core.invoke('connections.reopen', { connectionId });
    setSlice('connections', (s) => {
      const { [connectionId]: _old, ...byId } = s.byId;
      const { [connectionId]: colour, ...colours } = s.colours;
      return {
        byId: { ...byId, [info.connectionId]: info },
        // Its status events may have listed the new connection already; it takes the old entry's place either way.
        listed: s.listed.filter((l) => l !== info.connectionId).map((l) => (l === connectionId ? info.connectionId : l)),
        colours: { ...colours, [info.connectionId]: colour ?? nextColour(Object.values(colours)) },
        activeId: info.connectionId,
        connecting: false,
        composing: false,
      };
    });
  } catch (error) {
    setSlice('connections', { connecting: false, connectError: toErrorData(error) });
  } finally {
    reopening--;
  }
}

/** Removes a closed entry from the list; the core forgets its options. */
export async function forgetConnection(connectionId: ConnectionId): Promise<void> {
  setSlice('connections', (s) => unlisted(s, connectionId));
  await core.invoke('connections.forget', { connectionId }).catch(() => undefined);
}

/**
 * Saves a listed connection as a profile in one step, with the options it connected with. A live one becomes the
 * profile's connection; a closed one's entry gives way to the profile's row.
 */
export async function saveConnectionAsProfile(connectionId: ConnectionId): Promise<void> {
  try {
    const { list } = await core.invoke('profiles.saveConnection', { connectionId });
    setSlice('profiles', { list });
    const info = getSlice('connections').byId[connectionId];
    if (info && !LISTED_STATES.has(info.state) && info.state !== 'connecting') await forgetConnection(connectionId);
  } catch (error) {
    setSlice('profiles', (s) => ({ errors: { ...s.errors, '': toErrorData(error) } }));
  }
}

/** Follows the core's connection events and loads the open connections; marks the page ready once they are known. */
export function listenToConnections(): void {
  core.on('connections.statusChanged', connectionChanged);
  void core.invoke('connections.list', {}).then((list) => {
    // Every connection the core holds is listed, whatever its state (one that stopped can be taken back).
    for (const info of list) {
      connectionChanged(info);
      setSlice('connections', (s) => listedWith(s, info.connectionId));
    }
    const first = list.find((c) => c.state === 'connected');
    if (first && !getSlice('connections').activeId) activateConnection(first.connectionId);
    document.body.dataset.ready = 'true';
  });
}
