import { getHeapSpaceStatistics } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { settleYoungGeneration } from './settle-young-generation';

function newSpaceUsed(): number {
  return getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_used_size ?? Number.NaN;
}

describe('settleYoungGeneration', () => {
  it('leaves the young generation nearly empty, keeping what is still referenced', () => {
    // A few megabytes of young objects that live on, as start-up leaves them. A scavenge of V8's own may land in the
    // middle and promote what was made so far (more often with a small young generation), so more is made (after the first
    // 40,000) until the young generation holds over a megabyte.
    const kept: { topic: string; n: number }[] = [];
    for (let i = 0; (i < 40_000 || newSpaceUsed() <= 1024 * 1024) && i < 1_000_000; i += 10_000) {
      for (let j = i; j < i + 10_000; j++) kept.push({ topic: `site/line${j % 100}/sensor${j}`, n: j });
    }
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
