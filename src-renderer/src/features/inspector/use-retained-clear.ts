import { useCallback, useEffect, useRef, useState } from 'react';
import type { ConnectionId } from '../../../../shared/ipc/common';
import type { ErrorData } from '../../../../shared/ipc/errors';
import type { RetainedClearResult } from '../../../../shared/ipc/explorer';
import { toErrorData } from '../../lib/error-data';
import { clearRetained } from './actions';

/** Where a clear of retained messages stands: counted first (a dry run), cleared only once the user confirms. */
export type RetainedClearStage =
  | { readonly kind: 'idle' }
  | { readonly kind: 'counting' }
  | { readonly kind: 'confirm'; readonly subtree: boolean; readonly preview: RetainedClearResult }
  | { readonly kind: 'working' }
  | { readonly kind: 'done'; readonly result: RetainedClearResult }
  | { readonly kind: 'error'; readonly error: ErrorData };

export interface RetainedClearFlow {
  readonly stage: RetainedClearStage;
  /** Counts what a clear of the topic (or its subtree) would remove, and asks for confirmation. */
  readonly count: (topic: string, subtree: boolean) => void;
  /** Clears, and says how many went. */
  readonly clear: (topic: string, subtree: boolean) => void;
  readonly cancel: () => void;
}

const IDLE: RetainedClearStage = { kind: 'idle' };

/** The count-confirm-clear flow shared by the inspector's buttons and the tree's menu. */
export function useRetainedClear(connectionId: ConnectionId, initial: RetainedClearStage = IDLE): RetainedClearFlow {
  const [stage, setStage] = useState<RetainedClearStage>(initial);
  // Only the latest request may set the stage: an answer to an older one, or one that comes after unmount, is dropped.
  const latest = useRef(0);
  useEffect(
    () => () => {
      latest.current++;
    },
    [],
  );
  const settle = useCallback((pending: RetainedClearStage | null, work: () => Promise<RetainedClearStage>): void => {
    const ticket = ++latest.current;
    if (pending) setStage(pending);
    work().then(
      (next) => ticket === latest.current && setStage(next),
      (error: unknown) => ticket === latest.current && setStage({ kind: 'error', error: toErrorData(error) }),
    );
  }, []);
  const count = useCallback(
    (topic: string, subtree: boolean) => settle(null, async () => ({ kind: 'confirm', subtree, preview: await clearRetained(connectionId, topic, subtree, true) })),
    [connectionId, settle],
  );
  const clear = useCallback(
    (topic: string, subtree: boolean) => settle({ kind: 'working' }, async () => ({ kind: 'done', result: await clearRetained(connectionId, topic, subtree) })),
    [connectionId, settle],
  );
  const cancel = useCallback(() => {
    latest.current++;
    setStage(IDLE);
  }, []);
  return { stage, count, clear, cancel };
}
