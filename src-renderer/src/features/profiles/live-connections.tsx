import { RotateCw, Save, Unplug, X } from 'lucide-react';
import { useShallow } from 'zustand/react/shallow';
import type { ConnectionInfo } from '../../../../shared/ipc/connections';
import { useStore } from '../../store/root-store';
import { IconButton } from '../../ui';
import { activateConnection, disconnect, forgetConnection, reopenConnection, saveConnectionAsProfile } from '../connections/actions';
import { clientIdLabel } from '../connections/connection-identity';
import { connectionsSelectors } from '../connections/selectors';

const LIVE = new Set(['connecting', 'connected', 'reconnecting']);

function UnsavedRow({ info, active }: { info: ConnectionInfo; active: boolean }): React.JSX.Element {
  const colour = useStore(connectionsSelectors.colourOf(info.connectionId));
  const live = LIVE.has(info.state);
  const stop = (work: () => void) => (e: React.MouseEvent) => {
    e.stopPropagation();
    work();
  };
  return (
    <li
      className={`profile-row conn-entry${active ? ' active' : ''}`}
      data-testid="live-connection"
      data-name={info.name}
      data-state={info.state}
      data-active={active ? 'true' : 'false'}
      data-colour={colour}
      data-client-id={info.clientId}
      onClick={() => activateConnection(info.connectionId)}
    >
      <div className="conn-entry-main">
        <span className="conn-colour" style={{ background: colour }} aria-hidden="true" />
        <span className={`dot status-${info.state}`} data-testid="live-connection-status" data-state={info.state} title={info.state} />
        <span className="conn-entry-text">
          <button type="button" className="conn-entry-name profile-name" data-testid="live-connection-name" title={`Show ${info.name}`} onClick={stop(() => activateConnection(info.connectionId))}>
            {info.name}
          </button>
          <span className="conn-entry-detail" data-testid="live-connection-detail">
            <span className="profile-url">{info.url}</span>
            <span className="conn-client-id" data-testid="live-connection-client-id" title="Client id">
              {clientIdLabel(info.clientId, info.clientIdAssigned)}
            </span>
          </span>
        </span>
      </div>
      <div className="row-toolbar" role="toolbar" aria-label={`Actions for ${info.name}`}>
        <IconButton size="sm" icon={Save} label={`Save ${info.name} as a profile`} data-testid="live-connection-save" onClick={stop(() => void saveConnectionAsProfile(info.connectionId))} />
        {live || info.state === 'error' ? (
          <IconButton size="sm" icon={Unplug} label={`Disconnect ${info.name}`} data-testid="live-connection-disconnect" onClick={stop(() => void disconnect(info.connectionId))} />
        ) : (
          <>
            <IconButton size="sm" icon={RotateCw} label={`Reconnect ${info.name}`} data-testid="live-connection-reconnect" onClick={stop(() => void reopenConnection(info.connectionId))} />
            <IconButton size="sm" icon={X} label={`Remove ${info.name} from the list`} data-testid="live-connection-remove" onClick={stop(() => void forgetConnection(info.connectionId))} />
          </>
        )}
      </div>
    </li>
  );
}

/**
 * Connections no saved profile opened: the embedded broker's and quick connects, live or closed. Each can be shown,
 * closed, opened again and saved as a profile in one click; a colour and the client id tell same-URL entries apart.
 */
export function LiveConnections(): React.JSX.Element | null {
  const unsaved = useStore(useShallow(connectionsSelectors.unsaved));
  const activeId = useStore(connectionsSelectors.activeId);
  if (unsaved.length === 0) return null;
  return (
    <section className="profile-folder" data-testid="live-connections">
      <h3>Not saved</h3>
      <ul>
        {unsaved.map((c) => (
          <UnsavedRow key={c.connectionId} info={c} active={c.connectionId === activeId} />
        ))}
      </ul>
    </section>
  );
}
