import { useState } from 'react';
import type { BrokerLogEntry } from '../../../../shared/ipc/broker';
import { formatTime, plural, useTimeFormat } from '../../lib/format';
import { useStore } from '../../store/root-store';
import { Select, type SelectChoice } from '../../ui/select';
import { BROKER_LOG_KINDS, filterBrokerLog, logClients, type BrokerLogKind } from './broker-log-filter';
import { brokerSelectors } from './selectors';

const KIND_CHOICES: readonly SelectChoice<BrokerLogKind | ''>[] = [{ value: '', label: 'Everything' }, ...BROKER_LOG_KINDS];

/** The broker's log: filter by kind and client, pause to read while it keeps arriving. */
export function BrokerLog(): React.JSX.Element {
  useTimeFormat();
  const live = useStore(brokerSelectors.log);
  const [kind, setKind] = useState<BrokerLogKind | null>(null);
  const [client, setClient] = useState('');
  // While paused the list shows what was there when Pause was pressed; new lines are counted, not shown.
  const [frozen, setFrozen] = useState<readonly BrokerLogEntry[] | null>(null);
  const shownLog = frozen ?? live;
  const rows = filterBrokerLog(shownLog, { kind, client });
  const waiting = frozen ? live.filter((e) => e.at > (frozen[frozen.length - 1]?.at ?? 0)).length : 0;
  return (
    <section className="broker-section" aria-labelledby="broker-log-title">
      <h3 id="broker-log-title">Log</h3>
      <div className="actions broker-log-controls">
        <label>
          Kind{' '}
          <Select data-testid="broker-log-kind" value={kind ?? ''} choices={KIND_CHOICES} onChange={(v) => setKind(v === '' ? null : v)} />
        </label>
        <label>
          Client{' '}
          <input data-testid="broker-log-client" list="broker-log-clients" placeholder="any client" value={client} onChange={(e) => setClient(e.target.value)} />
        </label>
        <datalist id="broker-log-clients">
          {logClients(shownLog).map((c) => (
            <option key={c} value={c} />
          ))}
        </datalist>
        <button type="button" data-testid="broker-log-pause" aria-pressed={frozen !== null} onClick={() => setFrozen(frozen ? null : live)}>
          {frozen ? 'Resume' : 'Pause'}
        </button>
        <span className="note" data-testid="broker-log-status" aria-live="polite">
          {frozen ? `Paused · ${plural(waiting, 'new line')} waiting` : `${plural(rows.length, 'line')} shown`}
        </span>
      </div>
      <ol className="broker-log" data-testid="broker-log" data-paused={frozen !== null}>
        {rows.map((e, i) => (
          <li key={`${e.at}-${i}`} className={`log-${e.type.replace('.', '-')}`} data-kind={e.type} data-client={e.clientId ?? ''}>
            <time dateTime={new Date(e.at).toISOString()}>{formatTime(e.at)}</time> {e.text}
          </li>
        ))}
      </ol>
    </section>
  );
}
