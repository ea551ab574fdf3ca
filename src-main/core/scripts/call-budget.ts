import { threadCpuClock } from '../runtime/thread-cpu-time';

/**
 * A call whose thread is kept off the CPU still ends: once this many times its budget has passed in wall time (1 s
 * at the default 50 ms) it is stopped, whatever CPU time it used. At 20 a call that stays within its budget still
 * finishes while its thread gets a twentieth of a CPU, as on a 2-core machine with some 40 threads wanting to run,
 * far busier than the loads at which wall-clock budgets stopped short scripts. Past that the machine cannot keep up
 * anyway, and the worker runs one call at a time: every call queued behind this one waits too, and about a second
 * is as long as a decode may hang before the user takes it for broken.
 */
export const WALL_CAP_FACTOR = 20;

/**
 * Least wall time between two readings of the thread's CPU time (each about 15 µs) once a call is past its wall
 * deadline, and the most a call's starting reading may be out of date. A runaway runs past its budget by up to
 * twice this, plus the reading's own lag (a scheduler tick).
 */
export const CPU_READING_INTERVAL_MS = 2;

/** Why a call was stopped: past its budget of CPU time, past it in wall time (no CPU clock), or past the wall cap. */
export type BudgetStop = 'cpu' | 'wall' | 'cap';

/** A call's budget as it started; the host's watchdog gets a copy. */
export interface CallStart {
  /** Wall time (ms since the epoch). */
  readonly startedAt: number;
  readonly budgetMs: number;
  /** The thread's CPU time (ms) at `readAt`, at or shortly before the start; NaN without a CPU clock. */
  readonly cpuAtReadMs: number;
  readonly readAt: number;
}

/**
 * CPU time the thread has surely spent since the call started: all it used since the reading before the start,
 * less the whole wall time between that reading and the start (it cannot have run longer than that).
 */
export function cpuSpentMs(start: CallStart, cpuNowMs: number): number {
  return cpuNowMs - start.cpuAtReadMs - (start.startedAt - start.readAt);
}

/**
 * Whether a call must stop, and why. Wall time comes first: CPU time never runs ahead of it, so a call within its
 * budget in wall time is within it in CPU time. `cpuNowMs` is null when the thread's CPU time cannot be read; the
 * budget is then wall time. `graceMs` widens the budget and the cap (the host's watchdog).
 */
export function budgetVerdict(start: CallStart, nowMs: number, cpuNowMs: number | null, graceMs = 0): BudgetStop | 'within' {
  const elapsed = nowMs - start.startedAt;
  if (elapsed <= start.budgetMs + graceMs) return 'within';
  if (cpuNowMs === null || Number.isNaN(start.cpuAtReadMs)) return 'wall';
  if (cpuSpentMs(start, cpuNowMs) > start.budgetMs + graceMs) return 'cpu';
  if (elapsed > start.budgetMs * WALL_CAP_FACTOR + graceMs) return 'cap';
  return 'within';
}

/** Wall time and the calling thread's CPU time (null when it cannot be read), in ms. */
export interface BudgetClocks {
  readonly wallMs: () => number;
  readonly cpuMs: () => number | null;
}

/** The clocks of the thread that reads them. */
export function threadClocks(cpuFile?: string): BudgetClocks {
  return { wallMs: Date.now, cpuMs: threadCpuClock(cpuFile) };
}

/**
 * The time budget of the calls made on one thread, for QuickJS's interrupt handler, which runs very often: until a
 * call's wall deadline it costs one Date.now(); after it, the thread's CPU time is read every few ms at most, and
 * the call is stopped when the CPU time it used passes its budget, or when the wall cap passes. Without a CPU clock
 * (or once reading it fails) the budget is wall time, as a thread kept off the CPU cannot be told from a busy one.
 */
export class CallBudget {
  private start: CallStart | null = null;
  private nextCheckAt = Infinity;
  private reading = { cpuMs: Number.NaN, at: -Infinity };
  private cpuReadable = true;
  private stop: BudgetStop | null = null;

  constructor(private readonly clocks: BudgetClocks = threadClocks()) {}

  /** Starts a call's budget; what it answers is for the watchdog. */
  begin(budgetMs: number): CallStart {
    const now = this.clocks.wallMs();
    // A reading from the last few ms will do (cpuSpentMs allows for its age): most calls read nothing.
    const fresh = now >= this.reading.at && now - this.reading.at < CPU_READING_INTERVAL_MS;
    if (this.cpuReadable && !fresh) this.read(now);
    this.start = { startedAt: now, budgetMs, cpuAtReadMs: this.cpuReadable ? this.reading.cpuMs : Number.NaN, readAt: this.reading.at };
    this.nextCheckAt = now + budgetMs;
    this.stop = null;
    return this.start;
  }

  /** The interrupt handler: true stops the call (and keeps answering true while it unwinds). */
  interrupted(): boolean {
    const now = this.clocks.wallMs();
    return now > this.nextCheckAt && this.check(now);
  }

  end(): void {
    this.start = null;
    this.nextCheckAt = Infinity;
  }

  /** Why the last call was stopped; null if it was not. */
  get stoppedBy(): BudgetStop | null {
    return this.stop;
  }

  private check(now: number): boolean {
    const start = this.start;
    if (start === null) return false;
    if (this.stop !== null) return true;
    const cpu = Number.isNaN(start.cpuAtReadMs) ? null : this.read(now);
    const verdict = budgetVerdict(start, now, cpu);
    if (verdict !== 'within') {
      this.stop = verdict;
      return true;
    }
    // CPU time grows no faster than wall time: the budget cannot run out before what is left of it has passed.
    const left = start.budgetMs - cpuSpentMs(start, cpu!);
    this.nextCheckAt = Math.min(now + Math.max(CPU_READING_INTERVAL_MS, left), start.startedAt + start.budgetMs * WALL_CAP_FACTOR);
    return false;
  }

  private read(now: number): number | null {
    const cpu = this.clocks.cpuMs();
    if (cpu === null) this.cpuReadable = false;
    else this.reading = { cpuMs: cpu, at: now };
    return cpu;
  }
}

/** How a call that ran past its budget is described to the user: "The script <this> and was stopped …". */
export function overrunText(stop: BudgetStop, budgetMs: number): string {
  switch (stop) {
    case 'cpu':
      return `ran longer than its ${budgetMs} ms budget of CPU time`;
    case 'wall':
      return `ran longer than its ${budgetMs} ms budget`;
    case 'cap':
      return `did not finish in ${budgetMs * WALL_CAP_FACTOR} ms (${WALL_CAP_FACTOR} times its ${budgetMs} ms budget; the machine was too busy to give it the CPU)`;
  }
}
