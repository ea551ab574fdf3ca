import { readFile } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { topicMatchesFilter } from '../../../shared/mqtt/topic-rules';
import { threadCpuClock } from '../runtime/thread-cpu-time';
import { type BudgetStop, type CallStart, budgetVerdict, overrunText } from './call-budget';
import type { EngineOutcome } from './quickjs-script';
import type { ScriptWorkerData, ScriptWorkerReply, ScriptWorkerRequest } from './script-protocol';
import { type ScriptError, type ScriptMessage, type ScriptOutcome, type ScriptSpec } from './script-types';

export interface ScriptSandboxOptions {
  /** The built worker script (dist/main/script-worker.cjs in the app). */
  readonly workerFile: string;
  /**
   * How far past its budget a call may run before the worker thread is stopped. QuickJS's interrupt
   * handler stops ordinary runaway code at the budget; this catches what it cannot see (a long
   * built-in operation), so a runaway is reported within budget + grace, counted as the interrupt handler
   * counts it (CPU time where the worker can read its thread's, up to the wall cap). Default 40 ms.
   */
  readonly watchdogGraceMs?: number;
  /**
   * Where the worker reads its thread's CPU time (default /proc/thread-self/schedstat). Where it cannot be read
   * budgets are wall-clock time; tests name a missing file to take that path on Linux.
   */
  readonly threadCpuFile?: string;
}

export type LoadResult = { readonly ok: true; readonly script: ScriptHandle } | { readonly ok: false; readonly error: ScriptError };

let wasmModule: Promise<WebAssembly.Module> | null = null;
/** Node's WebAssembly global (the project's lib settings declare only its types). */
const webAssembly = (globalThis as unknown as { readonly WebAssembly: { compile(bytes: Uint8Array): Promise<WebAssembly.Module> } }).WebAssembly;

/**
 * QuickJS's WebAssembly, compiled once per process from the package's .wasm file (resolved in
 * node_modules, which the app keeps beside its bundles) and handed to each worker as a compiled
 * module, so a worker never searches for the file and a restart costs no recompilation.
 */
export function quickJsWasm(): Promise<WebAssembly.Module> {
  wasmModule ??= readFile(require.resolve('@jitl/quickjs-wasmfile-release-sync/wasm')).then((bytes) => webAssembly.compile(bytes));
  return wasmModule;
}

interface Pending {
  readonly request: ScriptWorkerRequest;
  readonly settle: (reply: ScriptWorkerReply | { readonly type: 'lost'; readonly error: ScriptError }) => void;
}

interface Loaded {
  readonly spec: ScriptSpec;
  readonly state: Map<string, unknown>;
}

/**
 * Runs user scripts in QuickJS inside one worker thread: each script in its own runtime with its own
 * memory cap and time budget, with only the documented API. Calls are queued and sent one at a time;
 * when the worker must be stopped (a runaway the interrupt handler could not stop, or a host-level
 * failure) it is restarted and every script reloaded with the state it had.
 */
export class ScriptSandbox {
  private worker: Worker | null = null;
  private ready: Promise<Worker> | null = null;
  private readonly clock = new SharedArrayBuffer(32);
  private readonly clockCells = new Float64Array(this.clock);
  private readonly queue: Pending[] = [];
  private inFlight: Pending | null = null;
  private watchdog: NodeJS.Timeout | null = null;
  /** The worker thread's CPU time, read by the watchdog; null without /proc. */
  private workerCpu: (() => number | null) | null = null;
  private nextId = 1;
  private nextScriptId = 1;
  private readonly loaded = new Map<number, Loaded>();
  private closed = false;
  /** Times the worker was stopped and restarted (for diagnostics and tests). */
  restarts = 0;

  constructor(private readonly options: ScriptSandboxOptions) {}

  /** Compiles a script; a syntax error (with its line and column) comes back as data. */
  async load(spec: ScriptSpec): Promise<LoadResult> {
    const scriptId = this.nextScriptId++;
    const reply = await this.send({ type: 'load', id: this.nextId++, scriptId, spec });
    if (reply.type === 'lost') return { ok: false, error: reply.error };
    if (reply.type !== 'loaded') return { ok: false, error: { kind: 'stopped', message: 'The sandbox answered out of turn.' } };
    if (reply.error !== null) return { ok: false, error: reply.error };
    const state = new Map<string, unknown>(Object.entries(spec.state ?? {}));
    this.loaded.set(scriptId, { spec, state });
    return { ok: true, script: new ScriptHandle(this, scriptId, spec, state) };
  }

