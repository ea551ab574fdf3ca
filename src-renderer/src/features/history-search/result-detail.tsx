import { useEffect, useState } from 'react';
import type { DiffResult } from '../../../../shared/ipc/explorer';
import type { HistoryMessage } from '../../../../shared/ipc/history';
import { formatDateTime } from '../../lib/format';
import { useStore } from '../../store/root-store';
import { Button } from '../../ui/button';
import { PayloadDiff } from '../history/payload-diff';
import { MessageFacts } from '../inspector/message-facts';
import { PayloadView } from '../inspector/payload-view';
import { diffResults, markCompare } from './actions';
import { searchResultById } from './results';
import { historySearchSelectors } from './selectors';

/** The picked result's diff against the one marked "compare with"; the older of the two is the "before". */
function Comparison({ picked, marked }: { readonly picked: HistoryMessage; readonly marked: HistoryMessage }): React.JSX.Element {
  const [diff, setDiff] = useState<DiffResult | null>(null);
  const [error, setError] = useState('');
  const [before, after] = marked.id < picked.id ? [marked, picked] : [picked, marked];
  useEffect(() => {
    let current = true;
    setDiff(null);
    diffResults(before, after).then(
      (d) => {
        if (!current) return;
        setDiff(d);
        setError('');
      },
      (e: unknown) => {
        if (current) setError(e instanceof Error ? e.message : String(e));
      },
    );
    return () => {
      current = false;
    };
  }, [before, after]);
  return (
    <div className="history-compare" data-testid="history-compare" data-before={before.id} data-after={after.id}>
      <p className="note">
        − {before.topic} at {formatDateTime(before.receivedAt)} · + {after.topic} at {formatDateTime(after.receivedAt)}
      </p>
      {diff ? <PayloadDiff diff={diff} testId="history-result-diff" /> : null}
      {error ? <p className="error">{error}</p> : null}
    </div>
  );
}

/** The picked result as the live inspector shows a message: facts, every "Show as" view and decoder, and a diff. */
export function ResultDetail({ message }: { readonly message: HistoryMessage | undefined }): React.JSX.Element {
  const compareId = useStore(historySearchSelectors.compareId);
  useStore(historySearchSelectors.resultsVersion);
  if (!message) return <div className="detail note">Pick a message to see its payload and properties.</div>;
  const marked = compareId === null || compareId === message.id ? undefined : searchResultById(compareId);
  return (
    <div className="detail" data-testid="history-detail" data-id={message.id}>
      <h3 className="mono">{message.topic}</h3>
      <MessageFacts message={{ ...message, size: message.payload.length, n: message.id }} />
      <div className="note">from {message.source}</div>
      <div className="actions">
        {compareId === message.id ? (
          <>
            <span className="note" data-testid="history-compare-hint">
              Marked: pick another result to compare it with this one.
            </span>
            <Button size="sm" variant="quiet" data-testid="history-compare-clear" onClick={() => markCompare(null)}>
              Unmark
            </Button>
          </>
        ) : (
          <>
            <Button size="sm" data-testid="history-compare-mark" onClick={() => markCompare(message.id)}>
              {marked ? 'Compare with this instead' : 'Compare with…'}
            </Button>
            {marked ? (
              <Button size="sm" variant="quiet" data-testid="history-compare-clear" onClick={() => markCompare(null)}>
                Stop comparing
              </Button>
            ) : null}
          </>
        )}
      </div>
      {marked ? <Comparison picked={message} marked={marked} /> : null}
      {/* Keyed by the result: a new pick starts from "auto", as picking a topic does in the live inspector. */}
      <PayloadView key={message.id} topic={message.topic} n={message.id} given={message} />
    </div>
  );
}
