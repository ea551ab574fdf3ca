import { setFlagsFromString } from 'node:v8';

/**
 * For the long-running processes that serve a window or a broker (web mode, the headless broker; the desktop app's
 * main process): young-generation collections run on the main thread alone, not split across V8's helper threads.
 *
 * Why: on a machine whose cores are all busy (a flood's publisher, the broker, the browser, the subscribers), a helper
 * thread waits to be scheduled while the main thread, paused, waits for it, so a 3 ms collection became a 50–120 ms
 * pause; the main thread does the same work alone in a few milliseconds. Measured with `npm run bench --
 * core-gc-probe` (the core under a 50,000 msg/s flood, alternating runs): pauses over 20 ms 3 and 3 with helpers,
 * 1 and 0 without; total pause 368–420 ms with helpers, 245–263 ms without.
 *
 * V8 reads this flag at each collection, so setting it after start-up takes effect (the gc-tuning test checks it).
 */
export function preferShortGcPauses(): void {
  setFlagsFromString('--no-parallel-scavenge');
}
