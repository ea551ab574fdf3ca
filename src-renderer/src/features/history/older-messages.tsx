import { useEffect, useState } from 'react';
import type { ConnectionId } from '../../../../shared/ipc/common';
import type { HistoryMessage } from '../../../../shared/ipc/history';
import { useStore } from '../../store/root-store';
import { fetchOlderMessages } from '../history-search/actions';
import { historySearchSelectors } from '../history-search/selectors';
import { MessagePropertiesList } from '../inspector/message-facts';
import { formatDateTime, useTimeFormat } from '../../lib/format';

const decoder = new TextDecoder('utf-8', { fatal: false });

const clock = (t: number): string => formatDateTime(t);

/**
 * The topic's messages from the history store that are older than what the explorer keeps in memory, a page at a
 * time, newest first. Only this connection's recording is searched.
 */
export function OlderMessages({ connectionId, topic, before }: { readonly connectionId: ConnectionId; readonly topic: string; readonly before: number }): React.JSX.Element {
  const recording = useStore(historySearchSelectors.recordingOf(connectionId));
  useTimeFormat();
  const [messages, setMessages] = useState<readonly HistoryMessage[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loaded, setLoaded] = useState(false);
  const [open, setOpen] = useState<number | null>(null);
  const [error, setError] = useState('');

  useEffect(() => {
    setMessages([]);
    setCursor(null);
    setLoaded(false);
    setOpen(null);
    setError('');
  }, [connectionId, topic]);

  if (!recording) return <p className="note" data-testid="older-messages-off">Older messages: this connection is not recorded (turn recording on under History).</p>;

  const load = (): void => {
    fetchOlderMessages(recording.sourceKey, topic, before, cursor ?? undefined).then(
      (page) => {
        setMessages((m) => [...m, ...page.messages]);
        setCursor(page.nextCursor);
        setLoaded(true);
        setError('');
      },
      (e: unknown) => setError(e instanceof Error ? e.message : String(e)),
    );
  };

  return (
    <div className="older-messages" data-testid="older-messages" data-count={messages.length}>
      <div className="actions">
        <span className="note">Older messages from the store</span>
        {!loaded || cursor !== null ? (
          <button type="button" className="subtle" data-testid="older-messages-load" onClick={load}>
            {loaded ? 'More' : 'Show older messages'}
          </button>
        ) : (
          <span className="note">{messages.length === 0 ? 'none stored' : 'that is all'}</span>
        )}
      </div>
      {error ? <p className="error">{error}</p> : null}
      <ul className="older-list">
        {messages.map((m) => (
          <li key={m.id} data-testid="older-message" data-id={m.id}>
            <button type="button" className="subtle" onClick={() => setOpen(open === m.id ? null : m.id)}>
              {clock(m.receivedAt)} · QoS {m.qos}
              {m.retain ? ' · R' : ''} · {m.payload.length} B · <span className="mono">{decoder.decode(m.payload.subarray(0, 80))}</span>
            </button>
            {open === m.id ? (
              <div className="older-detail">
                <pre className="mono">{decoder.decode(m.payload.subarray(0, 64 * 1024))}</pre>
                {m.properties ? <MessagePropertiesList properties={m.properties} /> : null}
              </div>
            ) : null}
          </li>
        ))}
      </ul>
    </div>
  );
}
