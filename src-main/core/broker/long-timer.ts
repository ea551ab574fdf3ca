/** Node's timers hold at most 2^31 - 1 ms (about 24.8 days); a longer delay fires at once with a warning. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * A one-shot timer for delays of any length (MQTT intervals reach 2^32 - 1 seconds, about 136 years):
 * it waits in steps no timer overflows and never keeps the process alive.
 */
export class LongTimer {
  private handle: NodeJS.Timeout | undefined;
  private readonly deadline: number;

  constructor(
    private readonly fire: () => void,
    delayMs: number,
  ) {
    this.deadline = Date.now() + Math.max(0, delayMs);
    this.arm();
  }

  /** Milliseconds left before it fires (0 once due). */
  get remainingMs(): number {
    return Math.max(0, this.deadline - Date.now());
  }

  cancel(): void {
    clearTimeout(this.handle);
    this.handle = undefined;
  }

  private arm(): void {
    const left = this.deadline - Date.now();
    if (left > MAX_TIMER_MS) {
      this.handle = setTimeout(() => this.arm(), MAX_TIMER_MS);
    } else {
      this.handle = setTimeout(() => {
        this.handle = undefined;
        this.fire();
      }, Math.max(0, left));
    }
    this.handle.unref();
  }
}
