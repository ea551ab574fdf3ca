import { describe, expect, it } from 'vitest';
import { niceTicks, tickLabel } from './draw-series';

describe('chart axis', () => {
  it('labels the y axis with round values covering the data', () => {
    expect(niceTicks(0, 937.4)).toEqual([0, 500, 1000]);
    expect(niceTicks(0, 730)).toEqual([0, 200, 400, 600, 800]);
    expect(niceTicks(3.2, 3.9)).toEqual([3.2, 3.4, 3.6, 3.8, 4]);
    expect(tickLabel(1500)).toBe('1.5k');
    expect(tickLabel(0.123456)).toBe('0.123');
  });
});
