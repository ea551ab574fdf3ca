import { parentPort, workerData } from 'node:worker_threads';
import { type QuickJSSyncVariant, newQuickJSWASMModuleFromVariant, newVariant } from 'quickjs-emscripten-core';
import { QuickJSFFI } from '@jitl/quickjs-wasmfile-release-sync/ffi';
import moduleLoader from '@jitl/quickjs-wasmfile-release-sync/emscripten-module';
import { threadSchedstatFile } from '../runtime/thread-cpu-time';
import { CallBudget, threadClocks } from './call-budget';
import { type CallClock, QuickJsScript } from './quickjs-script';
import type { ScriptWorkerData, ScriptWorkerReply, ScriptWorkerRequest } from './script-protocol';

// The worker thread hosting every loaded script, each in its own QuickJS runtime. Built as
// script-worker.cjs (scripts/build.mjs) and started by ScriptSandbox.
const port = parentPort;
if (!port) throw new Error('script-worker runs only as a worker thread.');
const data = workerData as ScriptWorkerData;
const clockCells = new Float64Array(data.clock);
const clock: CallClock = {
  started: (start) => {
    clockCells[1] = start.budgetMs;
    clockCells[2] = start.cpuAtReadMs;
    clockCells[3] = start.readAt;
    clockCells[0] = start.startedAt;
  },
  finished: () => {
    clockCells[0] = 0;
  },
};
/** One for the thread: its reading of the thread's CPU time serves every script's next call. */
const budget = new CallBudget(threadClocks(data.cpuFile));
const scripts = new Map<number, QuickJsScript>();
/**
 * The release-sync variant, put together from its parts with static imports: the package's own
 * variant loads them with a dynamic import(), which a bundle inside an asar may not resolve.
 */
const releaseSync: QuickJSSyncVariant = { type: 'sync', importFFI: () => Promise.resolve(QuickJSFFI), importModuleLoader: () => Promise.resolve(moduleLoader) };

function reply(message: ScriptWorkerReply): void {
  port!.postMessage(message);
}

async function start(): Promise<void> {
  const wasm = await newQuickJSWASMModuleFromVariant(newVariant(releaseSync, { wasmModule: data.wasmModule }));
  // WebAssembly compiles lazily: run the paths a script takes once, so a user's first call is not charged for it.
  const warm = new QuickJsScript(wasm, { name: 'warm-up', source: 'const v = msg.json(); state.set("n", v.n); log(v, msg.topic); return { t: v.t, n: state.get("n") };', limits: { budgetMs: 10_000 } });
  warm.load();
  for (let i = 0; i < 200; i++) warm.run({ topic: 'warm/up', payload: new TextEncoder().encode(`{"t":${i},"n":"x"}`), qos: 0, retain: false });
  warm.dispose();

  port!.on('message', (request: ScriptWorkerRequest) => {
    try {
      switch (request.type) {
        case 'load': {
          scripts.get(request.scriptId)?.dispose();
          const script = new QuickJsScript(wasm, request.spec, clock, budget);
          const error = script.load();
          if (error === null) scripts.set(request.scriptId, script);
          else scripts.delete(request.scriptId);
          reply({ type: 'loaded', id: request.id, error });
          break;
        }
        case 'run': {
          const script = scripts.get(request.scriptId);
          const outcomes = request.messages.map((message) =>
            script === undefined
              ? { ok: false as const, error: { kind: 'stopped' as const, message: 'The script is not loaded.' }, logs: [], droppedLogs: 0, micros: 0 }
              : script.run(message),
          );
          reply({ type: 'ran', id: request.id, outcomes });
          break;
        }
        case 'unload':
          scripts.get(request.scriptId)?.dispose();
          scripts.delete(request.scriptId);
          reply({ type: 'unloaded', id: request.id });
          break;
        default:
          break;
      }
    } catch (error) {
      // Escaped QuickJS (e.g. the host's own stack): the wasm heap may be inconsistent, so never reuse it.
      reply({ type: 'fatal', id: request.id, message: error instanceof Error ? error.message : String(error) });
      process.exit(1);
    }
  });
  reply({ type: 'ready', cpuFile: threadSchedstatFile() });
}

start().catch((error: unknown) => {
  reply({ type: 'fatal', id: null, message: `QuickJS did not start: ${error instanceof Error ? error.message : String(error)}` });
  process.exit(1);
});