  /** Stops the worker; loaded scripts are gone. */
  async close(): Promise<void> {
    this.closed = true;
    this.stopWatchdog();
    const lost: ScriptError = { kind: 'stopped', message: 'The script sandbox was closed.' };
    for (const pending of this.queue.splice(0)) pending.settle({ type: 'lost', error: lost });
    this.inFlight?.settle({ type: 'lost', error: lost });
    this.inFlight = null;
    const worker = this.worker;
    this.worker = null;
    this.ready = null;
    this.loaded.clear();
    await worker?.terminate();
  }

  /** @internal Runs messages through a loaded script. */
  async runBatch(scriptId: number, messages: readonly ScriptMessage[]): Promise<readonly EngineOutcome[]> {
    if (messages.length === 0) return [];
    const reply = await this.send({ type: 'run', id: this.nextId++, scriptId, messages });
    if (reply.type === 'ran') return reply.outcomes;
    const error = reply.type === 'lost' ? reply.error : { kind: 'stopped' as const, message: 'The sandbox answered out of turn.' };
    return messages.map(() => ({ ok: false as const, error, logs: [], droppedLogs: 0, micros: 0 }));
  }

  /** @internal */
  async unload(scriptId: number): Promise<void> {
    if (!this.loaded.delete(scriptId)) return;
    await this.send({ type: 'unload', id: this.nextId++, scriptId });
  }

  private send(request: ScriptWorkerRequest): Promise<ScriptWorkerReply | { readonly type: 'lost'; readonly error: ScriptError }> {
    if (this.closed) return Promise.resolve({ type: 'lost', error: { kind: 'stopped', message: 'The script sandbox is closed.' } });
    return new Promise((settle) => {
      this.queue.push({ request, settle });
      this.pump();
    });
  }

  private pump(): void {
    if (this.inFlight !== null || this.queue.length === 0 || this.closed) return;
    const next = this.queue.shift()!;
    this.inFlight = next;
    this.startWorker().then(
      (worker) => {
        if (this.inFlight !== next) return;
        worker.postMessage(next.request);
        this.startWatchdog();
      },
      (error: unknown) => {
        // The worker could not start (QuickJS missing or broken): fail this call, try again on the next.
        this.inFlight = null;
        next.settle({ type: 'lost', error: { kind: 'stopped', message: `The script sandbox could not start: ${error instanceof Error ? error.message : String(error)}` } });
        this.pump();
      },
    );
  }

  private startWorker(): Promise<Worker> {
    this.ready ??= (async () => {
      const wasm = await quickJsWasm();
      if (this.closed) throw new Error('the script sandbox was closed');
      // 4 MB of stack: QuickJS's own limit (stackBytes, at most 1 MB) is hit first.
      const workerData: ScriptWorkerData = { wasmModule: wasm, clock: this.clock, ...(this.options.threadCpuFile === undefined ? {} : { cpuFile: this.options.threadCpuFile }) };
      const worker = new Worker(this.options.workerFile, { workerData, resourceLimits: { stackSizeMb: 4 } });
      this.worker = worker;
      await new Promise<void>((resolve, reject) => {
        const onReply = (reply: ScriptWorkerReply): void => {
          if (reply.type === 'ready') {
            this.workerCpu = reply.cpuFile === null ? null : threadCpuClock(reply.cpuFile);
            worker.off('message', onReply);
            worker.off('error', reject);
            resolve();
          } else if (reply.type === 'fatal') reject(new Error(reply.message));
        };
        worker.on('message', onReply);
        worker.once('error', reject);
      });
      if (this.closed) {
        await worker.terminate();
        throw new Error('the script sandbox was closed');
      }
      worker.on('message', (reply: ScriptWorkerReply) => this.onReply(reply));
      worker.on('error', () => undefined); // 'exit' follows and restarts it.
      worker.on('exit', () => this.onWorkerGone(worker, { kind: 'stopped', message: 'The script sandbox stopped unexpectedly and was restarted; the script keeps its state.' }));
      // Scripts loaded before a restart come back with the state they had.
      for (const [scriptId, loaded] of this.loaded) {
        worker.postMessage({ type: 'load', id: 0, scriptId, spec: { ...loaded.spec, state: Object.fromEntries(loaded.state) } } satisfies ScriptWorkerRequest);
      }
      return worker;
    })();
    const ready = this.ready;
    ready.catch(() => {
      if (this.ready === ready) this.ready = null;
    });
    return ready;
  }

