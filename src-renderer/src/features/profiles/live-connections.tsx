import type { ConnectionInfo } from '../../../../shared/ipc/connections';
import { useStore } from '../../store/root-store';
import { activateConnection, disconnect } from '../connections/actions';
import { connectionsSelectors } from '../connections/selectors';

/**
 * Live connections that no saved profile opened: the embedded broker's and quick connects.
 * Listed so every live tree can be switched to, and closed, from the same panel.
 */
export function LiveConnections(): React.JSX.Element | null {
  const connections = useStore(connectionsSelectors.byId);
  const activeId = useStore(connectionsSelectors.activeId);
  const fromProfiles = useStore((s) => s.profiles.list?.live);
  const owned = new Set((fromProfiles ?? []).map((l) => l.connectionId));
  const unsaved = Object.values(connections).filter(
    (c: ConnectionInfo) => !owned.has(c.connectionId) && c.state !== 'disconnected' && c.state !== 'error',
  );
  if (unsaved.length === 0) return null;
  return (
    <section className="profile-folder" data-testid="live-connections">
      <h3>Live, not saved</h3>
      <ul>
        {unsaved.map((c) => (
          <li
            key={c.connectionId}
            className={`profile-row${c.connectionId === activeId ? ' active' : ''}`}
            data-testid="live-connection"
            data-name={c.name}
            onClick={() => activateConnection(c.connectionId)}
          >
            <span className={`dot status-${c.state}`} data-testid="live-connection-status" data-state={c.state} title={c.state} />
            <span className="profile-name" title={c.url}>
              {c.name}
            </span>
            <button
              type="button"
              className="secondary"
              data-testid="live-connection-disconnect"
              onClick={(e) => {
                e.stopPropagation();
                void disconnect(c.connectionId);
              }}
            >
              Disconnect
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
