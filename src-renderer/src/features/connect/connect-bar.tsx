import { Plus, Undo2 } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import { useStore } from '../../store/root-store';
import { IconButton } from '../../ui';
import { toggleConnectionDrawer } from '../connection-info/actions';
import { connectionInfoSelectors } from '../connection-info/selectors';
import { cancelNewConnection, clearConnectError, connect, disconnect, reopenConnection, startNewConnection, takeSessionBack } from '../connections/actions';
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

/**
 * Broker URL, protocol version, user, connect/disconnect and the status. While a connection is shown, the bar shows
 * that connection's own facts (URL, user, state); "New connection" turns it into an empty form for another one,
 * leaving the live ones live.
 */
export function ConnectBar(): React.JSX.Element {
  const [url, setUrl] = useState('mqtt://127.0.0.1:1883');
  const [version, setVersion] = useState<3 | 4 | 5>(5);
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const active = useStore(connectionsSelectors.active);
  const connecting = useStore(connectionsSelectors.connecting);
  const connectError = useStore(connectionsSelectors.connectError);
  const composing = useStore(connectionsSelectors.composing);
  const reopenable = useStore(connectionsSelectors.activeReopenable);
  const drawerOpen = useStore(connectionInfoSelectors.drawerOpen);
  const urlCheck = parseBrokerUrlList(url);
  // The bar shows a connection's facts unless the user asked for a new one; a connection that failed its first
  // attempt was never listed and is not shown here.
  const shown = composing ? null : active && (active.state !== 'disconnected' || reopenable) ? active : null;
  const live = shown !== null && (shown.state === 'connected' || shown.state === 'reconnecting' || shown.state === 'connecting');

  const onSubmit = (event: FormEvent): void => {
    event.preventDefault();
    if (shown && live) {
      void disconnect(shown.connectionId);
      return;
    }
    if (shown && reopenable) {
      void reopenConnection(shown.connectionId);
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

  const state = shown ? shown.state : connecting ? 'connecting' : 'disconnected';
  // Each error belongs to what it came from: a live connection shows only its own (none while connected; while
  // reconnecting the reason is in the status line); the bar's failed attempt shows only while no connection is shown.
  const error = shown
    ? live
      ? shown.state === 'connecting'
        ? (shown.error ?? null)
        : null
      : (connectError ?? (shown.state === 'error' ? (shown.error ?? null) : null))
    : (connectError ?? (!composing && active?.state === 'error' ? (active.error ?? null) : null));
  const takenOver = shown !== null && !live && !connectError && shown.state === 'error' && shown.error?.code === 'SESSION_TAKEN_OVER';
  const edit = (set: (value: string) => void) => (value: string) => {
    set(value);
    if (connectError) clearConnectError();
  };
  const locked = shown !== null;
  const submitLabel = live ? 'Disconnect' : reopenable && shown ? 'Reconnect' : connecting ? 'Connecting…' : 'Connect';
  return (
    <form className="connect-bar" onSubmit={onSubmit} data-testid="connect-bar" data-mode={shown ? 'facts' : 'new'}>
      <input
        className="url"
        data-testid="broker-url"
        aria-label="Broker URL"
        title="A broker URL, or several separated by commas to fail over in order"
        // While a connection is shown the bar shows where it goes, not what was last typed.
        value={shown ? shown.url : url}
        spellCheck={false}
        onChange={(e) => edit(setUrl)(e.target.value)}
        disabled={locked}
      />
      <select aria-label="MQTT version" data-testid="protocol-version" value={shown ? shown.protocolVersion : version} disabled={locked} onChange={(e) => setVersion(Number(e.target.value) as 3 | 4 | 5)}>
        <option value={5}>MQTT 5.0</option>
        <option value={4}>MQTT 3.1.1</option>
        <option value={3}>MQTT 3.1</option>
      </select>
      {/* A shown connection's user name, and never a password typed for another attempt. */}
      <input
        aria-label="User name"
        placeholder={locked ? '' : 'user'}
        data-testid="username"
        value={shown ? (shown.username ?? '') : username}
        disabled={locked}
        onChange={(e) => edit(setUsername)(e.target.value)}
      />
      <input
        aria-label="Password"
        placeholder={locked ? '' : 'password'}
        type="password"
        data-testid="password"
        value={locked ? '' : password}
        disabled={locked}
        onChange={(e) => edit(setPassword)(e.target.value)}
      />
      <button type="submit" className={live ? 'secondary' : 'primary'} data-testid="connect-button" disabled={connecting || (!shown && !urlCheck.ok) || (shown !== null && !live && !reopenable)}>
        {submitLabel}
      </button>
      {shown ? (
        <IconButton icon={Plus} label="New connection" showLabel data-testid="connect-new" onClick={startNewConnection} />
      ) : active ? (
        <IconButton icon={Undo2} label={`Back to ${active.name}`} data-testid="connect-cancel" onClick={cancelNewConnection} />
      ) : null}
      <span className={`status status-${state}`} data-testid="connection-status" data-state={state} data-connection-id={shown?.connectionId ?? ''}>
        {STATE_LABEL[state]}
      </span>
      {shown ? <ConnectionStatusLine info={shown} /> : null}
      <button type="button" className="details-toggle" data-testid="connection-details" aria-pressed={drawerOpen} onClick={toggleConnectionDrawer} title="Connection info and packet log">
        Details
      </button>
      {!urlCheck.ok && !shown && url.length > 0 ? (
        <div className="error" role="alert" data-testid="url-error">
          {urlCheck.message}
        </div>
      ) : null}
      {error ? (
        <div className="error" role="alert" data-testid="connection-error" data-code={error.code}>
          <strong>{error.code}</strong> {error.message}
          {takenOver && shown ? (
            <button type="button" data-testid="take-session-back" onClick={() => void takeSessionBack(shown.connectionId)} title="Connect again with this client id; the other client loses the session">
              Take session back
            </button>
          ) : null}
        </div>
      ) : null}
    </form>
  );
}
