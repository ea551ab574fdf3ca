/** The frame clock the page's streams wait on; tests pass their own. */
export interface FrameClock {
  request(callback: () => void): number;
  cancel(handle: number): void;
}

const animationFrames: FrameClock = {
  request: (callback) => requestAnimationFrame(() => callback()),
  cancel: (handle) => cancelAnimationFrame(handle),
};

/**
 * One clock for every stream the page shows (tree changes, the inspected message, the packet log, charts, rates):
 * each animation frame first starts the pulls that are due, then applies every batch that arrived since the last
 * frame, in one callback. A page that is not shown gets no frames, and catches up on return.
 */
export class FrameTicker {
  private handle: number | null = null;
  private readonly due = new Set<() => void>();
  private readonly pulls = new Set<{ readonly spacingMs: number; readonly pull: () => void; last: number }>();

  constructor(
    private readonly clock: FrameClock = animationFrames,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Runs `flush` on the next frame; asking again before it runs adds nothing. */
  schedule(flush: () => void): void {
    this.due.add(flush);
    this.request();
  }

  /** Drops a flush asked for and not run yet. */
  unschedule(flush: () => void): void {
    this.due.delete(flush);
    if (this.due.size === 0 && this.pulls.size === 0 && this.handle !== null) {
      this.clock.cancel(this.handle);
      this.handle = null;
    }
  }

  /**
   * Runs `pull` on the frame clock, at most once per `spacingMs` (the first on the next frame): for what the page
   * asks the core for rather than hears about. Returns the stop.
   */
  every(spacingMs: number, pull: () => void): () => void {
    const entry = { spacingMs, pull, last: Number.NEGATIVE_INFINITY };
    this.pulls.add(entry);
    this.request();
    return () => {
      this.pulls.delete(entry);
      this.unschedule(() => undefined);
    };
  }

  private request(): void {
    if (this.handle !== null) return;
    this.handle = this.clock.request(() => this.tick());
  }

  private tick(): void {
    this.handle = null;
    const now = this.now();
    for (const p of this.pulls) {
      if (now - p.last < p.spacingMs) continue;
      p.last = now;
      p.pull();
    }
    const flushes = [...this.due];
    this.due.clear();
    for (const flush of flushes) flush();
    if (this.pulls.size > 0) this.request();
  }
}

/** The page's one frame clock. */
export const frameTicker = new FrameTicker();

/** A flush that runs at most once per animation frame, however often it is asked for. */
export interface FrameBatch {
  /** Asks for a flush on the next frame; more asks before it add nothing. */
  schedule(): void;
  /** Drops a flush that has been asked for and not run yet. */
  cancel(): void;
}

/**
 * Coalesces a stream's updates to one store write per animation frame, on the page's one frame clock (GitHub
 * Desktop's store does the same): events only note what arrived, `flush` applies it.
 */
export function frameBatch(flush: () => void, clock?: FrameClock): FrameBatch {
  const ticker = clock ? new FrameTicker(clock) : frameTicker;
  const run = (): void => flush();
  return {
    schedule: () => ticker.schedule(run),
    cancel: () => ticker.unschedule(run),
  };
}
