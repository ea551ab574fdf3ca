import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { ConnectionId } from '../../../../shared/ipc/common';
import type { ConnectionInfo } from '../../../../shared/ipc/connections';
import type { HistorySourceRow } from '../../../../shared/ipc/history';
import { useStore } from '../../store/root-store';
import { connectionsSelectors } from '../connections/selectors';
import {
  cancelExport,
  controlReplay,
  editDraft,
  exportResults,
  loadMoreResults,
  pauseRecording,
  refreshHistoryStatus,
  replayResults,
  searchHistory,
  selectResult,
  setConnectionRecording,
  setSourceRetention,
} from './actions';
import { defaultExportFile, type QueryDraft } from './query-draft';
import { searchResultById, searchResults } from './results';
import { ResultDetail } from './result-detail';
import { historySearchSelectors } from './selectors';
import './history-view.css';
import { formatBytes, formatDateTime, useTimeFormat } from '../../lib/format';

const ROW_HEIGHT = 22;
const decoder = new TextDecoder('utf-8', { fatal: true });

const clock = (t: number): string => formatDateTime(t);

function payloadText(bytes: Uint8Array): { readonly text: string; readonly binary: boolean } {
  try {
    return { text: decoder.decode(bytes), binary: false };
  } catch {
    const hex = Array.from(bytes.subarray(0, 4096), (b) => b.toString(16).padStart(2, '0')).join(' ');
    return { text: bytes.length > 4096 ? `${hex} …` : hex, binary: true };
  }
}

/** What a connection is recorded under: its URL (saved profiles record under their profile as they connect). */
function sourceKeyOf(c: ConnectionInfo): string {
  return `url:${c.url}`;
}

function Recording(): React.JSX.Element {
  const status = useStore(historySearchSelectors.status);
  const byId = useStore(connectionsSelectors.byId);
  const connections = Object.values(byId);
  return (
    <section className="recording" data-testid="history-recording">
      <h3>Recording</h3>
      {connections.length === 0 ? <p className="note">Connect to a broker to record its messages.</p> : null}
      {connections.map((c) => {
        const row = status?.recording.find((r) => r.connectionId === c.connectionId);
        return (
          <label key={c.connectionId}>
            <input
              type="checkbox"
              data-testid="history-record-toggle"
              data-connection={c.name}
              checked={row !== undefined}
              onChange={(e) => void setConnectionRecording(c.connectionId, e.target.checked, sourceKeyOf(c), c.name)}
            />
            {c.name} {row ? <span className="note">({row.recorded.toLocaleString('en')} recorded{row.dropped > 0 ? `, ${row.dropped} dropped` : ''})</span> : null}
          </label>
        );
      })}
      {status && status.recording.length > 0 ? (
        <button type="button" className="subtle" data-testid="history-pause" onClick={() => void pauseRecording(!status.paused)}>
          {status.paused ? 'Resume recording' : 'Pause recording'}
        </button>
      ) : null}
    </section>
  );
}

function SourceRow({ source }: { readonly source: HistorySourceRow }): React.JSX.Element {
  const [days, setDays] = useState(source.retention.maxAgeMs === null ? '' : String(source.retention.maxAgeMs / 86_400_000));
  const [mb, setMb] = useState(source.retention.maxBytes === null ? '' : String(Math.round(source.retention.maxBytes / 1024 / 1024)));
  return (
    <tr data-testid="history-source" data-key={source.key}>
      <td>{source.label}</td>
      <td>{source.messages.toLocaleString('en')}</td>
      <td>{formatBytes(source.bytes)}</td>
      <td>
        <input aria-label={`Keep days for ${source.label}`} data-testid="retention-days" placeholder="∞" value={days} onChange={(e) => setDays(e.target.value.replace(/[^\d.]/g, ''))} /> days
      </td>
      <td>
        <input aria-label={`Keep megabytes for ${source.label}`} data-testid="retention-mb" placeholder="∞" value={mb} onChange={(e) => setMb(e.target.value.replace(/\D/g, ''))} /> MB
      </td>
      <td>
        <button type="button" className="subtle" data-testid="retention-save" onClick={() => void setSourceRetention(source.key, days === '' ? null : Number(days), mb === '' ? null : Math.max(1, Number(mb)))}>
          Keep
        </button>
      </td>
    </tr>
  );
}

