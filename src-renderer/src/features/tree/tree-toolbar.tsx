import { ChevronsDownUp, Ellipsis, ListTree, Pause, Play, TextSearch } from 'lucide-react';
import { memo, useEffect, useRef, useState } from 'react';
import type { TreeFilter, TreeSort } from '../../../../shared/ipc/explorer';
import { useShallow } from 'zustand/react/shallow';
import { useStore } from '../../store/root-store';
import { IconButton } from '../../ui/icon-button';
import { Menu, type MenuEntry } from '../../ui/menu';
import { useCompact } from '../../ui/use-compact';
import { connectionsSelectors } from '../connections/selectors';
import { collapseAll, expandToDepth, setFilter, setPaused, setSort, toggleSubscriptions } from '../explorer/actions';
import { explorerSelectors } from '../explorer/selectors';
import { SubscriptionsPanel } from '../subscriptions/subscriptions-panel';

const FILTER_DELAY_MS = 200;
/** Below this the filter box is too short to read a topic in, so sort and expand move into the overflow menu. */
const FILTER_MIN_PX = 160;
const SORTS: readonly TreeSort[] = ['name', 'messages', 'topics', 'recent'];
const MENU_DEPTHS = [1, 2, 3] as const;

/** The toolbar reads the store itself: a memo, so the tree's re-render with every rows answer passes it by. */
export const TreeToolbar = memo(TreeToolbarView);

/**
 * Filter box, sort, expand-to-depth, pause with its buffer gauge, and the subscriptions panel. In a narrow pane the
 * secondary controls (payload search, sort, expand and collapse) fold into an overflow menu.
 */
