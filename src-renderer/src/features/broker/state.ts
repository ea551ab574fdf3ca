import type { BrokerLogEntry, BrokerStatsSample, BrokerStatus } from '../../../../shared/ipc/broker';
import type { ErrorData } from '../../../../shared/ipc/errors';

export const SAMPLES_KEPT = 120;
export const LOG_KEPT = 500;

/** The embedded broker as the dashboard shows it; small, bounded collections only. */
export interface BrokerState {
  readonly status: BrokerStatus | null;
  readonly samples: readonly BrokerStatsSample[];
  readonly log: readonly BrokerLogEntry[];
  readonly busy: boolean;
  readonly error: ErrorData | null;
}

export const initialBrokerState: BrokerState = { status: null, samples: [], log: [], busy: false, error: null };
