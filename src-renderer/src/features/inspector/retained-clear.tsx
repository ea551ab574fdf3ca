import { Eraser, ListX } from 'lucide-react';
import { useState } from 'react';
import type { ConnectionId } from '../../../../shared/ipc/common';
import type { ErrorData } from '../../../../shared/ipc/errors';
import type { RetainedClearResult } from '../../../../shared/ipc/explorer';
import { IconButton } from '../../ui/icon-button';
import { clearRetained } from './actions';
import { toErrorData as errorData } from '../../lib/error-data';

type Stage =
  | { readonly kind: 'idle' }
  | { readonly kind: 'confirm'; readonly subtree: boolean; readonly preview: RetainedClearResult }
  | { readonly kind: 'working' }
  | { readonly kind: 'done'; readonly result: RetainedClearResult }
  | { readonly kind: 'error'; readonly error: ErrorData };

/** Clears the retained message of a topic or of its whole subtree, showing the count before confirming. */
export function RetainedClear({ connectionId, topic }: { readonly connectionId: ConnectionId; readonly topic: string }): React.JSX.Element {
  const [stage, setStage] = useState<Stage>({ kind: 'idle' });

  const ask = async (subtree: boolean): Promise<void> => {
    try {
      const preview = await clearRetained(connectionId, topic, subtree, true);
      setStage({ kind: 'confirm', subtree, preview });
    } catch (e) {
      setStage({ kind: 'error', error: errorData(e) });
    }
  };
  const run = async (subtree: boolean): Promise<void> => {
    setStage({ kind: 'working' });
    try {
      setStage({ kind: 'done', result: await clearRetained(connectionId, topic, subtree) });
    } catch (e) {
      setStage({ kind: 'error', error: errorData(e) });
    }
  };

  return (
    <>
      <IconButton size="sm" icon={Eraser} label="Clear retained" data-testid="clear-retained" onClick={() => void ask(false)} />
      <IconButton size="sm" icon={ListX} label="Clear retained below" data-testid="clear-retained-subtree" onClick={() => void ask(true)} />
      {stage.kind === 'confirm' ? (
        <div className="confirm" data-testid="clear-retained-confirm" data-count={stage.preview.count}>
          {stage.preview.count === 0 ? (
            <>Nothing retained {stage.subtree ? 'here or below' : 'on this topic'}.</>
          ) : (
            <>
              Clear {stage.preview.count} retained {stage.preview.count === 1 ? 'message' : 'messages'}
              {stage.subtree ? ` at or below ${topic}` : ''}? ({stage.preview.sample.slice(0, 5).join(', ')}
              {stage.preview.count > 5 ? ', …' : ''})
              <button type="button" className="danger" data-testid="clear-retained-go" onClick={() => void run(stage.subtree)}>
                Clear {stage.preview.count}
              </button>
            </>
          )}
          <button type="button" className="subtle" onClick={() => setStage({ kind: 'idle' })}>
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
}
