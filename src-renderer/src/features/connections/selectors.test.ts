import { describe, expect, it } from 'vitest';
import type { ConnectionId } from '../../../../shared/ipc/common';
import type { ConnectionInfo, ConnectionState } from '../../../../shared/ipc/connections';
import { initialAppState, type AppState } from '../../store/root-store';
import { CONNECTION_COLOURS } from './connection-identity';
import { connectionsSelectors } from './selectors';

const info = (id: string, state: ConnectionState): ConnectionInfo => ({
  connectionId: id as ConnectionId,
  name: id,
  url: 'mqtt://h:1883',
  urls: ['mqtt://h:1883'],
  protocolVersion: 5,
  clientId: 'c',
  state,
  since: 0,
  queuedCount: 0,
});

function withConnections(activeId: string | null, ...infos: ConnectionInfo[]): AppState {
  const base = initialAppState();
  return { ...base, connections: { ...base.connections, activeId: activeId as ConnectionId | null, byId: Object.fromEntries(infos.map((i) => [i.connectionId, i])) } };
}

describe('connections selectors', () => {
  it('gives the active connection, and none before one is chosen or once it is unknown', () => {
    const a = info('a', 'connected');
    const b = info('b', 'reconnecting');
    expect(connectionsSelectors.active(withConnections('b', a, b))).toBe(b);
    expect(connectionsSelectors.active(withConnections(null, a, b))).toBeNull();
    expect(connectionsSelectors.active(withConnections('gone', a))).toBeNull();
  });

  it('reads the connect bar’s progress and failure', () => {
    const base = initialAppState();
    expect(connectionsSelectors.connecting(base)).toBe(false);
    expect(connectionsSelectors.connectError(base)).toBeNull();
    const failing: AppState = { ...base, connections: { ...base.connections, connecting: true, connectError: { code: 'CONNECTION_FAILED', message: 'refused' } } };
    expect(connectionsSelectors.connecting(failing)).toBe(true);
    expect(connectionsSelectors.connectError(failing)?.code).toBe('CONNECTION_FAILED');
  });

  it('lists the connections no profile owns, live or closed, and offers to reopen the shown one once it is closed', () => {
    const base = initialAppState();
    const quick = info('quick', 'connected');
    const closed = info('closed', 'disconnected');
    const owned = info('owned', 'connected');
    const s: AppState = {
      ...base,
      connections: { ...base.connections, activeId: 'closed' as ConnectionId, listed: ['quick', 'closed', 'owned'] as ConnectionId[], byId: { quick, closed, owned, failed: info('failed', 'error') }, colours: { quick: 0, closed: 3 } },
      profiles: { ...base.profiles, list: { profiles: [], folders: [], live: [{ profileId: 'p' as never, connectionId: 'owned' as ConnectionId }] } },
    };
    expect(connectionsSelectors.unsaved(s).map((c) => c.connectionId)).toEqual(['quick', 'closed']);
    expect(connectionsSelectors.activeReopenable(s)).toBe(true);
    expect(connectionsSelectors.activeReopenable({ ...s, connections: { ...s.connections, activeId: 'quick' as ConnectionId } })).toBe(false);
    expect(connectionsSelectors.colourOf('closed' as ConnectionId)(s)).toBe(CONNECTION_COLOURS[3]);
  });
});
