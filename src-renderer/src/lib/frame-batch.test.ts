import { describe, expect, it } from 'vitest';
import { FrameTicker, frameBatch, type FrameClock } from './frame-batch';

/** A frame clock the test advances by hand. */
function manualClock(): FrameClock & { tick(): void; readonly waiting: number } {
  const callbacks = new Map<number, () => void>();
  let next = 1;
  return {
    request(callback) {
      callbacks.set(next, callback);
      return next++;
    },
    cancel(handle) {
      callbacks.delete(handle);
    },
    tick() {
      const due = [...callbacks.values()];
      callbacks.clear();
      for (const callback of due) callback();
    },
    get waiting() {
      return callbacks.size;
    },
  };
}

describe('frameBatch', () => {
  it('runs the flush once per frame however many times it was scheduled', () => {
    const clock = manualClock();
    let flushes = 0;
    const batch = frameBatch(() => flushes++, clock);
    for (let i = 0; i < 1000; i++) batch.schedule();
    expect(flushes).toBe(0);
    expect(clock.waiting).toBe(1);
    clock.tick();
    expect(flushes).toBe(1);
    clock.tick();
    expect(flushes).toBe(1);
  });

  it('asks for a new frame once the previous flush has run', () => {
    const clock = manualClock();
    let flushes = 0;
    const batch = frameBatch(() => flushes++, clock);
    batch.schedule();
    clock.tick();
    batch.schedule();
    clock.tick();
    expect(flushes).toBe(2);
  });

  it('drops a scheduled flush when cancelled', () => {
    const clock = manualClock();
    let flushes = 0;
    const batch = frameBatch(() => flushes++, clock);
    batch.schedule();
    batch.cancel();
    clock.tick();
    expect(flushes).toBe(0);
    batch.schedule();
    clock.tick();
    expect(flushes).toBe(1);
  });
});

describe('FrameTicker', () => {
  it('applies every stream that arrived since the last frame in one frame callback, in the order they arrived', () => {
    const clock = manualClock();
    const ticker = new FrameTicker(clock);
    const applied: string[] = [];
    ticker.schedule(() => applied.push('tree'));
    ticker.schedule(() => applied.push('inspector'));
    ticker.schedule(() => applied.push('packets'));
    expect(clock.waiting).toBe(1);
    clock.tick();
    expect(applied).toEqual(['tree', 'inspector', 'packets']);
    expect(clock.waiting).toBe(0);
  });

  it('runs pulls on the frame clock no more often than their spacing, before the frame’s flushes, until stopped', () => {
    const clock = manualClock();
    let now = 0;
    const ticker = new FrameTicker(clock, () => now);
    const order: string[] = [];
    const stop = ticker.every(300, () => order.push(`pull@${now}`));
    ticker.schedule(() => order.push('flush'));
    clock.tick();
    for (now = 16; now <= 640; now += 16) clock.tick();
    expect(order).toEqual(['pull@0', 'flush', 'pull@304', 'pull@608']);
    stop();
    now += 1_000;
    clock.tick();
    expect(clock.waiting).toBe(0);
    expect(order).toHaveLength(4);
  });
});
