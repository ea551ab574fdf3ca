import { describe, expect, it } from 'vitest';
import { frameBatch, type FrameClock } from './frame-batch';

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
