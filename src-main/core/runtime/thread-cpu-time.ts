import { closeSync, openSync, readSync, readlinkSync } from 'node:fs';

/** Linux's scheduler statistics of the thread that opens it (a worker thread's own, in a worker thread). */
export const OWN_THREAD_SCHEDSTAT = '/proc/thread-self/schedstat';

/**
 * A clock of one thread's CPU time in milliseconds, read from a Linux schedstat file, whose first field is the
 * nanoseconds the thread has spent on a CPU. The kernel brings it up to date at each scheduler tick, so it lags the
 * running thread by at most a tick (1 to 4 ms). Answers null where the file cannot be read (macOS, Windows, /proc
 * not mounted, schedstats off: all zeros) and from then on, so a caller falls back once instead of failing a system
 * call on every check.
 *
 * The file is opened for each reading (about 15 µs), not kept open: a worker thread that is terminated runs no
 * clean-up, and its descriptor would stay open in the process after every restart.
 */
export function threadCpuClock(file = OWN_THREAD_SCHEDSTAT): () => number | null {
  const buffer = Buffer.alloc(128);
  let failed = false;
  return () => {
    if (failed) return null;
    let fd: number | null = null;
    try {
      fd = openSync(file, 'r');
      const length = readSync(fd, buffer, 0, buffer.length, 0);
      const nanos = Number(buffer.toString('latin1', 0, length).split(' ', 1)[0]);
      // A thread that runs this has run: zero means the kernel does not keep the statistics.
      if (!(nanos > 0)) throw new Error(`no CPU time in ${file}`);
      return nanos / 1e6;
    } catch {
      failed = true;
      return null;
    } finally {
      if (fd !== null) closeSync(fd);
    }
  };
}

/** The calling thread's schedstat file under a name any thread of the process can read; null without /proc. */
export function threadSchedstatFile(): string | null {
  try {
    // "<pid>/task/<tid>"
    return `/proc/${readlinkSync('/proc/thread-self')}/schedstat`;
  } catch {
    return null;
  }
}
