import { useState, type FormEvent } from 'react';
import { useStore } from '../../store/root-store';
import { toggleConnectionDrawer } from '../connection-info/actions';
import { connectionInfoSelectors } from '../connection-info/selectors';
import { clearConnectError, connect, disconnect, takeSessionBack } from '../connections/actions';
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
  // Each error belongs to what it came from: a live connection shows only its own (none while connected; while
  // reconnecting the reason is in the status line); the bar's failed attempt shows only while no connection is live.
  const error = live ? (active.state === 'connecting' ? (active.error ?? null) : null) : (connectError ?? (active?.state === 'error' ? (active.error ?? null) : null));
  const takenOver = !live && !connectError && active?.state === 'error' && active.error?.code === 'SESSION_TAKEN_OVER';
  const edit = (set: (value: string) => void) => (value: string) => {
    set(value);
    if (connectError) clearConnectError();
  };
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
        onChange={(e) => edit(setUrl)(e.target.value)}
        disabled={Boolean(live)}
      />
      <select aria-label="MQTT version" data-testid="protocol-version" value={live && active ? active.protocolVersion : version} disabled={Boolean(live)} onChange={(e) => setVersion(Number(e.target.value) as 3 | 4 | 5)}>
        <option value={5}>MQTT 5.0</option>
        <option value={4}>MQTT 3.1.1</option>
        <option value={3}>MQTT 3.1</option>
      </select>
      {/* While a connection is live the bar shows its facts: its user name, and never a password typed for another attempt. */}
      <input
        aria-label="User name"
        placeholder={live ? '' : 'user'}
        data-testid="username"
        value={live && active ? (active.username ?? '') : username}
        disabled={Boolean(live)}
        onChange={(e) => edit(setUsername)(e.target.value)}
      />
      <input
        aria-label="Password"
        placeholder={live ? '' : 'password'}
        type="password"
        data-testid="password"
        value={live ? '' : password}
        disabled={Boolean(live)}
        onChange={(e) => edit(setPassword)(e.target.value)}
      />
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
          {takenOver && active ? (
            <button type="button" data-testid="take-session-back" onClick={() => void takeSessionBack(active.connectionId)} title="Connect again with this client id; the other client loses the session">
              Take session back
            </button>
          ) : null}
        </div>
      ) : null}
    </form>
  );
}
