import { getHeapSpaceStatistics } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { settleYoungGeneration } from './settle-young-generation';

function newSpaceUsed(): number {
  return getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_used_size ?? Number.NaN;
}

describe('settleYoungGeneration', () => {
  it('leaves the young generation nearly empty, keeping what is still referenced', () => {
    // A few megabytes of young objects that live on, as start-up leaves them.
    const kept = Array.from({ length: 40_000 }, (_, i) => ({ topic: `site/line${i % 100}/sensor${i}`, n: i }));
    const before = newSpaceUsed();
    expect(before).toBeGreaterThan(1024 * 1024);
    expect(settleYoungGeneration()).toBe(true);
    expect(newSpaceUsed()).toBeLessThan(before / 4);
    expect(kept[39_999]!.topic).toBe('site/line99/sensor39999');
  });

  it('can be asked for again', () => {
    expect(settleYoungGeneration()).toBe(true);
    expect(settleYoungGeneration()).toBe(true);
  });
});
