import { ListX, Trash2 } from 'lucide-react';
import { useEffect, useMemo, useRef, useState } from 'react';
import type { BrokerClientRow, BrokerRetainedRow, BrokerStatsSample } from '../../../../shared/ipc/broker';
import { useStore } from '../../store/root-store';
import { IconButton } from '../../ui/icon-button';
import { deleteRetained, disconnectClient, fetchClients, fetchRetained, quickTls, restartBroker, startBroker, stopBroker } from './actions';
import { brokerSelectors } from './selectors';
import { drawLines } from '../chart/draw-series';
import { countedOver, rateSeries } from './rates';
import { BrokerAccess } from './broker-access';
import { BrokerRedirect } from './broker-redirect';
import { BrokerSettingsForm } from './broker-settings-form';
import './broker.css';
import { BrokerLog } from './broker-log';
import { formatBytes, plural } from '../../lib/format';

const POLL_MS = 1_000;

/** Polls a request while the panel is shown; the dashboard's lists are small and change slowly. */
function usePolled<T>(load: () => Promise<T>, deps: readonly unknown[]): [T | null, () => void] {
  const [value, setValue] = useState<T | null>(null);
  const [tick, setTick] = useState(0);
  const loader = useRef(load);
  loader.current = load;
  useEffect(() => {
    let cancelled = false;
    const run = (): void => {
      loader.current().then(
        (v) => !cancelled && setValue(v),
        () => !cancelled && setValue(null),
      );
    };
    run();
    const timer = setInterval(run, POLL_MS);
    return () => {
      cancelled = true;
      clearInterval(timer);
    };
  }, [...deps, tick]);
  return [value, () => setTick((t) => t + 1)];
}

function since(at: number): string {
  const s = Math.max(0, Math.round((Date.now() - at) / 1000));
  return s < 60 ? `${s} s` : s < 3600 ? `${Math.floor(s / 60)} min` : `${Math.floor(s / 3600)} h`;
}

function RateChart({ samples }: { readonly samples: readonly BrokerStatsSample[] }): React.JSX.Element {
  const canvas = useRef<HTMLCanvasElement>(null);
  const lines = useMemo(
    () => [
      { label: 'messages in / s', color: '#5fb386', points: rateSeries(samples, 'messagesReceived') },
      { label: 'messages out / s', color: '#6fa8dc', points: rateSeries(samples, 'messagesSent') },
    ],
    [samples],
  );
  useEffect(() => {
    if (canvas.current) drawLines(canvas.current, lines, { timeAxis: true, empty: 'No rates yet: the broker samples its counters once a second.' });
  }, [lines]);
  const lowest = Math.min(...lines.flatMap((l) => l.points.map((p) => p.v)), Number.POSITIVE_INFINITY);
  // What the plotted rates add up to, so a test (or a curious user) can check them against the broker's own count.
  const counted = Math.round(countedOver(samples, 'messagesReceived'));
  return (
    <canvas
      ref={canvas}
      className="rate-chart"
      data-testid="broker-rate-chart"
      data-min-rate={Number.isFinite(lowest) ? lowest : ''}
      data-points={lines[0]?.points.length ?? 0}
      data-counted-in={counted}
    />
  );
}