function Sources(): React.JSX.Element | null {
  const sources = useStore(historySearchSelectors.sources);
  if (sources.length === 0) return null;
  return (
    <details className="sources">
      <summary>Sources and retention ({sources.length})</summary>
      <table className="grid">
        <thead>
          <tr>
            <th>Source</th>
            <th>Messages</th>
            <th>Size</th>
            <th>Keep for</th>
            <th>Keep at most</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {sources.map((s) => (
            <SourceRow key={s.key} source={s} />
          ))}
        </tbody>
      </table>
    </details>
  );
}

function SearchForm(): React.JSX.Element {
  const draft = useStore(historySearchSelectors.draft);
  const sources = useStore(historySearchSelectors.sources);
  const searching = useStore(historySearchSelectors.searching);
  const set = <K extends keyof QueryDraft>(key: K, value: QueryDraft[K]): void => editDraft({ [key]: value });
  const text = (key: 'filters' | 'since' | 'until' | 'text' | 'regex' | 'userKey' | 'userValue', label: string, placeholder: string): React.JSX.Element => (
    <label>
      {label}
      <input type="text" data-testid={`history-${key}`} placeholder={placeholder} value={draft[key]} onChange={(e) => set(key, e.target.value)} />
    </label>
  );
  return (
    <form
      className="search"
      data-testid="history-search"
      onSubmit={(e) => {
        e.preventDefault();
        void searchHistory(draft);
      }}
    >
      {text('filters', 'Topics', '# or a/+/c, …')}
      {text('since', 'Since', 'last 15 min')}
      {text('until', 'Until', 'now')}
      {text('text', 'Text', 'word in the payload')}
      {text('regex', 'Regex', 'payload pattern')}
      <label>
        <input type="checkbox" checked={draft.regexFlags.includes('i')} onChange={(e) => set('regexFlags', e.target.checked ? 'i' : '')} /> ignore case
      </label>
      <label title="Apply your decoder bindings: text and regex also match the decoded payload, which the results and the export show">
        <input type="checkbox" data-testid="history-decoded" checked={draft.decoded} onChange={(e) => set('decoded', e.target.checked)} /> decoded
      </label>
      <span className="qos-group">
        QoS
        {([0, 1, 2] as const).map((q) => (
          <label key={q}>
            <input type="checkbox" data-testid={`history-qos-${q}`} checked={draft.qos.includes(q)} onChange={(e) => set('qos', e.target.checked ? [...draft.qos, q] : draft.qos.filter((x) => x !== q))} />
            {q}
          </label>
        ))}
      </span>
      <label>
        Retain
        <select data-testid="history-retain" value={draft.retain} onChange={(e) => set('retain', e.target.value as QueryDraft['retain'])}>
          <option value="any">any</option>
          <option value="yes">retained</option>
          <option value="no">not retained</option>
        </select>
      </label>
      {text('userKey', 'User property', 'key')}
      {text('userValue', '=', 'value (any)')}
      <label>
        Source
        <select data-testid="history-source-select" value={draft.source} onChange={(e) => set('source', e.target.value)}>
          <option value="">all</option>
          {sources.map((s) => (
            <option key={s.key} value={s.key}>
              {s.label}
            </option>
          ))}
        </select>
      </label>
      <label>
        <select aria-label="Order" data-testid="history-order" value={draft.order} onChange={(e) => set('order', e.target.value as QueryDraft['order'])}>
          <option value="newest">newest first</option>
          <option value="oldest">oldest first</option>
        </select>
      </label>
      <button type="submit" className="primary" data-testid="history-search-run" disabled={searching}>
        Search
      </button>
    </form>
  );
}

