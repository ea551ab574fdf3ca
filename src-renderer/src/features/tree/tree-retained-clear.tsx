import { useEffect } from 'react';
import type { ConnectionId } from '../../../../shared/ipc/common';
import { useRetainedClear } from '../inspector/use-retained-clear';

export interface RetainedClearRequest {
  readonly path: string;
  readonly subtree: boolean;
}

/** Clear retained from the tree's menu: counts first (a dry run), clears on confirmation, says how many went. */
export function TreeRetainedClear({ connectionId, request, onClose }: { connectionId: ConnectionId; request: RetainedClearRequest; onClose: () => void }): React.JSX.Element {
  const { stage, count, clear } = useRetainedClear(connectionId, { kind: 'counting' });
  const { path, subtree } = request;
  useEffect(() => count(path, subtree), [count, path, subtree]);
  const where = subtree ? `at or below ${path}` : `on ${path}`;
  return (
    <div className="confirm tree-confirm" id="tree-clear-retained" tabIndex={-1} role="alertdialog" aria-label="Clear retained" data-testid="tree-clear-retained" data-stage={stage.kind}>
      {stage.kind === 'counting' ? <span>Counting retained messages {where}…</span> : null}
      {stage.kind === 'confirm' ? (
        stage.preview.count === 0 ? (
          <span data-testid="tree-clear-retained-count" data-count={0}>
            Nothing retained {where}.
          </span>
        ) : (
          <>
            <span data-testid="tree-clear-retained-count" data-count={stage.preview.count}>
              Clear {stage.preview.count} retained {stage.preview.count === 1 ? 'message' : 'messages'} {where}?
            </span>
            <button type="button" className="danger" data-testid="tree-clear-retained-go" onClick={() => clear(path, subtree)}>
              Clear {stage.preview.count}
            </button>
          </>
        )
      ) : null}
      {stage.kind === 'working' ? <span>Clearing…</span> : null}
      {stage.kind === 'done' ? (
        <span className="ok" data-testid="tree-clear-retained-done" data-cleared={stage.result.deleted ?? 0}>
          Cleared {stage.result.deleted ?? 0} retained {stage.result.deleted === 1 ? 'message' : 'messages'} {where}.
        </span>
      ) : null}
      {stage.kind === 'error' ? (
        <span className="error" data-code={stage.error.code}>
          {stage.error.message}
        </span>
      ) : null}
      <button type="button" className="subtle" data-testid="tree-clear-retained-close" onClick={onClose}>
        {stage.kind === 'done' || stage.kind === 'error' ? 'Close' : 'Cancel'}
      </button>
    </div>
  );
}
