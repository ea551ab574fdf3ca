import { Eraser, ListX } from 'lucide-react';
import { memo } from 'react';
import type { ConnectionId } from '../../../../shared/ipc/common';
import { IconButton } from '../../ui/icon-button';
import { useRetainedClear } from './use-retained-clear';

/**
 * Clears the retained message of a topic or of its whole subtree, showing the count before confirming. A memo: the
 * inspector re-renders with every value of its topic, and this changes only with the topic.
 */
export const RetainedClear = memo(function RetainedClear({ connectionId, topic }: { readonly connectionId: ConnectionId; readonly topic: string }): React.JSX.Element {
  const { stage, count, clear, cancel } = useRetainedClear(connectionId);

  return (
    <>
      <IconButton size="sm" icon={Eraser} label="Clear retained" data-testid="clear-retained" onClick={() => count(topic, false)} />
      <IconButton size="sm" icon={ListX} label="Clear retained below" data-testid="clear-retained-subtree" onClick={() => count(topic, true)} />
      {stage.kind === 'confirm' ? (
        <div className="confirm" data-testid="clear-retained-confirm" data-count={stage.preview.count}>
          {stage.preview.count === 0 ? (
            <>Nothing retained {stage.subtree ? 'here or below' : 'on this topic'}.</>
          ) : (
            <>
              Clear {stage.preview.count} retained {stage.preview.count === 1 ? 'message' : 'messages'}
              {stage.subtree ? ` at or below ${topic}` : ''}? ({stage.preview.sample.slice(0, 5).join(', ')}
              {stage.preview.count > 5 ? ', …' : ''})
              <button type="button" className="danger" data-testid="clear-retained-go" onClick={() => clear(topic, stage.subtree)}>
                Clear {stage.preview.count}
              </button>
            </>
          )}
          <button type="button" className="subtle" onClick={cancel}>
            Cancel
          </button>
        </div>
      ) : null}
      {stage.kind === 'working' ? <span className="note">Clearing…</span> : null}
      {stage.kind === 'done' ? (
        <span className="ok" data-testid="clear-retained-done" data-cleared={stage.result.deleted ?? 0}>
          Cleared {stage.result.deleted ?? 0} retained in {stage.result.elapsedMs ?? 0} ms.
        </span>
      ) : null}
      {stage.kind === 'error' ? (
        <span className="error" data-code={stage.error.code}>
          {stage.error.message}
        </span>
      ) : null}
    </>
  );
});
