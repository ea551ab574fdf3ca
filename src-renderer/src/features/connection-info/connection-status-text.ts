import type { ConnectionInfo } from '../../../../shared/ipc/connections';

/** What a status line says about one connection; `tone` picks its colour. */
export interface StatusText {
  readonly headline: string;
  readonly detail?: string;
}

/** Where a failover connection stands in its list: "broker 2 of 3", or nothing for a single broker. */
export function failoverPosition(info: Pick<ConnectionInfo, 'url' | 'urls'>): string | undefined {
  if (info.urls.length < 2) return undefined;
  const index = info.urls.indexOf(info.url);
  return index < 0 ? undefined : `broker ${index + 1} of ${info.urls.length}`;
}

/** Whole seconds until `at`, never negative; rounds up so a countdown reaches 0 only when time is up. */
export function secondsUntil(at: number, now: number): number {
  return Math.max(0, Math.ceil((at - now) / 1000));
}

/** "attempt 2 of 5, next try in 3 s" (or "attempt 2" without a limit, "trying now" when due). */
export function reconnectText(reconnect: NonNullable<ConnectionInfo['reconnect']>, now: number): string {
  const attempt = reconnect.maxAttempts > 0 ? `attempt ${reconnect.attempt} of ${reconnect.maxAttempts}` : `attempt ${reconnect.attempt}`;
  // No next-attempt time: the attempt is under way.
  const left = reconnect.nextAttemptAt === undefined ? 0 : secondsUntil(reconnect.nextAttemptAt, now);
  return left > 0 ? `${attempt}, next try in ${left} s` : `${attempt}, trying now`;
}

/** The sentence a person reads for a connection's state at `now`. */
export function statusText(info: ConnectionInfo, now: number): StatusText {
  const position = failoverPosition(info);
  const where = position ? `${info.url} (${position})` : info.url;
  switch (info.state) {
    case 'connecting':
      return { headline: 'Connecting', detail: `to ${where}` };
    case 'connected':
      return { headline: 'Connected', detail: `to ${where}` };
    case 'reconnecting':
      return {
        headline: 'Reconnecting',
        detail: [info.reconnect ? reconnectText(info.reconnect, now) : undefined, info.error?.message].filter(Boolean).join(' · ') || undefined,
      };
    case 'disconnected':
      return info.error ? { headline: 'Disconnected', detail: info.error.message } : { headline: 'Disconnected' };
    case 'error':
      return info.error ? { headline: `Error ${info.error.code}`, detail: info.error.message } : { headline: 'Error' };
    default:
      return assertNever(info.state);
  }
}

/** "1 message queued" / "12 messages queued"; nothing when the queue is empty. */
export function queuedText(count: number): string | undefined {
  if (count <= 0) return undefined;
  return `${count} ${count === 1 ? 'message' : 'messages'} queued`;
}

function assertNever(value: never): never {
  throw new Error(`Unexpected state: ${String(value)}`);
}