function Results(): React.JSX.Element {
  const version = useStore(historySearchSelectors.resultsVersion);
  useTimeFormat();
  const count = useStore(historySearchSelectors.resultCount);
  const hasMore = useStore(historySearchSelectors.hasMore);
  const selectedId = useStore(historySearchSelectors.selectedId);
  const compareId = useStore(historySearchSelectors.compareId);
  const scroller = useRef<HTMLDivElement>(null);
  const items = searchResults();
  const virtualizer = useVirtualizer({ count: items.length, getScrollElement: () => scroller.current, estimateSize: () => ROW_HEIGHT, overscan: 12 });
  const visible = virtualizer.getVirtualItems();
  const lastVisible = visible[visible.length - 1]?.index ?? 0;
  // The next page is asked for as the list nears its end: a search of millions costs only what is scrolled.
  useEffect(() => {
    if (hasMore && lastVisible >= items.length - 20) void loadMoreResults();
  }, [hasMore, lastVisible, items.length, version]);
  return (
    <div className="results" ref={scroller} role="table" aria-label="Found messages" aria-rowcount={count} data-testid="history-results" data-count={count} data-more={hasMore}>
      <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
        {visible.map((row) => {
          const m = items[row.index];
          if (!m) return null;
          const preview = payloadText(m.payload.subarray(0, 200));
          // A search with bindings applied shows what the topic's binding made of the payload.
          const decodedPreview = m.decoded === undefined ? undefined : m.decoded.ok ? m.decoded.text.slice(0, 200) : m.decoded.error;
          return (
            <div
              key={m.id}
              role="row"
              data-testid="history-result"
              data-id={m.id}
              data-topic={m.topic}
              data-compare={m.id === compareId ? 'yes' : undefined}
              className={`result-row${m.id === selectedId ? ' selected' : ''}${m.id === compareId ? ' compare' : ''}`}
              style={{ position: 'absolute', top: 0, left: 0, right: 0, height: ROW_HEIGHT, transform: `translateY(${row.start}px)` }}
              onClick={() => selectResult(m.id)}
            >
              <span role="cell">{clock(m.receivedAt)}</span>
              <span role="cell" title={m.topic}>
                {m.topic}
              </span>
              <span role="cell">QoS {m.qos}</span>
              <span role="cell">{m.retain ? 'R' : ''}</span>
              <span role="cell" className="mono" data-testid="history-result-preview" data-decoded={m.decoded === undefined ? undefined : m.decoded.ok ? 'yes' : 'error'} title={decodedPreview !== undefined ? `Decoded by the ${m.decoded?.kind} binding` : undefined}>
                {decodedPreview ?? (preview.binary ? `[${formatBytes(m.payload.length)}] ${preview.text}` : preview.text)}
              </span>
            </div>
          );
        })}
      </div>
    </div>
  );
}

function Jobs(): React.JSX.Element {
  const status = useStore(historySearchSelectors.status);
  const hasSearched = useStore(historySearchSelectors.hasSearched);
  const exportJob = useStore(historySearchSelectors.exportJob);
  const replayJob = useStore(historySearchSelectors.replayJob);
  const connections = useStore(useShallow((s) => Object.values(connectionsSelectors.byId(s)).filter((c) => c.state === 'connected')));
  const [format, setFormat] = useState<'json' | 'ndjson' | 'csv'>('ndjson');
  const [file, setFile] = useState('');
  const [target, setTarget] = useState<ConnectionId | ''>('');
  const [speed, setSpeed] = useState('1');
  const [prefix, setPrefix] = useState('');
  const exporting = exportJob?.state === 'running';
  const replaying = replayJob?.state === 'running' || replayJob?.state === 'paused';
  const chosen = target !== '' ? target : (connections[0]?.connectionId ?? '');
  return (
    <div className="jobs">
      <span>
        Export as{' '}
        <select aria-label="Export format" data-testid="history-export-format" value={format} onChange={(e) => setFormat(e.target.value as typeof format)}>
          <option value="ndjson">NDJSON</option>
          <option value="json">JSON</option>
          <option value="csv">CSV</option>
        </select>{' '}
        to{' '}
        <input
          type="text"
          data-testid="history-export-file"
          size={48}
          placeholder={status ? defaultExportFile(status.file, format, new Date()) : 'an absolute path'}
          value={file}
          onChange={(e) => setFile(e.target.value)}
        />{' '}
        <button
          type="button"
          data-testid="history-export"
          disabled={!hasSearched || exporting || !status}
          onClick={() => void exportResults(format, file !== '' ? file : defaultExportFile(status?.file ?? '', format, new Date()))}
        >
          Export
        </button>
      </span>
      {exportJob ? (
        <span data-testid="history-export-progress" data-state={exportJob.state} data-exported={exportJob.exported}>
          {exporting ? <progress max={1} value={exportJob.fraction} /> : null} {exportJob.exported.toLocaleString('en')} exported · {exportJob.state}
          {exportJob.state === 'done' ? <span className="mono"> → {exportJob.file}</span> : null}
          {exportJob.error ? <span className="error"> {exportJob.error}</span> : null}
          {exporting ? (
            <button type="button" className="subtle" data-testid="history-export-cancel" onClick={() => void cancelExport()}>
              Cancel
            </button>
          ) : null}
        </span>
      ) : null}
      <span>
        Replay to{' '}
        <select aria-label="Replay to connection" data-testid="history-replay-target" value={chosen} onChange={(e) => setTarget(e.target.value as ConnectionId)}>
          {connections.length === 0 ? <option value="">no connection</option> : null}
          {connections.map((c) => (
            <option key={c.connectionId} value={c.connectionId}>
              {c.name}
            </option>
          ))}
        </select>{' '}
        at{' '}
        <select aria-label="Replay speed" data-testid="history-replay-speed" value={speed} onChange={(e) => setSpeed(e.target.value)}>
          {['0.1', '0.5', '1', '2', '10', '100', 'max'].map((s) => (
            <option key={s} value={s}>
              {s === 'max' ? 'as fast as possible' : `${s}×`}
            </option>
          ))}
        </select>{' '}
        <input type="text" data-testid="history-replay-prefix" placeholder="add topic prefix" value={prefix} onChange={(e) => setPrefix(e.target.value)} />{' '}
        <button
          type="button"
          data-testid="history-replay"
          disabled={!hasSearched || chosen === '' || replaying}
          onClick={() => void replayResults(chosen as ConnectionId, { speed: speed === 'max' ? 'max' : Number(speed), ...(prefix !== '' ? { addPrefix: prefix } : {}) })}
        >
          Replay
        </button>
      </span>
      {replayJob ? (
        <span data-testid="history-replay-progress" data-state={replayJob.state} data-sent={replayJob.sent}>
          {replaying ? <progress max={Math.max(1, replayJob.total)} value={replayJob.sent} /> : null} {replayJob.sent} of {replayJob.total} sent
          {replayJob.acknowledged > 0 ? `, ${replayJob.acknowledged} acknowledged` : ''}
          {replayJob.refused > 0 ? `, ${replayJob.refused} refused` : ''} · {replayJob.state}
          {replayJob.errors.length > 0 ? <span className="error"> {replayJob.errors[0]}</span> : null}
          {replaying ? (
            <>
              <button type="button" className="subtle" onClick={() => void controlReplay(replayJob.state === 'paused' ? 'resume' : 'pause')}>
                {replayJob.state === 'paused' ? 'Resume' : 'Pause'}
              </button>
              <button type="button" className="danger" data-testid="history-replay-stop" onClick={() => void controlReplay('stop')}>
                Stop
              </button>
            </>
          ) : null}
        </span>
      ) : null}
    </div>
  );
}

