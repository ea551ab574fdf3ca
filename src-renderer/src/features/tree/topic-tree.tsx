import { useVirtualizer } from '@tanstack/react-virtual';
import { ChevronDown, ChevronRight, Circle, Folder, FolderOpen } from 'lucide-react';
import { ContextMenu } from 'radix-ui';
import { memo, useCallback, useEffect, useRef, useState, type KeyboardEvent, type MouseEvent } from 'react';
import type { ConnectionId } from '../../../../shared/ipc/common';
import type { TreeRow } from '../../../../shared/ipc/explorer';
import { useStore } from '../../store/root-store';
import { connectionsSelectors } from '../connections/selectors';
import { restoreView, selectTopic, toggle } from '../explorer/actions';
import { explorerSelectors } from '../explorer/selectors';
import { timeAgo } from './time-ago';
import { treeKeyAction } from './topic-menu-logic';
import { TopicMenuContent, type MenuNote } from './topic-menu';
import { TreeRetainedClear, type RetainedClearRequest } from './tree-retained-clear';
import { TreeToolbar } from './tree-toolbar';
import { useTreeRows } from './use-tree-rows';
import './explorer.css';
import { plural } from '../../lib/format';
import { useStableCallback } from '../../lib/use-stable-callback';

const ROW_HEIGHT = 24;
/** A changed row's name flashes for this long (explorer.css's `flash` animation). */
const FLASH_MS = 800;
const OVERSCAN = 10;
const PAGE = 50;

// The rows' icons, made once: the tree re-renders with every rows answer (many a second under a flood), and the same
// element each time lets React skip the icon instead of rebuilding its SVG.
const TWISTY_OPEN = <ChevronDown size={12} />;
const TWISTY_CLOSED = <ChevronRight size={12} />;
const BRANCH_OPEN = <FolderOpen size={13} />;
const BRANCH_CLOSED = <Folder size={13} />;
const LEAF = <Circle size={7} fill="currentColor" />;

/**
 * The live topic tree, virtualised: only the rows on screen exist, whatever the number of topics.
 * The rows live in TreeBody, which re-renders with every rows answer (many a second under a flood); this component
 * holds the row menu (Radix's context menu, a dozen components) and re-renders only when the menu or a note changes.
 */
export function TopicTree(): React.JSX.Element {
  const active = useStore(connectionsSelectors.active);
  const connectionId = active?.connectionId ?? null;
  const scroller = useRef<HTMLDivElement>(null);
  const [menuPath, setMenuPath] = useState<string | null>(null);
  const [note, setNote] = useState<MenuNote | null>(null);
  const [clearing, setClearing] = useState<RetainedClearRequest | null>(null);

  useEffect(() => {
    if (connectionId) void restoreView(connectionId);
  }, [connectionId]);

  // Stable, so the closed menu (a memo) is not rebuilt with every rows answer.
  const onClearRetained = useCallback((path: string, subtree: boolean) => setClearing({ path, subtree }), []);
  const onMenuClosed = useCallback(() => scroller.current?.focus(), []);

  if (!active) return <div className="tree-empty">Connect to a broker to see its topics.</div>;
  return (
    <>
      <TreeToolbar />
      {clearing && connectionId ? <TreeRetainedClear key={`${clearing.path}|${clearing.subtree}`} connectionId={connectionId} request={clearing} onClose={() => setClearing(null)} /> : null}
      {note ? (
        <div className={`tree-note ${note.kind}`} role="status" data-testid="tree-note" data-kind={note.kind}>
          {note.text}
        </div>
      ) : null}
      <ContextMenu.Root
        onOpenChange={(open) => {
          if (open) setNote(null);
        }}
      >
        <ContextMenu.Trigger asChild>
          <TreeBody connectionId={connectionId} scroller={scroller} onMenuPath={setMenuPath} />
        </ContextMenu.Trigger>
        {connectionId ? <TopicMenuContent connectionId={connectionId} path={menuPath} onNote={setNote} onClearRetained={onClearRetained} onClosed={onMenuClosed} /> : null}
      </ContextMenu.Root>
    </>
  );
}

/** What the menu's trigger hands its child (handlers, state attributes, its ref), passed on to the scroller. */
type TriggerProps = Omit<React.HTMLAttributes<HTMLDivElement>, 'onKeyDown'> & { readonly ref?: React.Ref<HTMLDivElement> };

interface TreeBodyProps extends TriggerProps {
  readonly connectionId: ConnectionId | null;
  readonly scroller: React.RefObject<HTMLDivElement | null>;
  readonly onMenuPath: (path: string) => void;
}

