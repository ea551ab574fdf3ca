import { describe, expect, it } from 'vitest';
import { waitFor } from '../../test-support/wait-for';
import { Batcher } from './batcher';

describe('Batcher', () => {
  it('hands over many items in one batch after its interval', async () => {
    const batches: number[][] = [];
    const batcher = new Batcher<number>((items) => batches.push(items), 20);
    for (let i = 0; i < 1000; i++) batcher.push(i);
    expect(batches).toHaveLength(0);
    await waitFor(() => batches.length === 1);
    expect(batches[0]).toHaveLength(1000);
    expect(batches[0]?.[999]).toBe(999);
  });

  it('flushes early when a batch is full, keeping order', async () => {
    const batches: number[][] = [];
    const batcher = new Batcher<number>((items) => batches.push(items), 1000, 100);
    for (let i = 0; i < 250; i++) batcher.push(i);
    expect(batches.map((b) => b.length)).toEqual([100, 100]);
    batcher.flush();
    expect(batches.flat()).toEqual(Array.from({ length: 250 }, (_, i) => i));
  });
});