/** The History workspace: what is recorded, search, results beside the picked message, export and replay. */
export function HistoryView(): React.JSX.Element {
  const summary = useStore(historySearchSelectors.summary);
  const active = useStore(historySearchSelectors.recordingActive);
  const status = useStore(historySearchSelectors.status);
  const error = useStore(historySearchSelectors.error);
  const count = useStore(historySearchSelectors.resultCount);
  const hasMore = useStore(historySearchSelectors.hasMore);
  const hasSearched = useStore(historySearchSelectors.hasSearched);
  const elapsed = useStore(historySearchSelectors.elapsedMs);
  const selectedId = useStore(historySearchSelectors.selectedId);
  useStore(historySearchSelectors.resultsVersion);

  // The store's size and counts move with every write, which is not announced: look again while the view is open.
  useEffect(() => {
    void refreshHistoryStatus(true);
    const timer = setInterval(() => void refreshHistoryStatus(), 2000);
    return () => clearInterval(timer);
  }, []);

  return (
    <section className="history-view" data-testid="history-view">
      <div className="status-strip">
        <span className={`recording-dot${active ? ' on' : ''}`} aria-hidden="true" />
        <span data-testid="history-summary" data-state={status?.state ?? 'unknown'} data-messages={status?.messages ?? 0}>
          {summary}
        </span>
        {status?.movedAside ? <span className="warn">A damaged store was moved aside to {status.movedAside}; a new one was started.</span> : null}
      </div>
      <Recording />
      <Sources />
      <SearchForm />
      {error ? (
        <p className="error" data-testid="history-error">
          {error.message}
        </p>
      ) : null}
      <div className="note" data-testid="history-count">
        {hasSearched ? `${count.toLocaleString('en')}${hasMore ? '+' : ''} found${elapsed !== null ? ` (first page in ${Math.round(elapsed)} ms)` : ''}` : 'Search the recorded messages by topic, time, text, QoS, retain or user property.'}
      </div>
      <Jobs />
      <div className="body">
        <Results />
        <ResultDetail message={searchResultById(selectedId)} />
      </div>
    </section>
  );
}
