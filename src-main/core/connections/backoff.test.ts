import { describe, expect, it } from 'vitest';
import { ReconnectSchema } from '../../../shared/ipc/connections';
import { mayRetry, reconnectDelayMs } from './backoff';

const policy = ReconnectSchema.parse({ initialDelayMs: 100, maxDelayMs: 1_000, multiplier: 2, jitter: 0 });

describe('reconnect back-off', () => {
  it('doubles the delay with each attempt until the cap', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => reconnectDelayMs(policy, n))).toEqual([100, 200, 400, 800, 1_000, 1_000]);
  });

  it('spreads each delay by at most the jitter fraction either way', () => {
    const jittery = { ...policy, jitter: 0.5 };
    expect(reconnectDelayMs(jittery, 2, () => 0)).toBe(100);
    expect(reconnectDelayMs(jittery, 2, () => 1)).toBe(300);
    expect(reconnectDelayMs(jittery, 2, () => 0.5)).toBe(200);
  });

  it('stops retrying after the maximum attempt count, and never when disabled', () => {
    const limited = { ...policy, maxAttempts: 3 };
    expect(mayRetry(limited, 2)).toBe(true);
    expect(mayRetry(limited, 3)).toBe(false);
    expect(mayRetry(policy, 10_000)).toBe(true);
    expect(mayRetry({ ...policy, enabled: false }, 0)).toBe(false);
  });
});
