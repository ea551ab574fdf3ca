import { describe, expect, it } from 'vitest';
import { type BudgetClocks, CPU_READING_INTERVAL_MS, CallBudget, WALL_CAP_FACTOR, budgetVerdict } from './call-budget';

/** A thread on a synthetic clock: it runs (CPU time grows with wall time) or waits off the CPU (only wall time grows). */
class SyntheticThread implements BudgetClocks {
  wall = 1_000_000;
  cpu = 5_000;
  cpuReads = 0;
  cpuFails = false;
  readonly wallMs = (): number => this.wall;
  readonly cpuMs = (): number | null => {
    this.cpuReads++;
    return this.cpuFails ? null : this.cpu;
  };

  /** Runs for `ms`, asking the interrupt handler every 0.1 ms as QuickJS does; answers when it was stopped, if it was. */
  run(budget: CallBudget, ms: number): number | null {
    const step = Math.min(0.1, ms);
    for (let steps = 1; steps * step <= ms + 1e-9; steps++) {
      this.wall += step;
      this.cpu += step;
      if (budget.interrupted()) return steps * step;
    }
    return null;
  }

  /** Off the CPU for `ms` (descheduled, or blocked), then asks the interrupt handler once. */
  waitOffCpu(budget: CallBudget, ms: number): boolean {
    this.wall += ms;
    return budget.interrupted();
  }
}

describe('the CPU-time budget of a call', () => {
  it('stops a runaway once it has used its budget of CPU time, and says so', () => {
    const thread = new SyntheticThread();
    const budget = new CallBudget(thread);
    budget.begin(50);
    const stoppedAfter = thread.run(budget, 1_000);
    expect(stoppedAfter).toBeGreaterThanOrEqual(50);
    expect(stoppedAfter).toBeLessThanOrEqual(50 + CPU_READING_INTERVAL_MS + 0.2);
    expect(budget.stoppedBy).toBe('cpu');
    // It keeps answering true while the script unwinds (a finally block that loops).
    expect(thread.run(budget, 1)).toBeCloseTo(0.1);
  });

  it('does not stop a call kept off the CPU past its wall deadline that uses little CPU time', () => {
    const thread = new SyntheticThread();
    const budget = new CallBudget(thread);
    budget.begin(50);
    expect(thread.run(budget, 10)).toBeNull();
    expect(thread.waitOffCpu(budget, 300)).toBe(false);
    expect(thread.run(budget, 20)).toBeNull();
    expect(thread.waitOffCpu(budget, 400)).toBe(false);
    expect(budget.stoppedBy).toBeNull();
    // It has 20 ms of CPU time left: a runaway from here is stopped when that is used.
    const stoppedAfter = thread.run(budget, 1_000);
    expect(stoppedAfter).toBeGreaterThanOrEqual(20);
    expect(stoppedAfter).toBeLessThanOrEqual(20 + CPU_READING_INTERVAL_MS + 0.2);
    expect(budget.stoppedBy).toBe('cpu');
  });

  it('stops a call kept off the CPU for longer than the wall cap', () => {
    const thread = new SyntheticThread();
    const budget = new CallBudget(thread);
    budget.begin(50);
    expect(thread.waitOffCpu(budget, 50 * WALL_CAP_FACTOR - 10)).toBe(false);
    expect(thread.run(budget, 1)).toBeNull();
    expect(thread.waitOffCpu(budget, 10)).toBe(true);
    expect(budget.stoppedBy).toBe('cap');
  });

  it('reads the CPU clock only past the wall deadline, every few ms at most, and once per few ms of calls', () => {
    const thread = new SyntheticThread();
    const budget = new CallBudget(thread);
    // A thousand short calls back to back (10 µs each: 10 ms of wall time) read it a handful of times.
    for (let i = 0; i < 1_000; i++) {
      budget.begin(50);
      thread.run(budget, 0.01);
      budget.end();
    }
    expect(thread.cpuReads).toBeLessThanOrEqual(10 / CPU_READING_INTERVAL_MS + 1);
    // A runaway: none until the wall deadline, then one per interval at most until the last few ms.
    thread.wall += CPU_READING_INTERVAL_MS;
    budget.begin(50);
    const before = thread.cpuReads;
    thread.run(budget, 49.5);
    expect(thread.cpuReads).toBe(before);
    // Off the CPU (as a starved thread): each check reads, the next is due when the budget's remainder could be used.
    thread.waitOffCpu(budget, 200);
    const reads = thread.cpuReads;
    for (let i = 0; i < 100; i++) thread.waitOffCpu(budget, 0.05);
    expect(thread.cpuReads - reads).toBeLessThanOrEqual(5 / CPU_READING_INTERVAL_MS + 1);
  });

  it('counts only what the thread ran since the call began, however old its last reading is', () => {
    const thread = new SyntheticThread();
    const budget = new CallBudget(thread);
    budget.begin(50);
    thread.run(budget, CPU_READING_INTERVAL_MS / 2);
    budget.end();
    // The next call starts within the reading interval, so reads nothing: the CPU time between that reading and its
    // start is not its own.
    thread.wall += CPU_READING_INTERVAL_MS / 4;
    thread.cpu += CPU_READING_INTERVAL_MS / 4;
    const reads = thread.cpuReads;
    budget.begin(50);
    expect(thread.cpuReads).toBe(reads);
    const stoppedAfter = thread.run(budget, 1_000);
    expect(stoppedAfter).toBeGreaterThanOrEqual(50);
    expect(stoppedAfter).toBeLessThanOrEqual(50 + CPU_READING_INTERVAL_MS + 0.2);
  });

  it('falls back to wall time where the CPU clock cannot be read', () => {
    const thread = new SyntheticThread();
    thread.cpuFails = true;
    const budget = new CallBudget(thread);
    budget.begin(50);
    expect(thread.run(budget, 10)).toBeNull();
    expect(thread.waitOffCpu(budget, 100)).toBe(true);
    expect(budget.stoppedBy).toBe('wall');
  });

  it('falls back to wall time when the CPU clock fails in the middle of a call', () => {
    const thread = new SyntheticThread();
    const budget = new CallBudget(thread);
    budget.begin(50);
    expect(thread.waitOffCpu(budget, 100)).toBe(false);
    thread.cpuFails = true;
    // The next check is due when the unused 50 ms could have been used.
    expect(thread.waitOffCpu(budget, 51)).toBe(true);
    expect(budget.stoppedBy).toBe('wall');
  });
});

