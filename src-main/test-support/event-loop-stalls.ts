import { monitorEventLoopDelay } from 'node:perf_hooks';

/** How late this process's event loop ran while it was watched. */
export interface EventLoopStalls {
  /** The longest wait between two turns of the loop (ms), the watch's 10 ms resolution included. */
  readonly longestMs: () => number;
  readonly stop: () => void;
}

/**
 * Watches the event loop's stalls, so a timing test allows for what a busy machine really did to this process (a
 * timer fires no earlier than its time and at most about one stall late) instead of a fixed margin that a loaded
 * machine overruns or an idle one never needs.
 */
export function watchEventLoopStalls(): EventLoopStalls {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  return { longestMs: () => histogram.max / 1e6, stop: () => histogram.disable() };
}