function TreeToolbarView(): React.JSX.Element {
  const active = useStore(connectionsSelectors.active);
  const buffer = useStore(useShallow(explorerSelectors.gauge));
  const sort = useStore(explorerSelectors.sort);
  const filterError = useStore(explorerSelectors.filterError);
  const subscriptionsOpen = useStore(explorerSelectors.subscriptionsOpen);
  const [pattern, setPattern] = useState('');
  const [mode, setMode] = useState<TreeFilter['mode']>('substring');
  const [searchPayload, setSearchPayload] = useState(false);
  const [depth, setDepth] = useState(2);
  const connectionId = active?.connectionId ?? null;
  const filterRequest = useStore(explorerSelectors.filterRequest);
  const barRef = useRef<HTMLDivElement>(null);
  const filterRef = useRef<HTMLInputElement>(null);
  const compact = useCompact(barRef, filterRef, FILTER_MIN_PX);

  useEffect(() => {
    // Filter to a subtree (the tree's menu): the box shows the filter and applies it as if typed.
    if (!filterRequest) return;
    setMode(filterRequest.filter.mode);
    setPattern(filterRequest.filter.pattern);
    setSearchPayload(filterRequest.filter.searchPayload === true);
  }, [filterRequest]);

  useEffect(() => {
    if (!connectionId) return;
    // Typing is debounced so a million-topic filter runs once per pause in typing, not per key.
    const timer = setTimeout(() => {
      void setFilter(pattern === '' ? null : { mode, pattern, ...(mode === 'substring' && searchPayload ? { searchPayload: true } : {}) });
    }, FILTER_DELAY_MS);
    return () => clearTimeout(timer);
  }, [connectionId, pattern, mode, searchPayload]);

  const overflow: readonly MenuEntry[] = [
    {
      label: 'Also search the last payload',
      checked: searchPayload,
      checkKind: 'checkbox',
      disabled: mode !== 'substring',
      testId: 'tree-more-payload',
      onSelect: () => setSearchPayload(!searchPayload),
    },
    'separator',
    ...SORTS.map((by) => ({ label: `Sort by ${by}`, checked: sort === by, testId: `tree-more-sort-${by}`, onSelect: () => void setSort(by) })),
    'separator',
    ...MENU_DEPTHS.map((d) => ({ label: `Expand to depth ${d}`, icon: ListTree, disabled: !connectionId, testId: `tree-more-expand-${d}`, onSelect: () => void expandToDepth(d) })),
    { label: 'Collapse all', icon: ChevronsDownUp, disabled: !connectionId, testId: 'tree-more-collapse', onSelect: () => void collapseAll() },
  ];
  return (
    <div className="tree-toolbar" data-testid="tree-toolbar" data-compact={compact} ref={barRef}>
      <div className="toolbar-row">
        <input
          ref={filterRef}
          className="filter-input"
          data-testid="tree-filter"
          aria-label="Filter topics"
          placeholder={mode === 'wildcard' ? 'sensors/+/temp' : mode === 'regex' ? '^plant/.*temp$' : 'filter topics'}
          value={pattern}
          spellCheck={false}
          onChange={(e) => setPattern(e.target.value)}
          aria-invalid={filterError !== null}
        />
        <select aria-label="Filter kind" data-testid="tree-filter-mode" value={mode} onChange={(e) => setMode(e.target.value as TreeFilter['mode'])}>
          <option value="substring">text</option>
          <option value="regex">regex</option>
          <option value="wildcard">MQTT filter</option>
        </select>
        {compact ? (
          <Menu
            label="More tree controls"
            testId="tree-more-menu"
            trigger={<IconButton icon={Ellipsis} label="More: payload search, sort, expand" data-testid="tree-more" />}
            items={overflow}
          />
        ) : (
          <>
            <label className="check" title="Also search the last payload (text filter only)">
              <input
                type="checkbox"
                aria-label="Also search the last payload"
                data-testid="tree-filter-payload"
                checked={searchPayload}
                disabled={mode !== 'substring'}
                onChange={(e) => setSearchPayload(e.target.checked)}
              />
              <TextSearch aria-hidden="true" size={15} strokeWidth={1.75} />
            </label>
            <select aria-label="Sort" data-testid="tree-sort" value={sort} onChange={(e) => void setSort(e.target.value as TreeSort)}>
              <option value="name">name</option>
              <option value="messages">messages</option>
              <option value="topics">topics</option>
              <option value="recent">recent</option>
            </select>
          </>
        )}
      </div>
      {filterError ? (
        <div className="error" data-testid="tree-filter-error" data-code={filterError.code}>
          {filterError.message}
        </div>
      ) : null}
      <div className="toolbar-row">
        {compact ? null : (
          <>
            <IconButton icon={ListTree} label="Expand to depth" data-testid="tree-expand-depth" onClick={() => void expandToDepth(depth)} disabled={!connectionId} />
            <input className="depth" type="number" min={1} max={64} aria-label="Depth" data-testid="tree-depth" value={depth} onChange={(e) => setDepth(Math.max(1, Number(e.target.value) || 1))} />
            <IconButton icon={ChevronsDownUp} label="Collapse all" data-testid="tree-collapse-all" onClick={() => void collapseAll()} disabled={!connectionId} />
          </>
        )}
        <IconButton
          icon={buffer?.paused ? Play : Pause}
          label={buffer?.paused ? 'Resume the tree' : 'Pause the tree'}
          data-testid="tree-pause"
          aria-pressed={buffer?.paused === true}
          onClick={() => void setPaused(!(buffer?.paused === true))}
          disabled={!connectionId}
        />
        {buffer ? (
          <span className="gauge" data-testid="buffer-gauge" data-fill={buffer.fill.toFixed(3)} data-dropped={buffer.dropped} title="Messages held while paused">
            <span className="gauge-bar">
              <span className="gauge-fill" style={{ width: `${Math.round(buffer.fill * 100)}%` }} />
            </span>
            {buffer.paused || buffer.bufferedMessages > 0 ? `${buffer.bufferedMessages} held` : ''}
            {buffer.dropped > 0 ? <span className="dropped" data-testid="buffer-dropped">{` · ${buffer.dropped} dropped`}</span> : null}
          </span>
        ) : null}
        <button
          type="button"
          className="subtle"
          data-testid="subscriptions-toggle"
          aria-expanded={subscriptionsOpen}
          onClick={toggleSubscriptions}
          disabled={!connectionId}
        >
          Subscriptions
        </button>
      </div>
      {subscriptionsOpen && connectionId ? <SubscriptionsPanel connectionId={connectionId} /> : null}
    </div>
  );
}
