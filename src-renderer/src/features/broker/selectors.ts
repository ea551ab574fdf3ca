import type { BrokerLogEntry, BrokerStatsSample, BrokerStatus } from '../../../../shared/ipc/broker';
import type { ErrorData } from '../../../../shared/ipc/errors';
import type { AppState } from '../../store/root-store';
import { rateBetween } from './rates';

/** Messages and bytes per second, in and out. */
export interface BrokerRates {
  readonly in: number;
  readonly out: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
}

export const brokerSelectors = {
  status: (s: AppState): BrokerStatus | null => s.broker.status,
  samples: (s: AppState): readonly BrokerStatsSample[] => s.broker.samples,
  log: (s: AppState): readonly BrokerLogEntry[] => s.broker.log,
  busy: (s: AppState): boolean => s.broker.busy,
  running: (s: AppState): boolean => s.broker.status?.running ?? false,
  /** The dashboard's own failure, else the broker's last one. */
  shownError: (s: AppState): ErrorData | BrokerStatus['error'] => s.broker.error ?? s.broker.status?.error ?? null,
  /** Rates from the last two samples (a new object: memoise on `samples`, don't subscribe with it). */
  rates: (samples: readonly BrokerStatsSample[]): BrokerRates => {
    const [a, b] = samples.slice(-2);
    if (!a || !b || b.at === a.at) return { in: 0, out: 0, bytesIn: 0, bytesOut: 0 };
    return {
      in: rateBetween(a, b, 'messagesReceived'),
      out: rateBetween(a, b, 'messagesSent'),
      bytesIn: rateBetween(a, b, 'bytesReceived'),
      bytesOut: rateBetween(a, b, 'bytesSent'),
    };
  },
};
