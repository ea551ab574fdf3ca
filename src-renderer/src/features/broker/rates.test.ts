import { describe, expect, it } from 'vitest';
import type { BrokerStatsSample } from '../../../../shared/ipc/broker';
import { countedOver, rateSeries } from './rates';

const sample = (at: number, messagesReceived: number): BrokerStatsSample => ({
  at,
  messagesReceived,
  messagesSent: messagesReceived,
  bytesReceived: messagesReceived * 10,
  bytesSent: 0,
  clientsConnected: 1,
  queueOverflow: 0,
  subscriptions: 0,
  retained: 0,
  dropped: 0,
});

describe('rateSeries', () => {
  it('is never negative across a broker restart that reset its counters', () => {
    const samples = [sample(0, 0), sample(1_000, 500), sample(2_000, 1_000), sample(3_000, 40), sample(4_000, 140)];
    const rates = rateSeries(samples, 'messagesReceived').map((p) => p.v);
    expect(rates).toEqual([500, 500, 40, 100]);
    expect(rateSeries(samples, 'bytesReceived').every((p) => p.v >= 0)).toBe(true);
  });

  it('counts over a restart exactly what the broker received: the messages before it and those after', () => {
    const samples = [sample(0, 0), sample(1_000, 500), sample(2_000, 1_000), sample(3_000, 40), sample(4_000, 140)];
    expect(countedOver(samples, 'messagesReceived')).toBe(1_140);
    expect(countedOver(samples.slice(0, 3), 'messagesReceived')).toBe(1_000);
  });
});
