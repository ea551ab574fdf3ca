import { constants, PerformanceObserver } from 'node:perf_hooks';
import { getHeapStatistics, setFlagsFromString } from 'node:v8';

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
 * - Room to grow while the heap is small (`roomyWhileSmall`).
 *
 * V8 reads these flags as it works, so setting them at start-up takes effect (the gc-tuning test checks it).
 * `TOPIARY_GC_TUNING=off` leaves V8's defaults (to compare, or in a test process other tests share).
 */
export function preferShortGcPauses(options: { readonly roomyBelowBytes?: number } = {}): void {
  // Once per process: the flags are process-wide and the heap watch below needs only one observer.
  if (tuned || process.env.TOPIARY_GC_TUNING === 'off') return;
  tuned = true;
  setFlagsFromString('--no-allocation-site-pretenuring');
  setFlagsFromString('--no-parallel-scavenge');
  roomyWhileSmall(options.roomyBelowBytes ?? ROOMY_BELOW_BYTES);
}

let tuned = false;

/** The live heap below which the old generation may grow fourfold between full collections (V8 chooses above it). */
export const ROOMY_BELOW_BYTES = 128 * 1024 * 1024;

/**
 * While the live heap is small, the old generation may grow to four times it before a full collection; above
 * `below` (and until it falls under three quarters of that again) V8 chooses, as it does by default.
 *
 * Why: an I/O-paced process (the core under a flood: 30–40% of a core, a live heap of 30–60 MB) looks to V8 as if
 * full collections cost nothing, so V8 sets the next limit only a little above the live heap, and starts incremental
 * marking as soon as the room left is below the young generation's size (32 MB). That is at once: under a 50,000
 * msg/s flood a full collection began about every second although barely 0.2 MB/s was promoted, each with an atomic
 * pause of 8–30 ms (two over 20 ms in two of four explorer-bench runs). With room to grow they come minutes apart.
 * Fourfold is the most V8 itself ever chooses, so a CPU-bound loop, for which V8 grows the heap 3.6-fold, gets no more
 * full collections than before; a fixed twofold growth gave it 2.4 times as many. Above the threshold the heap's
 * growth costs real memory and V8's own choice stands.
 */
function roomyWhileSmall(below: number): void {
  let roomy: boolean | undefined;
  const apply = (): void => {
    const used = getHeapStatistics().used_heap_size;
    const small = roomy === false ? used < below * 0.75 : used < below;
    if (small === roomy) return;
    roomy = small;
    // 0 hands the choice back to V8.
    setFlagsFromString(small ? '--heap-growing-percent=300' : '--heap-growing-percent=0');
  };
  apply();
  // Judged after each full collection, when the used heap is about the live one.
  new PerformanceObserver((list) => {
    if (list.getEntries().some((e) => (e as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR)) apply();
  }).observe({ entryTypes: ['gc'] });
}
