import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef, useState } from 'react';
import type { ConnectionInfo, PacketDirection, PacketLogEntry } from '../../../../shared/ipc/connections';
import { TopiaryError, type ErrorData } from '../../../../shared/ipc/errors';
import { exportPacketLog } from './actions';
import { PACKET_TYPES, byteSize, packetFlags, packetProperties, packetReasons, packetSubject, packetTime } from './packet-format';
import type { PacketFilter } from './packet-query';
import { packetLogSelectors } from './selectors';
import { usePacketWindow } from './use-packet-window';
import { useStore } from '../../store/root-store';

const ROW_HEIGHT = 22;
const OVERSCAN = 20;

/** The active connection's control packets, live, filterable, virtualised, exportable as JSON lines. */
export function PacketLogPanel({ info }: { readonly info: ConnectionInfo }): React.JSX.Element {
  const [types, setTypes] = useState<readonly string[]>([]);
  const [direction, setDirection] = useState<PacketDirection | null>(null);
  const [text, setText] = useState('');
  const [follow, setFollow] = useState(true);
  const [exportError, setExportError] = useState<ErrorData | null>(null);
  const [selected, setSelected] = useState<PacketLogEntry | null>(null);
  const [range, setRange] = useState({ first: 0, last: 50 });
  const filter: PacketFilter = { types, direction, text };
  const window = usePacketWindow(info.connectionId, filter, range.first, range.last);
  const matched = useStore(packetLogSelectors.matched);
  const total = useStore(packetLogSelectors.total);
  const dropped = useStore(packetLogSelectors.dropped);
  const countText = useStore(packetLogSelectors.countText);
  const scroller = useRef<HTMLDivElement | null>(null);
  const virtualizer = useVirtualizer({ count: matched, getScrollElement: () => scroller.current, estimateSize: () => ROW_HEIGHT, overscan: OVERSCAN });
  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items[items.length - 1]?.index ?? 0;

  useEffect(() => {
    setRange((r) => (r.first === first && r.last === last ? r : { first, last }));
  }, [first, last]);

  useEffect(() => {
    if (follow && matched > 0) virtualizer.scrollToIndex(matched - 1, { align: 'end' });
  }, [follow, matched, virtualizer]);

  const onScroll = (): void => {
    const el = scroller.current;
    if (!el) return;
    const atBottom = el.scrollTop + el.clientHeight >= el.scrollHeight - ROW_HEIGHT * 2;
    if (atBottom !== follow) setFollow(atBottom);
  };

  const toggleType = (type: string): void => setTypes((current) => (current.includes(type) ? current.filter((t) => t !== type) : [...current, type]));

  const exportLog = async (): Promise<void> => {
    setExportError(null);
    try {
      await exportPacketLog(info.connectionId, filter);
    } catch (error) {
      setExportError(error instanceof TopiaryError ? error.toData() : { code: 'INTERNAL_ERROR', message: `The packet log could not be exported: ${String(error)}` });
    }
  };

  const entryAt = (index: number): PacketLogEntry | undefined => window.entries[index - window.offset];

  return (
    <div className="packet-log" data-testid="packet-log">
      <div className="packet-log-toolbar">
        <div className="packet-types" role="group" aria-label="Packet types">
          <button type="button" className="chip" aria-pressed={types.length === 0} data-testid="packet-type-all" onClick={() => setTypes([])}>
            all
          </button>
          {PACKET_TYPES.map((type) => (
            <button key={type} type="button" className="chip" aria-pressed={types.includes(type)} data-testid={`packet-type-${type}`} onClick={() => toggleType(type)}>
              {type}
            </button>
          ))}
        </div>
        <select aria-label="Direction" data-testid="packet-direction" value={direction ?? ''} onChange={(e) => setDirection(e.target.value === '' ? null : (e.target.value as PacketDirection))}>
          <option value="">both directions</option>
          <option value="out">sent</option>
          <option value="in">received</option>
        </select>
        <input type="search" aria-label="Find in packets" placeholder="topic, filter, property…" data-testid="packet-text" value={text} onChange={(e) => setText(e.target.value)} />
        <label className="follow">
          <input type="checkbox" data-testid="packet-follow" checked={follow} onChange={(e) => setFollow(e.target.checked)} /> follow
        </label>
        <button type="button" data-testid="packet-export" disabled={matched === 0} onClick={() => void exportLog()} title="Save the filtered log as JSON lines">
          Export JSON lines
        </button>
        <span className="note" data-testid="packet-count" data-matched={matched} data-total={total}>
          {countText}
          {dropped > 0 ? ` (${dropped} older ones dropped)` : ''}
        </span>
      </div>
      {exportError ? (
        <div className="error" role="alert" data-testid="packet-export-error" data-code={exportError.code}>
          <strong>{exportError.code}</strong> {exportError.message}
        </div>
      ) : null}
      <div className="packet-row packet-head" aria-hidden="true">
        <span>#</span>
        <span>time</span>
        <span>dir</span>
        <span>type</span>
        <span>id</span>
        <span>flags</span>
        <span>topic / filters</span>
        <span>reason</span>
        <span>size</span>
        <span>properties</span>
      </div>
      <div className="packet-list" ref={scroller} onScroll={onScroll} data-testid="packet-list" role="table" aria-rowcount={matched}>
        {matched === 0 ? (
          <div className="note packet-empty">{total === 0 ? 'No packets yet.' : 'No packet matches the filter.'}</div>
        ) : null}
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {items.map((item) => {
            const entry = entryAt(item.index);
            return (
              <div
                key={item.key}
                role="row"
                className={`packet-row ${entry ? `dir-${entry.direction}` : 'loading'}${entry && entry.seq === selected?.seq ? ' selected' : ''}`}
                aria-selected={entry !== undefined && entry.seq === selected?.seq}
                onClick={() => setSelected(entry && entry.seq !== selected?.seq ? entry : null)}
                style={{ position: 'absolute', top: 0, left: 0, right: 0, height: ROW_HEIGHT, transform: `translateY(${item.start}px)` }}
                data-testid={entry ? 'packet-row' : 'packet-row-loading'}
                data-type={entry?.type}
                data-direction={entry?.direction}
                data-seq={entry?.seq}
              >
                {entry ? <PacketCells entry={entry} /> : <span className="note">…</span>}
              </div>
            );
          })}
        </div>
      </div>
      {selected ? (
        <pre className="packet-detail" data-testid="packet-detail" data-seq={selected.seq}>
          {JSON.stringify(selected, null, 2)}
        </pre>
      ) : null}
    </div>
  );
}

function PacketCells({ entry }: { readonly entry: PacketLogEntry }): React.JSX.Element {
  const properties = packetProperties(entry.properties);
  return (
    <>
      <span className="note">{entry.seq}</span>
      <span>{packetTime(entry.time)}</span>
      <span title={entry.direction === 'out' ? 'sent' : 'received'}>{entry.direction === 'out' ? '→ out' : '← in'}</span>
      <span className="packet-type" data-testid="packet-type">
        {entry.type.toUpperCase()}
      </span>
      <span>{entry.packetId ?? ''}</span>
      <span>{packetFlags(entry)}</span>
      <span className="mono" title={packetSubject(entry)}>
        {packetSubject(entry)}
      </span>
      <span>{packetReasons(entry)}</span>
      <span>{byteSize(entry.payloadSize)}</span>
      <span className="mono" title={properties}>
        {properties}
      </span>
    </>
  );
}
