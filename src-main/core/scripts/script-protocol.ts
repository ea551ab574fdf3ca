import type { EngineOutcome } from './quickjs-script';
import type { ScriptError, ScriptMessage, ScriptSpec } from './script-types';

/** What the worker is handed when it starts. */
export interface ScriptWorkerData {
  /** QuickJS compiled once by the host: the worker never looks for the .wasm file itself. */
  readonly wasmModule: WebAssembly.Module;
  /** [start of the running call (ms since the epoch, 0 when idle), its budget in ms]: read by the host's watchdog. */
  readonly clock: SharedArrayBuffer;
}

export type ScriptWorkerRequest =
  | { readonly type: 'load'; readonly id: number; readonly scriptId: number; readonly spec: ScriptSpec }
  | { readonly type: 'run'; readonly id: number; readonly scriptId: number; readonly messages: readonly ScriptMessage[] }
  | { readonly type: 'unload'; readonly id: number; readonly scriptId: number };

export type ScriptWorkerReply =
  | { readonly type: 'ready' }
  | { readonly type: 'loaded'; readonly id: number; readonly error: ScriptError | null }
  | { readonly type: 'ran'; readonly id: number; readonly outcomes: readonly EngineOutcome[] }
  | { readonly type: 'unloaded'; readonly id: number }
  /** Something escaped QuickJS (a host-level failure): the worker stops itself and the host restarts it. */
  | { readonly type: 'fatal'; readonly id: number | null; readonly message: string };
