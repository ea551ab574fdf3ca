import { describe, expect, it } from 'vitest';
import { niceTicks, tickLabel, timeTicks } from './draw-series';

describe('chart axis', () => {
  it('labels the y axis with round values covering the data', () => {
    expect(niceTicks(0, 937.4)).toEqual([0, 500, 1000]);
    expect(niceTicks(0, 730)).toEqual([0, 200, 400, 600, 800]);
    expect(niceTicks(3.2, 3.9)).toEqual([3.2, 3.4, 3.6, 3.8, 4]);
    expect(tickLabel(1500)).toBe('1.5k');
    expect(tickLabel(0.123456)).toBe('0.123');
  });
});

describe('chart time axis', () => {
  it('puts ticks on round seconds and minutes inside the span', () => {
    const t0 = Date.UTC(2026, 0, 1, 10, 0, 3, 400);
    const minute = timeTicks(Date.UTC(2026, 0, 1, 10, 0, 10), Date.UTC(2026, 0, 1, 10, 4, 50), 5);
    expect(minute.every((t) => t % 60_000 === 0)).toBe(true);
    expect(minute.length).toBeGreaterThanOrEqual(4);
    const seconds = timeTicks(t0, t0 + 9_000, 4);
    expect(seconds.every((t) => t % 1000 === 0 && t >= t0 && t <= t0 + 9_000)).toBe(true);
    expect(seconds.length).toBeLessThanOrEqual(5);
  });
});
