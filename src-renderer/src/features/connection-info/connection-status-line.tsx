import type { ConnectionInfo } from '../../../../shared/ipc/connections';
import { queuedText, statusText } from './connection-status-text';
import { useNow } from './use-now';

/** The state of one connection in words: where it is connected, the reconnect countdown, the reason it stopped, queued messages. */
export function ConnectionStatusLine({ info, testId = 'connection-status-detail' }: { readonly info: ConnectionInfo; readonly testId?: string }): React.JSX.Element {
  const now = useNow(info.state === 'reconnecting' && info.reconnect !== undefined);
  const text = statusText(info, now);
  const queued = queuedText(info.queuedCount);
  return (
    <span className={`status-line status-line-${info.state}`} data-testid={testId} data-state={info.state}>
      <span className="status-line-detail" title={text.detail}>
        {info.state === 'reconnecting' && info.reconnect ? (
          <span data-testid="connection-reconnect" data-attempt={info.reconnect.attempt} data-max-attempts={info.reconnect.maxAttempts}>
            {text.detail}
          </span>
        ) : (
          text.detail
        )}
      </span>
      {queued ? (
        <span className="status-line-queued" data-testid="connection-queued" data-count={info.queuedCount} title="Published while offline; sent when the connection is back">
          {queued}
        </span>
      ) : null}
    </span>
  );
}
