import { setFlagsFromString } from 'node:v8';

/**
 * For the long-running processes that serve a window or a broker (web mode, the headless broker; the desktop app's
 * main process): V8 settings that keep garbage collection pauses short under a flood. Measured with
 * `npm run bench -- core-gc-probe` (the core under a 50,000 msg/s flood over 10,000 topics, a page watching):
 *
 * - No allocation-site pretenuring. A broker holding retained messages keeps what it allocates for them, so V8
 *   learns to allocate every later message from those same sites (the Message, its parsed packet, its encodings)
 *   straight into the old generation. There they die at once, but while they wait for a full collection they keep
 *   each message's young buffers alive, and every scavenge copied them: with 10,000 retained topics, 533 bytes
 *   survived per message and scavenges paused 14 ms at the median (17 of 64 over 20 ms); without pretenuring,
 *   28 bytes, 2.4 ms (1 over 20 ms), and 5.0 µs of core CPU per message instead of 8.9.
 * - Young-generation collections on the main thread alone. On a machine whose cores are all busy (a flood's
 *   publisher, the broker, the browser), V8's helper threads wait to be scheduled while the paused main thread waits
 *   for them, turning 3 ms scavenges into 50–120 ms pauses; over 20 ms 3 and 3 times in two runs with helpers,
 *   1 and 0 without, and 245–263 ms of pauses in all instead of 368–420.
 *
 * V8 reads both flags as it works, so setting them at start-up takes effect (the gc-tuning test checks it).
 */
export function preferShortGcPauses(): void {
  setFlagsFromString('--no-allocation-site-pretenuring');
  setFlagsFromString('--no-parallel-scavenge');
}