function Clients({ running }: { readonly running: boolean }): React.JSX.Element {
  const [clients, refresh] = usePolled<readonly BrokerClientRow[]>(fetchClients, [running]);
  return (
    <section className="broker-section">
      <h3>Clients ({clients?.length ?? 0})</h3>
      <table className="grid" data-testid="broker-clients">
        <thead>
          <tr>
            <th>Client id</th>
            <th>Address</th>
            <th>MQTT</th>
            <th>Keepalive</th>
            <th>Since</th>
            <th>Subscriptions</th>
            <th>In flight</th>
            <th>Queued</th>
            <th>Dropped</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {(clients ?? []).map((c) => (
            <tr key={c.clientId} data-testid="broker-client" data-client-id={c.clientId}>
              <td className="mono">{c.clientId}{c.username ? ` (${c.username})` : ''}</td>
              <td className="mono">{c.remoteAddress}</td>
              <td>{c.protocolVersion === 5 ? '5.0' : c.protocolVersion === 4 ? '3.1.1' : '3.1'}</td>
              <td>{c.keepalive} s</td>
              <td>{since(c.connectedSince)}</td>
              <td className="mono">{c.subscriptions.join(', ')}</td>
              <td>{c.inflight}</td>
              <td>{c.queued}</td>
              <td data-testid="broker-client-dropped">{c.dropped}</td>
              <td>
                <button type="button" className="danger btn-sm" data-testid="broker-client-disconnect" onClick={() => void disconnectClient(c.clientId).then(refresh)}>
                  Disconnect
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function Retained({ running }: { readonly running: boolean }): React.JSX.Element {
  const [prefix, setPrefix] = useState('');
  const [note, setNote] = useState('');
  const [result, refresh] = usePolled<{ readonly total: number; readonly rows: readonly BrokerRetainedRow[] }>(() => fetchRetained(prefix), [running, prefix]);
  const remove = async (topic: string, subtree: boolean): Promise<void> => {
    setNote(await deleteRetained(topic, subtree));
    refresh();
  };
  return (
    <section className="broker-section">
      <h3>
        Retained messages ({result?.total ?? 0})
        <input placeholder="filter by prefix" aria-label="Retained prefix" data-testid="broker-retained-prefix" value={prefix} onChange={(e) => setPrefix(e.target.value)} />
      </h3>
      {note ? <p className="ok" data-testid="broker-retained-note">{note}</p> : null}
      <table className="grid" data-testid="broker-retained">
        <tbody>
          {(result?.rows ?? []).map((r) => (
            <tr key={r.topic} data-testid="broker-retained-row" data-topic={r.topic}>
              <td className="mono">{r.topic}</td>
              <td className="mono preview">{r.preview}</td>
              <td>{formatBytes(r.size)}</td>
              <td>QoS {r.qos}</td>
              <td>
                <span className="item-actions">
                  <IconButton size="sm" variant="danger" icon={Trash2} label="Delete" onClick={() => void remove(r.topic, false)} />
                  <IconButton size="sm" variant="danger" icon={ListX} label="Delete subtree" onClick={() => void remove(r.topic, true)} />
                </span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** The embedded broker: start/stop, listeners, settings, clients, retained messages, rates and a log. */
export function BrokerPanel(): React.JSX.Element {
  const status = useStore(brokerSelectors.status);
  const samples = useStore(brokerSelectors.samples);
  const busy = useStore(brokerSelectors.busy);
  const shownError = useStore(brokerSelectors.shownError);
  const running = status?.running ?? false;
  const last = samples[samples.length - 1];
  const rates = useMemo(() => brokerSelectors.rates(samples), [samples]);
  const [tlsNote, setTlsNote] = useState<string | null>(null);

  return (
    <div className="broker-panel" data-testid="broker-panel" data-running={running}>
      <section className="broker-section broker-head">
        <span className={`status ${running ? 'status-connected' : 'status-disconnected'}`} data-testid="broker-state">
          {running ? 'Running' : 'Stopped'}
        </span>
        <button type="button" className="primary" data-testid="broker-start" disabled={busy || running} onClick={() => void startBroker()}>Start</button>
        <button type="button" className="danger" data-testid="broker-stop" disabled={busy || !running} onClick={() => void stopBroker()}>Stop</button>
        <button type="button" data-testid="broker-restart" disabled={busy || !running} onClick={() => void restartBroker()}>Restart</button>
        <button
          type="button"
          data-testid="broker-quick-tls"
          disabled={busy}
          title="Make a local CA, a server certificate for localhost and a client certificate, add a TLS listener and a profile that trusts the CA"
          onClick={() => void quickTls().then(setTlsNote)}
        >
          Quick local TLS
        </button>
        <ul className="listeners" data-testid="broker-listeners">
          {(status?.listeners ?? []).map((l) => (
            <li key={l.url} className="mono" data-testid="broker-listener" data-url={l.url}>
              {l.url}
              {l.exposed ? <span className="warn" data-testid="broker-exposed-warning"> reachable from other machines</span> : null}
            </li>
          ))}
        </ul>
        {tlsNote ? (
          <p className="ok" data-testid="broker-quick-tls-note">
            {tlsNote}
          </p>
        ) : null}
        {shownError ? (
          <div className="error" role="alert" data-testid="broker-error">
            {shownError.message}
          </div>
        ) : null}
      </section>
      <section className="broker-section">
        <h3>Traffic</h3>
        <div className="broker-figures" data-testid="broker-figures">
          <span>{plural(last?.clientsConnected ?? 0, 'client')}</span>
          <span data-testid="broker-rate-in">{rates.in.toFixed(0)} msg/s in</span>
          <span>{rates.out.toFixed(0)} msg/s out</span>
          <span data-testid="broker-bytes-rate">
            {formatBytes(Math.round(rates.bytesIn))}/s in · {formatBytes(Math.round(rates.bytesOut))}/s out
          </span>
          <span>{last?.messagesReceived ?? 0} received</span>
          <span>{last?.messagesSent ?? 0} sent</span>
          <span>{plural(last?.subscriptions ?? 0, 'subscription')}</span>
          <span>{last?.dropped ?? 0} dropped</span>
          <span data-testid="broker-queue-overflow" title="QoS 1/2 messages dropped because a client's queue was full">{last?.queueOverflow ?? 0} queue overflow</span>
        </div>
        <RateChart samples={samples} />
      </section>
      {status && status.bridges.length > 0 ? (
        <section className="broker-section">
          <h3>Bridges</h3>
          <table className="grid" data-testid="broker-bridges">
            <tbody>
              {status.bridges.map((b) => (
                <tr key={b.name} data-testid="broker-bridge" data-name={b.name} data-state={b.state}>
                  <td>{b.name}</td>
                  <td className="mono">{b.remoteUrl}</td>
                  <td>{b.state}</td>
                  <td>{b.forwardedIn} in</td>
                  <td>{b.forwardedOut} out</td>
                  <td className="error">{b.lastError ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : null}
      <Clients running={running} />
      <BrokerRedirect moved={status?.moved} busy={busy} />
      <Retained running={running} />
      <BrokerLog />
      {status ? <BrokerAccess settings={status.settings} /> : null}
      {status ? <BrokerSettingsForm settings={status.settings} /> : null}
    </div>
  );
}
