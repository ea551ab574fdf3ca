import { QuickJsScript } from '../core/scripts/quickjs-script';

// The script sandbox's real worker, except that a script's `log('stall <ms>')` blocks the worker thread for that
// long without using the CPU (Atomics.wait), as a busy machine's scheduler can leave a thread off the CPU in the
// middle of a call. For the tests of the CPU-time budget; the line is logged as usual afterwards.
const parked = new Int32Array(new SharedArrayBuffer(4));
const script = QuickJsScript.prototype as unknown as { onLog(level: string, line: string): void };
const onLog = script.onLog;
script.onLog = function stallThenLog(this: unknown, level: string, line: string): void {
  const stall = /^stall (\d+)$/.exec(line);
  if (stall !== null) Atomics.wait(parked, 0, 0, Number(stall[1]));
  onLog.call(this, level, line);
};
// Loaded after the patch above, so every script the worker makes has it.
void import('../core/scripts/script-worker');