/** The scroller and its rows; the row menu's trigger (the parent's Radix Slot) passes its props and ref in. */
function TreeBody({ connectionId, scroller, onMenuPath, ref, onContextMenu: triggerContextMenu, ...trigger }: TreeBodyProps): React.JSX.Element {
  const changed = useStore(explorerSelectors.changed);
  const emptyReason = useStore(connectionsSelectors.emptyTreeReason);
  const selected = useStore(explorerSelectors.selected);
  const viewVersion = useStore(explorerSelectors.viewVersion);
  const [total, setTotal] = useState(0);
  const [now, setNow] = useState(() => Date.now());
  const pendingCursor = useRef<number | null>(null);
  const setRefs = useCallback(
    (el: HTMLDivElement | null) => {
      scroller.current = el;
      if (typeof ref === 'function') ref(el);
      else if (ref) (ref as React.RefObject<HTMLDivElement | null>).current = el;
    },
    [ref, scroller],
  );

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

  // The row's menu from the keyboard: a contextmenu event at the selected row, as a right-click there would send.
  const openMenuAtSelected = (): void => {
    if (selected === null || !scroller.current) return;
    const el = scroller.current.querySelector<HTMLElement>(`[data-testid="tree-row"][data-path="${CSS.escape(selected)}"]`);
    if (!el) return;
    const box = el.getBoundingClientRect();
    el.dispatchEvent(new globalThis.MouseEvent('contextmenu', { bubbles: true, cancelable: true, clientX: box.left + 32, clientY: box.top + box.height / 2 }));
  };

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>): void => {
    const action = treeKeyAction(event.key, event.shiftKey);
    if (action === null) return;
    event.preventDefault();
    const cursor = indexOf(selected);
    const row = cursor === -1 ? undefined : rowAt(cursor);
    switch (action) {
      case 'next':
        moveTo(cursor + 1);
        break;
      case 'previous':
        moveTo(cursor === -1 ? 0 : cursor - 1);
        break;
      case 'first':
        moveTo(0);
        break;
      case 'last':
        moveTo(window.total - 1);
        break;
      case 'expand-or-child':
        if (row?.hasChildren && !row.expanded) void toggle(row.path);
        else if (row?.hasChildren) moveTo(cursor + 1);
        break;
      case 'collapse-or-parent':
        if (row?.hasChildren && row.expanded) void toggle(row.path);
        else if (row && row.path.includes('/')) {
          const parent = row.path.slice(0, row.path.lastIndexOf('/'));
          const at = indexOf(parent);
          if (at !== -1) moveTo(at);
        }
        break;
      case 'toggle':
        if (row?.hasChildren) void toggle(row.path);
        break;
      case 'menu':
        openMenuAtSelected();
        break;
    }
  };

  // Right-click (or the keyboard's menu) on a row selects it and opens its menu; elsewhere in the tree, no menu.
  const onContextMenu = (event: MouseEvent<HTMLDivElement>): void => {
    const rowEl = (event.target as HTMLElement).closest<HTMLElement>('[data-testid="tree-row"]');
    const path = rowEl?.dataset.path;
    if (path === undefined) {
      event.preventDefault();
      return;
    }
    onMenuPath(path);
    if (path !== selected) selectTopic(path);
    triggerContextMenu?.(event);
  };

  // Clicking a row selects it; clicking the selected row's name again opens or closes it. Stable, so rows that did not
  // change skip their render.
  const onRowClick = useStableCallback((event: MouseEvent<HTMLDivElement>, row: TreeRow): void => {
    const again = row.path === selected && (event.target as HTMLElement).closest('.name') !== null;
    selectTopic(row.path);
    if (again && row.hasChildren) void toggle(row.path);
    scroller.current?.focus();
  });

  const cursorIndex = indexOf(selected);
  // The newest of the last rows answer and the clock's tick: what "ago" and "still lit" are measured against.
  const lookedAt = Math.max(now, window.fetchedAt);
  return (
    <>
      {total === 0 && emptyReason ? (
        <div className="tree-empty" role="status" data-testid="tree-empty-reason">
          {emptyReason}
        </div>
      ) : null}
      <div
        {...trigger}
        className="tree"
        ref={setRefs}
        data-testid="topic-tree"
        data-total={window.total}
        tabIndex={0}
        role="tree"
        aria-label="Topics"
        aria-activedescendant={cursorIndex === -1 ? undefined : `topic-row-${cursorIndex}`}
        onKeyDown={onKeyDown}
        onContextMenu={onContextMenu}
      >
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {items.map((item) => {
            const row = rowAt(item.index);
            if (!row) return null;
            const flashing = window.shownSince > 0 && row.changedAt > window.shownSince && lookedAt - row.changedAt < FLASH_MS;
            return <TreeRowView key={row.path} row={row} index={item.index} top={item.start} selected={row.path === selected} flashing={flashing} ago={timeAgo(row.changedAt, lookedAt)} onClick={onRowClick} />;
          })}
        </div>
      </div>
    </>
  );
}

