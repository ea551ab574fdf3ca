import { useStore } from '../../store/root-store';
import { connectionsSelectors } from '../connections/selectors';
import { closeConnectionDrawer, openConnectionDrawer } from './actions';
import { connectionInfoSelectors } from './selectors';
import type { ConnectionDrawerTab } from './state';
import { PacketLogPanel } from '../packet-log/packet-log-panel';
import { ConnectionInfoPanel } from './connection-info-panel';
import './connection.css';

const TABS: readonly { readonly id: ConnectionDrawerTab; readonly label: string }[] = [
  { id: 'info', label: 'Connection info' },
  { id: 'packets', label: 'Packet log' },
];

/** A drawer under the workspace with the active connection's details and packet log; it renders nothing while closed. */
export function ConnectionDrawer(): React.JSX.Element | null {
  const open = useStore(connectionInfoSelectors.drawerOpen);
  const tab = useStore(connectionInfoSelectors.drawerTab);
  const active = useStore(connectionsSelectors.active);
  if (!open) return null;
  return (
    <section className="connection-drawer" data-testid="connection-drawer" aria-label="Connection details">
      <div className="drawer-tabs" role="tablist">
        {TABS.map((t) => (
          <button key={t.id} type="button" role="tab" aria-selected={tab === t.id} className={tab === t.id ? 'active' : ''} data-testid={`drawer-tab-${t.id}`} onClick={() => openConnectionDrawer(t.id)}>
            {t.label}
          </button>
        ))}
        <span className="drawer-title note">{active ? active.name : ''}</span>
        <button type="button" className="drawer-close" aria-label="Close connection details" data-testid="drawer-close" onClick={closeConnectionDrawer}>
          ×
        </button>
      </div>
      <div className="drawer-body">
        {!active ? (
          <p className="note" data-testid="drawer-empty">
            No connection yet. Connect to a broker to see its details and packets.
          </p>
        ) : tab === 'info' ? (
          <ConnectionInfoPanel info={active} />
        ) : (
          <PacketLogPanel key={active.connectionId} info={active} />
        )}
      </div>
    </section>
  );
}
