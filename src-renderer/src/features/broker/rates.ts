import type { BrokerStatsSample } from '../../../../shared/ipc/broker';
import type { SeriesPoint } from '../../../../shared/ipc/explorer';

type Counter = 'messagesReceived' | 'messagesSent' | 'bytesReceived' | 'bytesSent';

/**
 * The rate of a counter between two samples, never negative: when the counter went down the broker restarted
 * (its counters start again at 0), so what it counts now was counted since then, within this interval.
 */
export function rateBetween(a: BrokerStatsSample, b: BrokerStatsSample, key: Counter): number {
  const seconds = (b.at - a.at) / 1000;
  if (seconds <= 0) return 0;
  const delta = b[key] - a[key];
  return (delta >= 0 ? delta : b[key]) / seconds;
}

/** A counter's rate over the samples, one point per interval. */
export function rateSeries(samples: readonly BrokerStatsSample[], key: Counter): SeriesPoint[] {
  const out: SeriesPoint[] = [];
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1]!;
    const b = samples[i]!;
    if (b.at > a.at) out.push({ t: b.at, v: rateBetween(a, b, key) });
  }
  return out;
}

/** How many the counter counted over the samples (the rates times their intervals): a restart loses nothing, adds nothing. */
export function countedOver(samples: readonly BrokerStatsSample[], key: Counter): number {
  let total = 0;
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1]!;
    const b = samples[i]!;
    total += rateBetween(a, b, key) * Math.max(0, (b.at - a.at) / 1000);
  }
  return total;
}