export { useTreeRows as useTreeRowsFor } from './use-tree-rows';

interface TreeRowViewProps {
  readonly row: TreeRow;
  readonly index: number;
  /** The row's offset in the scroller (px). */
  readonly top: number;
  readonly selected: boolean;
  /** The row changed less than a flash ago (and after the tree was first shown). */
  readonly flashing: boolean;
  readonly ago: string;
  readonly onClick: (event: MouseEvent<HTMLDivElement>, row: TreeRow) => void;
}

/** Whether two answers for a row show the same thing (each rows answer brings new objects, most of them unchanged). */
function sameRow(a: TreeRow, b: TreeRow): boolean {
  return (
    a.path === b.path &&
    a.name === b.name &&
    a.depth === b.depth &&
    a.hasChildren === b.hasChildren &&
    a.expanded === b.expanded &&
    a.messageCount === b.messageCount &&
    a.subtopicCount === b.subtopicCount &&
    a.retained === b.retained &&
    a.changedAt === b.changedAt &&
    a.preview === b.preview
  );
}

/**
 * One row. Memoised on what it shows: under a flood the rows answer comes every frame, and most rows on screen (the
 * leaves, a few messages a second each) have not changed since the last one.
 *
 * The name flashes (a fading colour, keyed by the change so that each change starts it again) when the row changes
 * after a quiet spell. A row that changes again within a flash stays lit with a steady colour until it goes quiet:
 * under a flood every row on screen changes several times a second, and restarting the animation on each change
 * rebuilt every changed row's name and repainted every busy row on every frame, a quarter of the page's main thread,
 * for what the eye sees as a steady colour anyway.
 */
const TreeRowView = memo(
  function TreeRowView({ row, index, top, selected, flashing, ago, onClick }: TreeRowViewProps): React.JSX.Element {
    const kind = row.hasChildren ? 'branch' : 'leaf';
    // The previous change, kept as React's "state from the previous render": whether this one came within a flash of it.
    const [change, setChange] = useState({ at: row.changedAt, busy: false });
    if (change.at !== row.changedAt) setChange({ at: row.changedAt, busy: row.changedAt - change.at < FLASH_MS });
    const lit = flashing && change.busy;
    return (
      <div
        id={`topic-row-${index}`}
        className={`tree-row ${kind}${selected ? ' selected' : ''}`}
        data-testid="tree-row"
        data-path={row.path}
        data-kind={kind}
        role="treeitem"
        aria-level={row.depth + 1}
        aria-expanded={row.hasChildren ? row.expanded : undefined}
        aria-selected={selected}
        style={{ position: 'absolute', top: 0, left: 0, right: 0, height: ROW_HEIGHT, transform: `translateY(${top}px)`, paddingLeft: 8 + row.depth * 14 }}
        onClick={(e) => onClick(e, row)}
      >
        <span
          className="twisty"
          data-testid="tree-toggle"
          aria-hidden="true"
          onClick={(e) => {
            e.stopPropagation();
            if (row.hasChildren) void toggle(row.path);
          }}
        >
          {row.hasChildren ? (row.expanded ? TWISTY_OPEN : TWISTY_CLOSED) : null}
        </span>
        <span className="kind-icon" aria-hidden="true">
          {row.hasChildren ? (row.expanded ? BRANCH_OPEN : BRANCH_CLOSED) : LEAF}
        </span>
        <span key={flashing && !lit ? row.changedAt : 'still'} className={`name${lit ? ' lit' : flashing ? ' flash' : ''}`}>
          {row.name === '' ? '∅' : row.name}
        </span>
        {row.retained ? (
          <span className="retained" title="retained">
            R
          </span>
        ) : null}
        {row.preview ? <span className="preview"> = {row.preview}</span> : null}
        <span className="counts" data-testid="row-counts" data-messages={row.messageCount} data-topics={row.subtopicCount}>
          {row.subtopicCount > 0 ? `${plural(row.subtopicCount, 'topic')}, ` : ''}
          {plural(row.messageCount, 'message')}
        </span>
        <span className="ago" data-testid="row-ago" title="since the last message here">
          {ago}
        </span>
      </div>
    );
  },
  (a, b) => sameRow(a.row, b.row) && a.index === b.index && a.top === b.top && a.selected === b.selected && a.flashing === b.flashing && a.ago === b.ago && a.onClick === b.onClick,
);
