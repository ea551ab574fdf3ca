import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it, onTestFinished } from 'vitest';
import { threadCpuClock, threadSchedstatFile } from './thread-cpu-time';

/** Spins until `clock` says `ms` more of CPU time were used: a fixed amount of work however busy the machine. */
function spinFor(clock: () => number | null, ms: number): void {
  const until = clock()! + ms;
  while (clock()! < until) {
    // spinning
  }
}

// A worker thread (plain JavaScript) that says which thread it is, then waits off the CPU until told to spin for
// 30 ms of its own CPU time, reading /proc/thread-self itself, then waits again.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const own = () => Number(fs.readFileSync('/proc/thread-self/schedstat', 'latin1').split(' ')[0]) / 1e6;
const gate = new Int32Array(workerData);
parentPort.postMessage(fs.readlinkSync('/proc/thread-self'));
Atomics.wait(gate, 0, 0);
const until = own() + 30;
while (own() < until) {}
parentPort.postMessage('spun');
// Stays until terminated: a thread that has ended has no schedstat file to read.
Atomics.wait(gate, 0, 1);
`;

describe.runIf(process.platform === 'linux')('a thread CPU clock (Linux)', () => {
  it('counts the calling thread while it runs, not while it waits', () => {
    const clock = threadCpuClock();
    const before = clock()!;
    expect(before).toBeGreaterThan(0);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    // 100 ms off the CPU; a reading lags the running thread by up to a scheduler tick (4 ms here, 10 ms on a kernel
    // built with HZ=100), so allow a few ticks.
    expect(clock()! - before).toBeLessThan(25);
    spinFor(clock, 30);
    expect(clock()! - before).toBeGreaterThanOrEqual(30);
  });

  it('in a worker thread, /proc/thread-self is that worker’s own thread, which another thread can read by name', async () => {
    const gate = new Int32Array(new SharedArrayBuffer(4));
    const worker = new Worker(WORKER, { eval: true, workerData: gate.buffer });
    onTestFinished(async () => {
      await worker.terminate();
    });
    const next = (): Promise<string> =>
      new Promise((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
    const self = await next();
    const [pid, , tid] = self.split('/');
    expect(Number(pid)).toBe(process.pid);
    const mainThread = threadSchedstatFile();
    expect(mainThread).toMatch(new RegExp(`^/proc/${process.pid}/task/\\d+/schedstat$`));
    expect(mainThread).not.toBe(`/proc/${self}/schedstat`);

    const workerClock = threadCpuClock(`/proc/${pid}/task/${tid}/schedstat`);
    const mainClock = threadCpuClock();
    const workerBefore = workerClock()!;
    // This thread works while the worker waits: none of it is the worker's.
    spinFor(mainClock, 30);
    // (Allowing a few scheduler ticks, as above: the worker may still be finishing its message when this starts.)
    expect(workerClock()! - workerBefore).toBeLessThan(25);
    // The worker spins for 30 ms by its own /proc/thread-self: all of it is the worker's.
    const spun = next();
    Atomics.store(gate, 0, 1);
    Atomics.notify(gate, 0);
    expect(await spun).toBe('spun');
    expect(workerClock()! - workerBefore).toBeGreaterThanOrEqual(30);
  });
});

describe('a thread CPU clock where it cannot be read', () => {
  it('answers null for a missing file, and keeps answering null', () => {
    const clock = threadCpuClock('/nonexistent/schedstat');
    expect(clock()).toBeNull();
    expect(clock()).toBeNull();
  });

  it('answers null when the kernel keeps no statistics (all zeros)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'topiary-schedstat-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'schedstat');
    writeFileSync(file, '0 0 0\n');
    expect(threadCpuClock(file)()).toBeNull();
    writeFileSync(file, '123456789 5 7\n');
    expect(threadCpuClock(file)()).toBeCloseTo(123.456789);
  });
});
