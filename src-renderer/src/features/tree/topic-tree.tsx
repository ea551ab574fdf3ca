import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { TreeRow } from '../../../../shared/ipc/explorer';
import { useStore } from '../../store/root-store';
import { connectionsSelectors } from '../connections/selectors';
import { restoreView, selectTopic, toggle } from '../explorer/actions';
import { explorerSelectors } from '../explorer/selectors';
import { timeAgo } from './time-ago';
import { TreeToolbar } from './tree-toolbar';
import { useTreeRows } from './use-tree-rows';
import './explorer.css';

const ROW_HEIGHT = 24;
const OVERSCAN = 10;
const PAGE = 50;

/** The live topic tree, virtualised: only the rows on screen exist, whatever the number of topics. */
export function TopicTree(): React.JSX.Element {
  const active = useStore(connectionsSelectors.active);
  const changed = useStore(explorerSelectors.changed);
  const emptyReason = useStore(connectionsSelectors.emptyTreeReason);
  const selected = useStore(explorerSelectors.selected);
  const connectionId = active?.connectionId ?? null;
  const viewVersion = useStore(explorerSelectors.viewVersion);
  const scroller = useRef<HTMLDivElement>(null);
  const [total, setTotal] = useState(0);
  const [now, setNow] = useState(() => Date.now());
  const pendingCursor = useRef<number | null>(null);

  useEffect(() => {
    if (connectionId) void restoreView(connectionId);
  }, [connectionId]);

  useEffect(() => {
    // Keeps "time since last message" honest while nothing arrives.
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);

  const virtualizer = useVirtualizer({ count: total, getScrollElement: () => scroller.current, estimateSize: () => ROW_HEIGHT, overscan: OVERSCAN });
  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items[items.length - 1]?.index ?? 0;
  // Ask for whole pages so small scrolls don't each cost a request.
  const rangeStart = Math.max(0, Math.floor(first / PAGE) * PAGE - PAGE);
  const rangeCount = Math.max(3 * PAGE, Math.ceil((last - rangeStart + 1) / PAGE) * PAGE + PAGE);
  const window = useTreeRows(connectionId, changed?.version ?? 0, viewVersion, rangeStart, rangeCount);

  useEffect(() => {
    if (window.total !== total) setTotal(window.total);
  }, [window.total, total]);

  const rowAt = (index: number): TreeRow | undefined => window.rows[index - window.start];
  const indexOf = (path: string | null): number => {
    if (path === null) return -1;
    const i = window.rows.findIndex((r) => r.path === path);
    return i === -1 ? -1 : window.start + i;
  };

  useEffect(() => {
    const want = pendingCursor.current;
    if (want === null) return;
    const row = rowAt(want);
    if (row) {
      pendingCursor.current = null;
      selectTopic(row.path);
    }
  });

  const moveTo = (index: number): void => {
    if (window.total === 0) return;
    const target = Math.max(0, Math.min(window.total - 1, index));
    virtualizer.scrollToIndex(target, { align: 'auto' });
    const row = rowAt(target);
    if (row) selectTopic(row.path);
    else pendingCursor.current = target;
  };

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>): void => {
    const cursor = indexOf(selected);
    const row = cursor === -1 ? undefined : rowAt(cursor);
    let handled = true;
    switch (event.key) {
      case 'ArrowDown':
        moveTo(cursor + 1);
        break;
      case 'ArrowUp':
        moveTo(cursor === -1 ? 0 : cursor - 1);
        break;
      case 'Home':
        moveTo(0);
        break;
      case 'End':
        moveTo(window.total - 1);
        break;
      case 'ArrowRight':
        if (row?.hasChildren && !row.expanded) void toggle(row.path);
        else if (row?.hasChildren) moveTo(cursor + 1);
        break;
      case 'ArrowLeft':
        if (row?.hasChildren && row.expanded) void toggle(row.path);
        else if (row && row.path.includes('/')) {
          const parent = row.path.slice(0, row.path.lastIndexOf('/'));
          const at = indexOf(parent);
          if (at !== -1) moveTo(at);
        }
        break;
      case 'Enter':
        if (row?.hasChildren) void toggle(row.path);
        break;
      default:
        handled = false;
    }
    if (handled) event.preventDefault();
  };

  if (!active) return <div className="tree-empty">Connect to a broker to see its topics.</div>;
  return (
    <>
      <TreeToolbar />
      {total === 0 && emptyReason ? (
        <div className="tree-empty" role="status" data-testid="tree-empty-reason">
          {emptyReason}
        </div>
      ) : null}
      <div
        className="tree"
        ref={scroller}
        data-testid="topic-tree"
        data-total={window.total}
        tabIndex={0}
        role="tree"
        aria-label="Topics"
        onKeyDown={onKeyDown}
      >
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {items.map((item) => {
            const row = rowAt(item.index);
            if (!row) return null;
            const fresh = window.previousFetchAt > 0 && row.changedAt > window.previousFetchAt;
            return (
              <div
                key={row.path}
                className={`tree-row${row.path === selected ? ' selected' : ''}`}
                data-testid="tree-row"
                data-path={row.path}
                role="treeitem"
                aria-level={row.depth + 1}
                aria-expanded={row.hasChildren ? row.expanded : undefined}
                aria-selected={row.path === selected}
                style={{ position: 'absolute', top: 0, left: 0, right: 0, height: ROW_HEIGHT, transform: `translateY(${item.start}px)`, paddingLeft: 8 + row.depth * 14 }}
                onClick={() => {
                  selectTopic(row.path);
                  scroller.current?.focus();
                }}
              >
                <span
                  className="twisty"
                  data-testid="tree-toggle"
                  onClick={(e) => {
                    e.stopPropagation();
                    if (row.hasChildren) void toggle(row.path);
                  }}
                >
                  {row.hasChildren ? (row.expanded ? '▾' : '▸') : ''}
                </span>
                {/* Keyed by changedAt so the flash animation restarts on every change. */}
                <span key={row.changedAt} className={`name${fresh ? ' flash' : ''}`}>
                  {row.name === '' ? '∅' : row.name}
                </span>
                {row.retained ? (
                  <span className="retained" title="retained">
                    R
                  </span>
                ) : null}
                {row.preview ? <span className="preview"> = {row.preview}</span> : null}
                <span className="counts" data-testid="row-counts" data-messages={row.messageCount} data-topics={row.subtopicCount}>
                  {row.subtopicCount > 0 ? `${row.subtopicCount} topics, ` : ''}
                  {row.messageCount} msgs
                </span>
                <span className="ago" data-testid="row-ago" title="since the last message here">
                  {timeAgo(row.changedAt, Math.max(now, window.fetchedAt))}
                </span>
              </div>
            );
          })}
        </div>
      </div>
    </>
  );
}

export { useTreeRows as useTreeRowsFor } from './use-tree-rows';
