import { useVirtualizer } from '@tanstack/react-virtual';
import { useRef } from 'react';
import { selectors, useAppStore } from '../../store/app-store';
import { select, toggleExpanded } from '../../store/actions';
import { useTreeRows } from './use-tree-rows';

const ROW_HEIGHT = 24;
const OVERSCAN = 10;

/** The live topic tree, virtualised: only the rows on screen exist, whatever the number of topics. */
export function TopicTree(): React.JSX.Element {
  const active = useAppStore(selectors.active);
  const changed = useAppStore(selectors.explorerOf);
  const expanded = useAppStore(selectors.expandedOf);
  const selected = useAppStore(selectors.selectedOf);
  const scroller = useRef<HTMLDivElement>(null);
  const totalRef = useRef(0);

  const virtualizer = useVirtualizer({
    count: totalRef.current,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: OVERSCAN,
  });
  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items[items.length - 1]?.index ?? 0;
  // Ask for whole pages so small scrolls don't each cost a request.
  const rangeStart = Math.max(0, Math.floor(first / 50) * 50 - 50);
  const rangeCount = Math.max(150, Math.ceil((last - rangeStart + 1) / 50) * 50 + 50);
  const window = useTreeRows(active?.connectionId ?? null, changed?.version ?? 0, expanded, rangeStart, rangeCount);
  totalRef.current = window.total;
  if (virtualizer.options.count !== window.total) virtualizer.setOptions({ ...virtualizer.options, count: window.total });

  if (!active) return <div className="tree-empty">Connect to a broker to see its topics.</div>;
  return (
    <div className="tree" ref={scroller} data-testid="topic-tree" data-total={window.total} tabIndex={0}>
      <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
        {virtualizer.getVirtualItems().map((item) => {
          const row = window.rows[item.index - window.start];
          if (!row) return null;
          return (
            <div
              key={row.path}
              className={`tree-row${row.path === selected ? ' selected' : ''}`}
              data-testid="tree-row"
              data-path={row.path}
              role="treeitem"
              aria-expanded={row.hasChildren ? row.expanded : undefined}
              aria-selected={row.path === selected}
              style={{ position: 'absolute', top: 0, left: 0, right: 0, height: ROW_HEIGHT, transform: `translateY(${item.start}px)`, paddingLeft: 8 + row.depth * 14 }}
              onClick={() => select(row.path)}
            >
              <span
                className="twisty"
                data-testid="tree-toggle"
                onClick={(e) => {
                  e.stopPropagation();
                  if (row.hasChildren) toggleExpanded(row.path);
                }}
              >
                {row.hasChildren ? (row.expanded ? '▾' : '▸') : ''}
              </span>
              <span className="name">{row.name === '' ? '∅' : row.name}</span>
              {row.retained ? <span className="retained" title="retained">R</span> : null}
              {row.preview ? <span className="preview"> = {row.preview}</span> : null}
              <span className="counts" data-testid="row-counts">
                {row.subtopicCount > 0 ? `${row.subtopicCount} topics, ` : ''}
                {row.messageCount} msgs
              </span>
            </div>
          );
        })}
      </div>
    </div>
  );
}
