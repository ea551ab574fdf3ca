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

describe('Batcher, leading', () => {
  it("sends a quiet stream's first item as soon as the I/O in hand is done, and holds what follows for the interval", async () => {
    const batches: number[][] = [];
    const batcher = new Batcher<number>((items) => batches.push(items), 60_000, 5_000, { leading: true });
    batcher.push(1);
    batcher.push(2);
    expect(batches).toHaveLength(0);
    // One turn of the event loop, not the minute-long interval: both items arrived in the same turn, so one batch.
    await new Promise((resolve) => setImmediate(resolve));
    expect(batches).toEqual([[1, 2]]);
    // Within the interval: held.
    batcher.push(3);
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(batches).toEqual([[1, 2]]);
    batcher.flush();
    expect(batches).toEqual([[1, 2], [3]]);
    batcher.dispose();
  });

  it('sends at once again once the interval has passed since the last batch', async () => {
    const batches: number[][] = [];
    const batcher = new Batcher<number>((items) => batches.push(items), 20, 5_000, { leading: true });
    batcher.push(1);
    await waitFor(() => batches.length === 1);
    const sent = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 25));
    batcher.push(2);
    await new Promise((resolve) => setImmediate(resolve));
    expect(batches).toEqual([[1], [2]]);
    expect(performance.now() - sent).toBeGreaterThanOrEqual(20);
    batcher.dispose();
  });
});
