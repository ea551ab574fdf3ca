import type { EngineOutcome } from './quickjs-script';
import type { ScriptError, ScriptMessage, ScriptSpec } from './script-types';

/** What the worker is handed when it starts. */
export interface ScriptWorkerData {
  /** QuickJS compiled once by the host: the worker never looks for the .wasm file itself. */
  readonly wasmModule: WebAssembly.Module;
  /**
   * The running call's CallStart for the host's watchdog: [start (ms since the epoch, 0 when idle), budget in ms,
   * the thread's CPU time in ms at the reading before the start (NaN without a CPU clock), that reading's time].
   */
  readonly clock: SharedArrayBuffer;
  /** Where the worker reads its own thread's CPU time; by default /proc/thread-self/schedstat. */
  readonly cpuFile?: string;
}

export type ScriptWorkerRequest =
  | { readonly type: 'load'; readonly id: number; readonly scriptId: number; readonly spec: ScriptSpec }
  | { readonly type: 'run'; readonly id: number; readonly scriptId: number; readonly messages: readonly ScriptMessage[] }
  | { readonly type: 'unload'; readonly id: number; readonly scriptId: number };

export type ScriptWorkerReply =
  /** `cpuFile`: the worker thread's CPU time for the watchdog (null without /proc). */
  | { readonly type: 'ready'; readonly cpuFile: string | null }
  | { readonly type: 'loaded'; readonly id: number; readonly error: ScriptError | null }
  | { readonly type: 'ran'; readonly id: number; readonly outcomes: readonly EngineOutcome[] }
  | { readonly type: 'unloaded'; readonly id: number }
  /** Something escaped QuickJS (a host-level failure): the worker stops itself and the host restarts it. */
  | { readonly type: 'fatal'; readonly id: number | null; readonly message: string };
