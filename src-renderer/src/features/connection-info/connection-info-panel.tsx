import type { ConnectionInfo } from '../../../../shared/ipc/connections';
import { BrokerCheckPanel } from './broker-check-panel';
import { brokerFactRows, protocolName } from './broker-fact-rows';
import { ConnectionStatusLine } from './connection-status-line';
import { statusText } from './connection-status-text';
import { formatTime, useTimeFormat } from '../../lib/format';

/** Everything known about one connection: who we are, where we connect, and what the broker said in its CONNACK. */
export function ConnectionInfoPanel({ info }: { readonly info: ConnectionInfo }): React.JSX.Element {
  useTimeFormat();
  const rows = info.broker ? brokerFactRows(info.broker, info.protocolVersion) : [];
  const headline = statusText(info, Date.now()).headline;
  return (
    <div className="connection-info" data-testid="connection-info" data-connection={info.connectionId}>
      <section>
        <h3>Connection</h3>
        <dl className="connection-facts">
          <dt>State</dt>
          <dd data-testid="info-state" data-state={info.state}>
            <strong>{headline}</strong> <ConnectionStatusLine info={info} testId="info-status-detail" />
            {info.error && info.state !== 'connected' ? (
              <div className="error" data-testid="info-error" data-code={info.error.code}>
                <strong>{info.error.code}</strong> {info.error.message}
              </div>
            ) : null}
          </dd>
          <dt>Since</dt>
          <dd>{formatTime(info.since)}</dd>
          <dt>Client id</dt>
          <dd className="mono" data-testid="info-client-id" data-assigned={info.clientIdAssigned ? 'true' : 'false'}>
            {info.clientId || (info.clientIdAssigned ? '(assigned by the broker, not told)' : '')}
            {info.clientIdAssigned && info.clientId ? <span className="hint"> assigned by the broker</span> : null}
          </dd>
          <dt>Protocol</dt>
          <dd data-testid="info-protocol">{protocolName(info.protocolVersion)}</dd>
          <dt>{info.urls.length > 1 ? 'Brokers (failover order)' : 'Broker'}</dt>
          <dd>
            <ol className="connection-urls" data-testid="info-urls">
              {info.urls.map((url) => {
                const live = url === info.url;
                return (
                  <li key={url} className={live ? 'live' : ''} data-testid="info-url" data-live={live ? 'true' : 'false'}>
                    <span className="mono">{url}</span>
                    {live ? <span className="live-tag">{info.state === 'connected' ? 'live' : 'last tried'}</span> : null}
                  </li>
                );
              })}
            </ol>
            {info.redirect ? (
              <p className="note" data-testid="info-redirect" data-permanent={info.redirect.permanent ? 'true' : 'false'}>
                Now at <span className="mono">{info.url}</span>: {info.redirect.reason} ({formatTime(info.redirect.at)})
              </p>
            ) : null}
          </dd>
        </dl>
      </section>
      <section>
        <h3>Broker (from CONNACK)</h3>
        {rows.length === 0 ? (
          <p className="note" data-testid="info-no-connack">
            No CONNACK yet: the broker has not accepted this connection.
          </p>
        ) : (
          <table className="connack-facts" data-testid="connack-facts">
            <tbody>
              {rows.map((row) => (
                <tr key={row.key} data-testid={`fact-${row.key}`} data-sent={row.sent ? 'true' : 'false'} className={row.sent ? '' : 'defaulted'}>
                  <th scope="row">{row.label}</th>
                  <td data-testid="fact-value">{row.value}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <BrokerCheckPanel info={info} />
    </div>
  );
}
