import type { BrokerLogEntry } from '../../../../shared/ipc/broker';
import type { SelectChoice } from '../../ui/select';

export type BrokerLogKind = BrokerLogEntry['type'];

/** Each kind of broker log line, as the filter offers it. */
export const BROKER_LOG_KINDS: readonly SelectChoice<BrokerLogKind>[] = [
  { value: 'client.connected', label: 'Connected' },
  { value: 'client.disconnected', label: 'Disconnected' },
  { value: 'auth.failed', label: 'Sign-in failed' },
  { value: 'protocol.error', label: 'Protocol error' },
  { value: 'message.dropped', label: 'Message dropped' },
];

export interface BrokerLogFilter {
  /** null: every kind. */
  readonly kind: BrokerLogKind | null;
  /** A part of the client id, case-insensitive; '' for every client. */
  readonly client: string;
}

/** The log lines the filter keeps, newest first, at most `limit`. */
export function filterBrokerLog(log: readonly BrokerLogEntry[], filter: BrokerLogFilter, limit = 200): readonly BrokerLogEntry[] {
  const client = filter.client.trim().toLowerCase();
  const kept: BrokerLogEntry[] = [];
  for (let i = log.length - 1; i >= 0 && kept.length < limit; i -= 1) {
    const e = log[i]!;
    if (filter.kind !== null && e.type !== filter.kind) continue;
    if (client !== '' && !(e.clientId ?? '').toLowerCase().includes(client)) continue;
    kept.push(e);
  }
  return kept;
}

/** The client ids seen in the log, sorted, for the client filter's suggestions. */
export function logClients(log: readonly BrokerLogEntry[]): readonly string[] {
  return [...new Set(log.flatMap((e) => (e.clientId ? [e.clientId] : [])))].sort();
}
