import { FileDown, RotateCw, Send, Trash2 } from 'lucide-react';
import { memo, useCallback, useEffect, useState } from 'react';
import type { ComposedMessage, HistoryEntry, SavedMessage } from '../../../../shared/ipc/publish';
import { IconButton } from '../../ui/icon-button';
import { deleteSavedMessage, fetchSavedAndHistory, saveMessage } from './actions';
import { formatBytes, formatTime, useTimeFormat } from '../../lib/format';

export interface SavedAndHistoryProps {
  /** 'global' or the active connection's scope. */
  readonly scope: string;
  /** Bumped after each send so the history reloads. */
  readonly version: number;
  readonly onLoad: (message: ComposedMessage) => void;
  readonly onResend: (message: ComposedMessage) => void;
  readonly current: () => ComposedMessage | null;
}

/** Saved messages (this connection's and global ones) and the send history, each one click from re-sending. */
export const SavedAndHistory = memo(function SavedAndHistory({ scope, version, onLoad, onResend, current }: SavedAndHistoryProps): React.JSX.Element {
  const [saved, setSaved] = useState<readonly SavedMessage[]>([]);
  useTimeFormat();
  const [history, setHistory] = useState<readonly HistoryEntry[]>([]);
  const [name, setName] = useState('');
  const [global, setGlobal] = useState(false);

  const reload = useCallback(async () => {
    const found = await fetchSavedAndHistory(scope);
    setSaved(found.saved);
    setHistory(found.history);
  }, [scope]);

  useEffect(() => {
    void reload().catch(() => undefined);
  }, [reload, version]);

  const save = async (): Promise<void> => {
    const message = current();
    if (!message || name.trim() === '') return;
    await saveMessage(name.trim(), global ? 'global' : scope, message);
    setName('');
    await reload();
  };

  return (
    <div className="saved-history">
      <details data-testid="saved-messages">
        <summary>Saved ({saved.length})</summary>
        <div className="publish-row">
          <input aria-label="Name for the saved message" data-testid="save-name" placeholder="name" value={name} onChange={(e) => setName(e.target.value)} />
          <label>
            <input type="checkbox" checked={global} onChange={(e) => setGlobal(e.target.checked)} /> for every connection
          </label>
          <button type="button" className="primary" data-testid="save-button" disabled={name.trim() === ''} onClick={() => void save()}>
            Save
          </button>
        </div>
        <ul>
          {saved.map((s) => (
            <li key={s.id} data-testid="saved-item">
              <span className="saved-name">{s.name}</span> <span className="muted">{s.message.topic}</span>{' '}
              <span className="item-actions">
                <IconButton size="sm" icon={FileDown} label={`Load ${s.name} into the composer`} onClick={() => onLoad(s.message)} />
                <IconButton size="sm" icon={Send} label={`Send ${s.name}`} data-testid="saved-send" onClick={() => onResend(s.message)} />
                <IconButton size="sm" icon={Trash2} variant="danger" label={`Delete ${s.name}`} onClick={() => void deleteSavedMessage(s.id).then(reload)} />
              </span>
            </li>
          ))}
        </ul>
      </details>
      <details data-testid="publish-history">
        <summary>History ({history.length})</summary>
        <ul>
          {history.map((h) => (
            <li key={h.id} data-testid="history-item" className={h.error ? 'failed' : undefined}>
              <span className="muted">{formatTime(h.at)}</span> {h.topic} <span className="muted">{formatBytes(h.bytes)}</span>{' '}
              {h.error ? <span className="error">{h.error}</span> : <span className="muted">{h.ack}</span>}{' '}
              <span className="item-actions">
                <IconButton size="sm" icon={FileDown} label={`Load the message to ${h.topic} into the composer`} onClick={() => onLoad(h.message)} />
                <IconButton size="sm" icon={RotateCw} label={`Send the message to ${h.topic} again`} data-testid="history-resend" onClick={() => onResend(h.message)} />
              </span>
            </li>
          ))}
        </ul>
      </details>
    </div>
  );
});
