import { TopiaryError } from '../../shared/ipc/errors';

/** How long an awaited call may take and how to cancel it; every awaited library call takes these. */
export interface CallLimits {
  /** Milliseconds before the call fails with TIMEOUT; 0 waits without a time limit (the signal still cancels). */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

/**
 * Settles with `work` unless the time runs out or the signal aborts first; `cancel` then takes back
 * whatever can still be taken back (a queued message). One timer per call: Node keeps equal timeouts in
 * one list, so this stays cheap at tens of thousands of calls a second.
 */
export function withLimits<T>(work: Promise<T>, what: string, limits: CallLimits, defaultTimeoutMs: number, cancel?: () => void): Promise<T> {
  const timeoutMs = limits.timeoutMs ?? defaultTimeoutMs;
  const { signal } = limits;
  if (signal?.aborted) {
    cancel?.();
    work.catch(() => undefined);
    return Promise.reject(aborted(what, signal));
  }
  if (timeoutMs <= 0 && !signal) return work;
  return new Promise<T>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const onAbort = (): void => {
      finish();
      cancel?.();
      reject(aborted(what, signal as AbortSignal));
    };
    const finish = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    if (timeoutMs > 0) {
      timer = setTimeout(() => {
        finish();
        cancel?.();
        reject(new TopiaryError('TIMEOUT', `${what} got no answer within ${timeoutMs} ms.`, { timeoutMs }));
      }, timeoutMs);
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        finish();
        resolve(value);
      },
      (error: unknown) => {
        finish();
        reject(error);
      },
    );
  });
}

function aborted(what: string, signal: AbortSignal): TopiaryError {
  const reason = signal.reason instanceof Error ? signal.reason.message : signal.reason === undefined ? undefined : String(signal.reason);
  return new TopiaryError('ABORTED', `${what} was cancelled${reason ? `: ${reason}` : ''}.`);
}
