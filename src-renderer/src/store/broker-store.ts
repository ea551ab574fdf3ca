import { create } from 'zustand';
import type { BrokerLogEntry, BrokerSettings, BrokerStatsSample, BrokerStatus } from '../../../shared/ipc/broker';
import { TopiaryError, type ErrorData } from '../../../shared/ipc/errors';
import { core } from '../ipc/core-client';

const SAMPLES_KEPT = 120;
const LOG_KEPT = 500;

/** The embedded broker as the dashboard shows it; small, bounded collections only. */
export interface BrokerState {
  readonly status: BrokerStatus | null;
  readonly samples: readonly BrokerStatsSample[];
  readonly log: readonly BrokerLogEntry[];
  readonly busy: boolean;
  readonly error: ErrorData | null;
}

export const useBrokerStore = create<BrokerState>()(() => ({ status: null, samples: [], log: [], busy: false, error: null }));

export const brokerSelectors = {
  running: (s: BrokerState): boolean => s.status?.running ?? false,
  /** Messages per second in and out, from the last two samples (a new object: memoise, don't subscribe with it). */
  rates: (s: Pick<BrokerState, 'samples'>): { readonly in: number; readonly out: number; readonly bytesIn: number; readonly bytesOut: number } => {
    const [a, b] = s.samples.slice(-2);
    if (!a || !b || b.at === a.at) return { in: 0, out: 0, bytesIn: 0, bytesOut: 0 };
    const seconds = (b.at - a.at) / 1000;
    return {
      in: (b.messagesReceived - a.messagesReceived) / seconds,
      out: (b.messagesSent - a.messagesSent) / seconds,
      bytesIn: (b.bytesReceived - a.bytesReceived) / seconds,
      bytesOut: (b.bytesSent - a.bytesSent) / seconds,
    };
  },
};

async function act(work: () => Promise<BrokerStatus>): Promise<void> {
  useBrokerStore.setState({ busy: true, error: null });
  try {
    useBrokerStore.setState({ status: await work(), busy: false });
  } catch (e) {
    useBrokerStore.setState({ busy: false, error: e instanceof TopiaryError ? e.toData() : { code: 'INTERNAL_ERROR', message: String(e) } });
  }
}

/** Runs the quick local TLS action; the sentence says what was made. */
async function quickTls(): Promise<string | null> {
  useBrokerStore.setState({ busy: true, error: null });
  try {
    const result = await core.invoke('broker.quickTls', {});
    useBrokerStore.setState({ status: result.status, busy: false });
    return `TLS is ready: the broker listens on ${result.url} with a new local CA, and the profile "Embedded broker (TLS)" in the Local folder trusts it.`;
  } catch (e) {
    useBrokerStore.setState({ busy: false, error: e instanceof TopiaryError ? e.toData() : { code: 'INTERNAL_ERROR', message: String(e) } });
    return null;
  }
}

export const brokerActions = {
  quickTls,
  start: (): Promise<void> => act(() => core.invoke('broker.start', {})),
  stop: (): Promise<void> => act(() => core.invoke('broker.stop', {})),
  restart: (): Promise<void> => act(() => core.invoke('broker.restart', {})),
  save: (settings: BrokerSettings): Promise<void> => act(() => core.invoke('broker.saveSettings', { settings })),
};

/** Wires the broker's events into the store once, at start-up. */
export function listenToBroker(): void {
  core.on('broker.statusChanged', (status) => useBrokerStore.setState({ status }));
  core.on('broker.statsSampled', (sample) => useBrokerStore.setState((s) => ({ samples: [...s.samples, sample].slice(-SAMPLES_KEPT) })));
  core.on('broker.logged', (entries) => useBrokerStore.setState((s) => ({ log: [...s.log, ...entries].slice(-LOG_KEPT) })));
  void Promise.all([core.invoke('broker.status', {}), core.invoke('broker.stats', {}), core.invoke('broker.log', { limit: LOG_KEPT })]).then(([status, samples, log]) =>
    useBrokerStore.setState({ status, samples: samples.slice(-SAMPLES_KEPT), log }),
  );
}
