import { afterEach, describe, expect, it, vi } from 'vitest';
import { LongTimer } from './long-timer';

const DAY = 86_400_000;

afterEach(() => {
  vi.useRealTimers();
});

describe('LongTimer', () => {
  it('waits out a delay longer than a Node timer can hold instead of firing at once', () => {
    vi.useFakeTimers();
    let fired = 0;
    // 999,999,999 seconds: the session expiry the client asked for.
    new LongTimer(() => fired++, 999_999_999 * 1000);
    vi.advanceTimersByTime(30 * DAY);
    expect(fired).toBe(0);
    vi.advanceTimersByTime(999_999_999 * 1000);
    expect(fired).toBe(1);
  });

  it('fires once after a short delay and not at all once cancelled', () => {
    vi.useFakeTimers();
    let a = 0;
    let b = 0;
    new LongTimer(() => a++, 1000);
    const cancelled = new LongTimer(() => b++, 1000);
    vi.advanceTimersByTime(999);
    expect(a).toBe(0);
    cancelled.cancel();
    vi.advanceTimersByTime(10 * DAY);
    expect([a, b]).toEqual([1, 0]);
  });
});
