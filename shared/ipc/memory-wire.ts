import { Listeners, type Frame, type Wire } from './wire';

// Declared here because shared/ compiles without DOM or Node typings; both runtimes have it.
declare const structuredClone: <T>(value: T) => T;

/**
 * Two connected in-memory wires, for tests: frames are structured-cloned (as Electron IPC does)
 * and delivered asynchronously, so nothing relies on shared references or synchronous delivery.
 */
export function createMemoryWirePair(): readonly [Wire, Wire] {
  const frames = [new Listeners<Frame>(), new Listeners<Frame>()] as const;
  const closes = [new Listeners<void>(), new Listeners<void>()] as const;
  let closed = false;

  const close = (): void => {
    if (closed) return;
    closed = true;
    void Promise.resolve().then(() => {
      closes[0].emit();
      closes[1].emit();
    });
  };

  const end = (self: 0 | 1): Wire => {
    const peer = self === 0 ? 1 : 0;
    return {
      send(frame) {
        if (closed) return;
        const copy = structuredClone(frame);
        void Promise.resolve().then(() => frames[peer].emit(copy));
      },
      onFrame: (listener) => frames[self].add(listener),
      onClose: (listener) => closes[self].add(listener),
      close,
    };
  };
  return [end(0), end(1)];
}
