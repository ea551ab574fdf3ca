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

/** One awaited call under watch; see DeadlineSweeper. */
export interface Watch {
  readonly at: number;
  readonly timeoutMs: number;
  readonly what: string;
  readonly fail: (error: TopiaryError) => void;
  readonly signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/**
 * Time limits for calls made by the ten thousand a second (publishes): one sweep every 50 ms over the calls
 * still waiting instead of a timer each, so a limit costs a Set insert and delete. A limit fires up to
 * 50 ms late, which no caller of a multi-second limit notices.
 */
export class DeadlineSweeper {
  private readonly pending = new Set<Watch>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly defaultTimeoutMs: number) {}

  /** Watches a call; undefined when there is nothing to watch. Throws ABORTED if the signal already fired. */
  watch(limits: CallLimits, what: string, fail: (error: TopiaryError) => void): Watch | undefined {
    const { signal } = limits;
    if (signal?.aborted) throw aborted(what, signal);
    const timeoutMs = limits.timeoutMs ?? this.defaultTimeoutMs;
    if (timeoutMs <= 0 && !signal) return undefined;
    const w: Watch = { at: timeoutMs > 0 ? performance.now() + timeoutMs : Infinity, timeoutMs, what, fail, signal, onAbort: undefined };
    if (signal) {
      w.onAbort = () => {
        this.done(w);
        fail(aborted(what, signal));
      };
      signal.addEventListener('abort', w.onAbort, { once: true });
    }
    if (timeoutMs > 0) {
      this.pending.add(w);
      this.timer ??= setInterval(() => this.sweep(), 50).unref();
    }
    return w;
  }

  done(w: Watch | undefined): void {
    if (!w) return;
    this.pending.delete(w);
    if (w.onAbort) w.signal?.removeEventListener('abort', w.onAbort);
    if (this.pending.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private sweep(): void {
    const now = performance.now();
    for (const w of this.pending) {
      if (w.at > now) continue;
      this.done(w);
      w.fail(new TopiaryError('TIMEOUT', `${w.what} got no answer within ${w.timeoutMs} ms.`, { timeoutMs: w.timeoutMs }));
    }
  }
}
