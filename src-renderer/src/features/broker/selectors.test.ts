import { describe, expect, it } from 'vitest';
import type { BrokerStatsSample, BrokerStatus } from '../../../../shared/ipc/broker';
import { initialAppState, type AppState } from '../../store/root-store';
import { brokerSelectors } from './selectors';
import type { BrokerState } from './state';

const sample = (at: number, received: number, sent: number): BrokerStatsSample => ({
  at,
  clientsConnected: 1,
  messagesReceived: received,
  messagesSent: sent,
  bytesReceived: received * 10,
  bytesSent: sent * 10,
  subscriptions: 0,
  retained: 0,
  dropped: 0,
  queueOverflow: 0,
});

function state(broker: Partial<BrokerState>): AppState {
  const base = initialAppState();
  return { ...base, broker: { ...base.broker, ...broker } };
}

const status = (running: boolean, error: BrokerStatus['error'] = null): BrokerStatus => ({ running, startedAt: null, listeners: [], settings: {} as BrokerStatus['settings'], bridges: [], error });

describe('broker selectors', () => {
  it('computes per-second rates from the last two samples only', () => {
    const rates = brokerSelectors.rates([sample(0, 0, 0), sample(1000, 100, 50), sample(3000, 500, 250)]);
    expect(rates).toEqual({ in: 200, out: 100, bytesIn: 2000, bytesOut: 1000 });
  });

  it('gives zero rates with fewer than two samples or two at the same instant', () => {
    const zero = { in: 0, out: 0, bytesIn: 0, bytesOut: 0 };
    expect(brokerSelectors.rates([])).toEqual(zero);
    expect(brokerSelectors.rates([sample(5, 1, 1)])).toEqual(zero);
    expect(brokerSelectors.rates([sample(5, 1, 1), sample(5, 9, 9)])).toEqual(zero);
  });

  it('is running only once the core says so', () => {
    expect(brokerSelectors.running(initialAppState())).toBe(false);
    expect(brokerSelectors.running(state({ status: status(true) }))).toBe(true);
    expect(brokerSelectors.running(state({ status: status(false) }))).toBe(false);
  });

  it('shows the dashboard’s own failure before the broker’s last start failure', () => {
    const startFailure = { code: 'BROKER_ERROR', message: 'port in use' };
    expect(brokerSelectors.shownError(state({ status: status(false, startFailure) }))).toEqual(startFailure);
    expect(brokerSelectors.shownError(state({ status: status(false, startFailure), error: { code: 'INTERNAL_ERROR', message: 'lost' } }))?.message).toBe('lost');
    expect(brokerSelectors.shownError(state({ status: status(true) }))).toBeNull();
  });
});
