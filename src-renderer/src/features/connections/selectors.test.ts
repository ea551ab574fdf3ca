import { describe, expect, it } from 'vitest';
import type { ConnectionId } from '../../../../shared/ipc/common';
import type { ConnectionInfo, ConnectionState } from '../../../../shared/ipc/connections';
import { initialAppState, type AppState } from '../../store/root-store';
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
});
