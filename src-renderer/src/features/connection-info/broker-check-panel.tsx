import type { ConnectionInfo } from '../../../../shared/ipc/connections';
import { useStore } from '../../store/root-store';
import { checkBroker } from './actions';
import { connectionInfoSelectors } from './selectors';

/** The broker check (what `topiary check` reports) for one connection: a button, then a table saying how each line was found. */
export function BrokerCheckPanel({ info }: { readonly info: ConnectionInfo }): React.JSX.Element {
  const stored = useStore(connectionInfoSelectors.check);
  const check = stored?.connectionId === info.connectionId ? stored : null;
  const running = check?.state === 'running';
  return (
    <section className="broker-check" data-testid="broker-check" data-state={check?.state ?? 'idle'}>
      <h3>
        Broker check{' '}
        <button
          type="button"
          data-testid="broker-check-run"
          disabled={running || info.state !== 'connected'}
          title="Connects beside this connection and tests what the broker supports: versions, limits, sessions, wills, retained messages, round trips (a few seconds)"
          onClick={() => void checkBroker(info.connectionId)}
        >
          {running ? 'Checking…' : check ? 'Check again' : 'Check broker'}
        </button>
      </h3>
      {check === null ? (
        <p className="note" data-testid="broker-check-empty">
          {info.state === 'connected' ? 'Find out what this broker supports and how it behaves, each answer saying how it was found.' : 'Connect first to check the broker.'}
        </p>
      ) : check.state === 'failed' ? (
        <div className="error" data-testid="broker-check-error" data-code={check.error?.code}>
          <strong>{check.error?.code}</strong> {check.error?.message}
        </div>
      ) : check.report ? (
        <table className="connack-facts" data-testid="broker-check-report" data-url={check.report.url}>
          <tbody>
            {check.report.lines.map((line) => (
              <tr key={line.name} data-testid="broker-check-line" data-name={line.name}>
                <th scope="row">{line.name}</th>
                <td data-testid="broker-check-value">{line.value}</td>
                <td className="note" data-testid="broker-check-how">
                  {line.how}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p className="note" aria-live="polite">
          Checking {info.url}…
        </p>
      )}
    </section>
  );
}