describe('budgetVerdict (shared with the host watchdog)', () => {
  const start = { startedAt: 10_000, budgetMs: 50, cpuAtReadMs: 700, readAt: 9_999 };

  it('is within while wall time is, whatever CPU time says', () => {
    expect(budgetVerdict(start, 10_050, 10_000)).toBe('within');
    expect(budgetVerdict(start, 10_090, 10_000, 40)).toBe('within');
  });

  it('past the wall deadline, judges by the CPU time surely spent since the start, within the wall cap', () => {
    // 51 ms of CPU since the reading, of which at most 1 ms before the start: 50 ms, not more.
    expect(budgetVerdict(start, 10_100, 751)).toBe('within');
    expect(budgetVerdict(start, 10_100, 752)).toBe('cpu');
    expect(budgetVerdict(start, 10_000 + 50 * WALL_CAP_FACTOR, 710)).toBe('within');
    expect(budgetVerdict(start, 10_001 + 50 * WALL_CAP_FACTOR, 710)).toBe('cap');
    expect(budgetVerdict(start, 10_001 + 50 * WALL_CAP_FACTOR + 40, 710, 40)).toBe('cap');
    expect(budgetVerdict(start, 10_200, 780, 40)).toBe('within');
  });

  it('is wall time without a CPU reading', () => {
    expect(budgetVerdict(start, 10_051, null)).toBe('wall');
    expect(budgetVerdict({ ...start, cpuAtReadMs: Number.NaN }, 10_051, 700)).toBe('wall');
  });
});
