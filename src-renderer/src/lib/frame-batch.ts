/** The frame clock a batch waits on; tests pass their own. */
export interface FrameClock {
  request(callback: () => void): number;
  cancel(handle: number): void;
}

const animationFrames: FrameClock = {
  request: (callback) => requestAnimationFrame(() => callback()),
  cancel: (handle) => cancelAnimationFrame(handle),
};

/** A flush that runs at most once per animation frame, however often it is asked for. */
export interface FrameBatch {
  /** Asks for a flush on the next frame; more asks before it add nothing. */
  schedule(): void;
  /** Drops a flush that has been asked for and not run yet. */
  cancel(): void;
}

/**
 * Coalesces a stream's updates to one store write per animation frame (GitHub Desktop's store does the same):
 * events only note what arrived, `flush` applies it. A page that is not shown gets no frames, and applies on return.
 */
export function frameBatch(flush: () => void, clock: FrameClock = animationFrames): FrameBatch {
  let handle: number | null = null;
  return {
    schedule() {
      if (handle !== null) return;
      handle = clock.request(() => {
        handle = null;
        flush();
      });
    },
    cancel() {
      if (handle === null) return;
      clock.cancel(handle);
      handle = null;
    },
  };
}