  private onReply(reply: ScriptWorkerReply): void {
    if (reply.type === 'ready' || (reply.type === 'loaded' && reply.id === 0)) return;
    if (reply.type === 'fatal') return; // the worker exits next; onWorkerGone fails the call.
    const pending = this.inFlight;
    if (pending === null || pending.request.id !== reply.id) return;
    this.inFlight = null;
    this.stopWatchdog();
    if (reply.type === 'ran') this.applyState(pending.request, reply.outcomes);
    pending.settle(reply);
    this.pump();
  }

  private applyState(request: ScriptWorkerRequest, outcomes: readonly EngineOutcome[]): void {
    if (request.type !== 'run') return;
    const loaded = this.loaded.get(request.scriptId);
    if (loaded === undefined) return;
    for (const outcome of outcomes) {
      if (!outcome.ok) continue;
      for (const [key, json] of outcome.stateChanges) {
        if (json === null) loaded.state.delete(key);
        else loaded.state.set(key, JSON.parse(json));
      }
    }
  }

  private onWorkerGone(worker: Worker, error: ScriptError): void {
    if (this.worker !== worker) return;
    this.worker = null;
    this.ready = null;
    this.stopWatchdog();
    const pending = this.inFlight;
    this.inFlight = null;
    if (this.closed) return;
    this.restarts++;
    pending?.settle({ type: 'lost', error });
    this.pump();
  }

  private startWatchdog(): void {
    if (this.watchdog !== null) return;
    const grace = this.options.watchdogGraceMs ?? 40;
    this.watchdog = setInterval(() => {
      const cells = this.clockCells;
      const startedAt = cells[0]!;
      const now = Date.now();
      if (startedAt === 0 || now - startedAt <= cells[1]! + grace) return;
      const start: CallStart = { startedAt, budgetMs: cells[1]!, cpuAtReadMs: cells[2]!, readAt: cells[3]! };
      // The worker writes the start last: a changed start means these cells may mix two calls.
      if (cells[0] !== startedAt) return;
      const stop = budgetVerdict(start, now, this.workerCpu?.() ?? null, grace);
      const worker = this.worker;
      if (stop === 'within' || worker === null) return;
      this.clockCells[0] = 0;
      this.onWorkerGone(worker, { kind: 'timeout', message: watchdogMessage(stop, start.budgetMs) });
      void worker.terminate();
    }, 10);
    this.watchdog.unref();
  }

  private stopWatchdog(): void {
    if (this.watchdog !== null) clearInterval(this.watchdog);
    this.watchdog = null;
  }
}

function watchdogMessage(stop: BudgetStop, budgetMs: number): string {
  return `The script ${overrunText(stop, budgetMs)} inside a built-in operation and was stopped; the sandbox was restarted and the script keeps its state.`;
}

/** A loaded script: call it with messages; publishes are already checked against its permission. */
export class ScriptHandle {
  constructor(
    private readonly sandbox: ScriptSandbox,
    private readonly scriptId: number,
    readonly spec: ScriptSpec,
    private readonly stateMap: Map<string, unknown>,
  ) {}

  /** The key-value state as the script left it after its last successful call. */
  get state(): Readonly<Record<string, unknown>> {
    return Object.fromEntries(this.stateMap);
  }

  async run(message: ScriptMessage): Promise<ScriptOutcome> {
    const [outcome] = await this.runBatch([message]);
    return outcome!;
  }

  /** Many messages in one crossing to the worker (each still gets its own budget). */
  async runBatch(messages: readonly ScriptMessage[]): Promise<readonly ScriptOutcome[]> {
    const outcomes = await this.sandbox.runBatch(this.scriptId, messages);
    return outcomes.map((outcome) => this.toOutcome(outcome));
  }

  unload(): Promise<void> {
    return this.sandbox.unload(this.scriptId);
  }

  private toOutcome(outcome: EngineOutcome): ScriptOutcome {
    if (!outcome.ok) return outcome;
    const allow = this.spec.publish?.allow ?? [];
    // Checked in the worker already; checked again here, where the host's own rules live.
    const publishes = outcome.publishes.filter((p) => allow.some((filter) => topicMatchesFilter(filter, p.topic)));
    return { ok: true, value: outcome.value, logs: outcome.logs, droppedLogs: outcome.droppedLogs, publishes, micros: outcome.micros };
  }
}
