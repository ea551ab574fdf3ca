import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef, useState } from 'react';
import type { ConnectionId } from '../../../../shared/ipc/common';
import type { DiffResult, HistoryPage } from '../../../../shared/ipc/explorer';
import { useStore } from '../../store/root-store';
import { explorerSelectors } from '../explorer/selectors';
import { MessagePropertiesList } from '../inspector/message-facts';
import { diffMessages, fetchHistory, setHistoryBudget, setPauseBudget } from './actions';
import { OlderMessages } from './older-messages';
import { PayloadDiff } from './payload-diff';
import { formatBytes, formatCount, formatTime, plural, useTimeFormat } from '../../lib/format';

/** Refreshes of a busy topic's history are spaced out; the list is for reading, not for streaming. */
const REFRESH_MS = 500;
const MB = 1024 * 1024;
const ROW_HEIGHT = 22;
const OVERSCAN = 10;

const clock = (t: number): string => formatTime(t);

function delta(ms: number | null): string {
  if (ms === null) return '';
  return ms < 1000 ? `+${Math.round(ms)} ms` : `+${(ms / 1000).toFixed(2)} s`;
}

/** A topic's remembered messages with time and delta; pick any two to diff them. */
export function HistoryPanel({ connectionId, topic, count }: { readonly connectionId: ConnectionId; readonly topic: string; readonly count: number }): React.JSX.Element {
  const [page, setPage] = useState<HistoryPage | null>(null);
  useTimeFormat();
  const [picked, setPicked] = useState<readonly number[]>([]);
  const [focused, setFocused] = useState<number | null>(null);
  const [diff, setDiff] = useState<DiffResult | null>(null);
  const [error, setError] = useState('');
  const [budgetMb, setBudgetMb] = useState('');
  const [pauseMessages, setPauseMessages] = useState('');
  const [pauseMb, setPauseMb] = useState('');
  const gauge = useStore(explorerSelectors.changed)?.buffer;

  useEffect(() => {
    setPicked([]);
    setFocused(null);
    setDiff(null);
  }, [topic]);

  useEffect(() => {
    let cancelled = false;
    const timer = setTimeout(() => {
      void fetchHistory(connectionId, topic).then((p) => {
        if (!cancelled) setPage(p);
      });
    }, page === null ? 0 : REFRESH_MS);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
    // Re-fetched when the topic's message count moves.
  }, [connectionId, topic, count]);

  useEffect(() => {
    if (picked.length !== 2) {
      setDiff(null);
      return;
    }
    const [a, b] = [...picked].sort((x, y) => x - y) as [number, number];
    diffMessages(connectionId, topic, a, b).then(
      (d) => (setDiff(d), setError('')),
      (e: unknown) => setError(e instanceof Error ? e.message : String(e)),
    );
  }, [connectionId, topic, picked]);

  const pick = (n: number): void => setPicked((p) => (p.includes(n) ? p.filter((x) => x !== n) : [...p.slice(-1), n]));
  const items = page?.items ?? [];
  const focusedItem = focused === null ? undefined : items.find((i) => i.n === focused);
  // Newest first; virtualised like the tree, so a thousand kept messages cost only the rows on screen.
  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({ count: items.length, getScrollElement: () => scroller.current, estimateSize: () => ROW_HEIGHT, overscan: OVERSCAN });

  return (
    <div className="history" data-testid="history-panel">
      <div className="actions">
        <span className="note" data-testid="history-usage">
          {page ? `${formatCount(page.items.length)} kept · ${formatBytes(page.usedBytes)} of ${formatBytes(page.budgetBytes)} used${page.evicted > 0 ? ` · ${formatCount(page.evicted)} evicted` : ''}` : ''}
        </span>
        <input className="depth" aria-label="History budget (MB)" placeholder="MB" value={budgetMb} onChange={(e) => setBudgetMb(e.target.value.replace(/\D/g, ''))} />
        <button
          type="button"
          className="subtle"
          aria-label="Set the history budget"
          disabled={budgetMb === ''}
          onClick={() => void setHistoryBudget(connectionId, Number(budgetMb) * MB).then(() => setBudgetMb(''))}
        >
          Set
        </button>
      </div>
      {/* The pause buffer's budget on its own line: at 1024 pixels the two budgets do not share one. */}
      <div className="actions">
        <span className="note" data-testid="pause-budget" data-messages={gauge?.capacityMessages} data-bytes={gauge?.capacityBytes}>
          {gauge ? `Pause buffer: ${plural(gauge.capacityMessages, 'message')} / ${formatBytes(gauge.capacityBytes)}` : ''}
        </span>
        <input className="depth" aria-label="Pause buffer budget (messages)" data-testid="pause-budget-messages" placeholder="msgs" value={pauseMessages} onChange={(e) => setPauseMessages(e.target.value.replace(/\D/g, ''))} />
        <input className="depth" aria-label="Pause buffer budget (MB)" data-testid="pause-budget-mb" placeholder="MB" value={pauseMb} onChange={(e) => setPauseMb(e.target.value.replace(/\D/g, ''))} />
        <button
          type="button"
          className="subtle"
          data-testid="pause-budget-set"
          aria-label="Set the pause buffer budget"
          disabled={pauseMessages === '' && pauseMb === ''}
          onClick={() =>
            void setPauseBudget(
              connectionId,
              pauseMessages === '' ? (gauge?.capacityMessages ?? 500_000) : Math.max(1, Number(pauseMessages)),
              pauseMb === '' ? (gauge?.capacityBytes ?? 128 * MB) : Math.max(1, Number(pauseMb)) * MB,
            ).then(() => (setPauseMessages(''), setPauseMb('')))
          }
        >
          Set
        </button>
      </div>
      {picked.length < 2 ? <p className="note history-hint">Tick two messages to compare them.</p> : null}
      {diff ? <PayloadDiff diff={diff} /> : null}
      {error ? <p className="error">{error}</p> : null}
      <div className="history-list" ref={scroller} role="table" aria-label="Remembered messages" aria-rowcount={items.length} data-testid="history-list" data-count={items.length}>
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {virtualizer.getVirtualItems().map((row) => {
            const item = items[items.length - 1 - row.index];
            if (!item) return null;
            return (
              <div
                key={item.n}
                role="row"
                className={`history-row${focused === item.n ? ' selected' : ''}`}
                data-testid="history-item"
                data-n={item.n}
                data-properties={item.properties ? 'yes' : 'no'}
                onClick={(e) => {
                  if ((e.target as HTMLElement).tagName !== 'INPUT') setFocused(focused === item.n ? null : item.n);
                }}
                style={{ position: 'absolute', top: 0, left: 0, right: 0, height: ROW_HEIGHT, transform: `translateY(${row.start}px)` }}
              >
                <span role="cell">
                  <input type="checkbox" aria-label={`Compare message ${item.n}`} checked={picked.includes(item.n)} onChange={() => pick(item.n)} />
                </span>
                <span role="cell">#{item.n}</span>
                <span role="cell">{clock(item.receivedAt)}</span>
                <span role="cell" data-testid="history-delta">
                  {delta(item.deltaMs)}
                </span>
                <span role="cell">QoS {item.qos}</span>
                <span role="cell">{item.retain ? 'R' : ''}</span>
                <span role="cell">{formatBytes(item.size)}</span>
                <span role="cell" className="preview-cell" title={item.preview}>
                  {item.preview}
                </span>
              </div>
            );
          })}
        </div>
      </div>
      {focusedItem ? (
        <div className="history-focus" data-testid="history-item-detail" data-n={focusedItem.n}>
          <span className="note">
            Message #{focusedItem.n}: QoS {focusedItem.qos}
            {focusedItem.retain ? ', retained' : ''}
            {focusedItem.dup ? ', dup' : ''}, {formatBytes(focusedItem.size)}{focusedItem.properties ? '' : ', no MQTT 5 properties'}
          </span>
          {focusedItem.properties ? <MessagePropertiesList properties={focusedItem.properties} /> : null}
        </div>
      ) : null}
      <OlderMessages connectionId={connectionId} topic={topic} before={items[0]?.receivedAt ?? Date.now()} />
    </div>
  );
}
