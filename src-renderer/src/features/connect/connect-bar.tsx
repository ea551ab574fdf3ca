import { useState, type FormEvent } from 'react';
import { useStore } from '../../store/root-store';
import { toggleConnectionDrawer } from '../connection-info/actions';
import { connectionInfoSelectors } from '../connection-info/selectors';
import { connect, disconnect } from '../connections/actions';
import { connectionsSelectors } from '../connections/selectors';
import { ConnectionStatusLine } from '../connection-info/connection-status-line';
import { parseBrokerUrlList } from './broker-url-list';

const STATE_LABEL: Readonly<Record<string, string>> = {
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  disconnected: 'Disconnected',
  error: 'Error',
};

/** Broker URL, protocol version, connect/disconnect and the live status. */
export function ConnectBar(): React.JSX.Element {
  const [url, setUrl] = useState('mqtt://127.0.0.1:1883');
  const [version, setVersion] = useState<3 | 4 | 5>(5);
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const active = useStore(connectionsSelectors.active);
  const connecting = useStore(connectionsSelectors.connecting);
  const connectError = useStore(connectionsSelectors.connectError);
  const drawerOpen = useStore(connectionInfoSelectors.drawerOpen);
  const urlCheck = parseBrokerUrlList(url);
  const live = active && (active.state === 'connected' || active.state === 'reconnecting' || active.state === 'connecting');

  const onSubmit = (event: FormEvent): void => {
    event.preventDefault();
    if (live && active) {
      void disconnect(active.connectionId);
      return;
    }
    if (!urlCheck.ok) return;
    void connect({
      url: urlCheck.url,
      ...(urlCheck.urls.length > 0 ? { urls: [...urlCheck.urls] } : {}),
      protocolVersion: version,
      ...(username ? { username } : {}),
      ...(password ? { password } : {}),
    });
  };

  const state = active?.state ?? 'disconnected';
  // While reconnecting the error is the reason for the retry, shown in the status line; here only what needs action.
  const error = connectError ?? (active && active.state !== 'reconnecting' ? (active.error ?? null) : null);
  return (
    <form className="connect-bar" onSubmit={onSubmit} data-testid="connect-bar">
      <input
        className="url"
        data-testid="broker-url"
        aria-label="Broker URL"
        title="A broker URL, or several separated by commas to fail over in order"
        // While a connection is live the bar shows where it goes, not what was last typed.
        value={live && active ? active.url : url}
        spellCheck={false}
        onChange={(e) => setUrl(e.target.value)}
        disabled={Boolean(live)}
      />
      <select aria-label="MQTT version" data-testid="protocol-version" value={live && active ? active.protocolVersion : version} disabled={Boolean(live)} onChange={(e) => setVersion(Number(e.target.value) as 3 | 4 | 5)}>
        <option value={5}>MQTT 5.0</option>
        <option value={4}>MQTT 3.1.1</option>
        <option value={3}>MQTT 3.1</option>
      </select>
      <input aria-label="User name" placeholder="user" data-testid="username" value={username} disabled={Boolean(live)} onChange={(e) => setUsername(e.target.value)} />
      <input aria-label="Password" placeholder="password" type="password" data-testid="password" value={password} disabled={Boolean(live)} onChange={(e) => setPassword(e.target.value)} />
      <button type="submit" data-testid="connect-button" disabled={connecting || (!live && !urlCheck.ok)}>
        {live ? 'Disconnect' : connecting ? 'Connecting…' : 'Connect'}
      </button>
      <span className={`status status-${state}`} data-testid="connection-status" data-state={state}>
        {STATE_LABEL[state]}
      </span>
      {active ? <ConnectionStatusLine info={active} /> : null}
      <button type="button" className="details-toggle" data-testid="connection-details" aria-pressed={drawerOpen} onClick={toggleConnectionDrawer} title="Connection info and packet log">
        Details
      </button>
      {!urlCheck.ok && !live && url.length > 0 ? (
        <div className="error" role="alert" data-testid="url-error">
          {urlCheck.message}
        </div>
      ) : null}
      {error ? (
        <div className="error" role="alert" data-testid="connection-error" data-code={error.code}>
          <strong>{error.code}</strong> {error.message}
        </div>
      ) : null}
    </form>
  );
}
