import type { QuickJSContext, QuickJSHandle, QuickJSRuntime, QuickJSWASMModule } from 'quickjs-emscripten-core';
import { checkTopicName, topicMatchesFilter } from '../../../shared/mqtt/topic-rules';
import { BOOTSTRAP_FILE, BOOTSTRAP_SOURCE } from './script-bootstrap';
import { type BudgetStop, CallBudget, type CallStart, overrunText } from './call-budget';
import {
  type PublishPermission,
  type ScriptError,
  type ScriptLimits,
  type ScriptLogLine,
  type ScriptMessage,
  type ScriptPublish,
  type ScriptSpec,
  resolveLimits,
} from './script-types';

/** The file name QuickJS reports for the user's source; its first line is our wrapper, so lines shift by one. */
const SCRIPT_FILE = 'script.js';
const WRAPPER_LINES = 1;

/** A call's outcome inside the worker, with the state keys it changed (null: deleted). */
export type EngineOutcome =
  | { readonly ok: true; readonly value: unknown; readonly logs: readonly ScriptLogLine[]; readonly droppedLogs: number; readonly publishes: readonly ScriptPublish[]; readonly stateChanges: readonly (readonly [string, string | null])[]; readonly micros: number }
  | { readonly ok: false; readonly error: ScriptError; readonly logs: readonly ScriptLogLine[]; readonly droppedLogs: number; readonly micros: number };

/** Called before and after each run, so a watchdog outside the thread can see a call that never ends. */
export interface CallClock {
  started(start: CallStart): void;
  finished(): void;
}

const noClock: CallClock = { started: () => undefined, finished: () => undefined };
const utf8 = new TextDecoder('utf-8', { fatal: false });
/** Payloads up to this size are handed to the script as text with the call. */
const EAGER_TEXT_BYTES = 16 * 1024;
const encoder = new TextEncoder();

/**
 * One user script in its own QuickJS runtime (its own heap, memory limit, stack limit and interrupt
 * handler) and context. After a call fails for resources (time, memory, stack) the runtime is thrown
 * away and the script evaluated afresh; its key-value state lives here, outside the VM, and survives.
 */
export class QuickJsScript {
  readonly limits: ScriptLimits;
  private runtime: QuickJSRuntime | null = null;
  private context: QuickJSContext | null = null;
  private entry: QuickJSHandle | null = null;
  private runner: QuickJSHandle | null = null;
  private runFn: QuickJSHandle | null = null;
  private readonly state = new Map<string, string>();
  private stateBytes = 0;
  private readonly tokens: { count: number; at: number };
  // The current call's message and collected effects.
  private current: ScriptMessage | null = null;
  private logs: ScriptLogLine[] = [];
  private droppedLogs = 0;
  private publishes: ScriptPublish[] = [];
  private stateChanges = new Map<string, string | null>();

  constructor(
    private readonly wasm: QuickJSWASMModule,
    private readonly spec: ScriptSpec,
    private readonly clock: CallClock = noClock,
    /** The thread's budget keeper, shared by the scripts on one thread. */
    private readonly budget: CallBudget = new CallBudget(),
  ) {
    this.limits = resolveLimits(spec.limits);
    for (const [key, value] of Object.entries(spec.state ?? {})) {
      const json = JSON.stringify(value);
      if (json === undefined) continue;
      this.state.set(key, json);
      this.stateBytes += key.length + json.length;
    }
    this.tokens = { count: burstOf(spec.publish), at: Date.now() };
  }

  /** Compiles the script; a failure is a `syntax` error (or resources, if its top level runs away). */
  load(): ScriptError | null {
    this.disposeVm();
    const runtime = this.wasm.newRuntime();
    this.runtime = runtime;
    runtime.setMemoryLimit(this.limits.memoryBytes);
    runtime.setMaxStackSize(this.limits.stackBytes);
    runtime.setInterruptHandler(() => this.budget.interrupted());
    const context = runtime.newContext();
    this.context = context;

    const bootstrap = context.unwrapResult(context.evalCode(BOOTSTRAP_SOURCE, BOOTSTRAP_FILE));
    const hostFns = [
      context.newFunction('publish', (topic, kind, data, options) => this.onPublish(context.getString(topic), context.getString(kind), context.getString(data), context.getString(options))),
      context.newFunction('log', (level, line) => {
        this.onLog(context.getString(level) as ScriptLogLine['level'], context.getString(line));
      }),
      context.newFunction('stateSet', (key, json) => this.onStateSet(context.getString(key), context.typeof(json) === 'string' ? context.getString(json) : null)),
      context.newFunction('payload', () => context.newArrayBuffer(this.payloadBuffer())),
      context.newFunction('text', () => context.newString(utf8.decode(this.current?.payload ?? new Uint8Array(0)))),
    ];
    const runner = context.unwrapResult(context.callFunction(bootstrap, context.undefined, ...hostFns));
    bootstrap.dispose();
    for (const fn of hostFns) fn.dispose();
    this.runner = runner;
    this.runFn = context.getProp(runner, 'run');
    const entries = context.newString(JSON.stringify([...this.state]));
    const loadState = context.getProp(runner, 'loadState');
    context.unwrapResult(context.callFunction(loadState, runner, entries)).dispose();
    loadState.dispose();
    entries.dispose();

    const source = `(function (msg) { 'use strict';\n${this.spec.source}\n})`;
    const result = this.timed(this.limits.loadBudgetMs, () => context.evalCode(source, SCRIPT_FILE));
    if (result.error) {
      const error = this.describeError(result.error, 'syntax');
      result.error.dispose();
      this.disposeVm();
      return error;
    }
    this.entry = result.value;
    return null;
  }

  /** Runs the script once for a message. */
  run(message: ScriptMessage): EngineOutcome {
    const started = performance.now();
    this.current = message;
    this.logs = [];
    this.droppedLogs = 0;
    this.publishes = [];
    this.stateChanges = new Map();
    try {
      if (this.context === null || this.entry === null || this.runFn === null || this.runner === null) {
        const loadError = this.load();
        if (loadError !== null) return this.failed(loadError, started);
      }
      const context = this.context!;
      // Small payloads go in as text at once (one crossing fewer); larger ones are read on demand.
      const eagerText = message.payload.length <= EAGER_TEXT_BYTES;
      const owned = [
        context.newString(message.topic),
        context.newNumber(message.qos),
        context.newString(message.properties === undefined ? '' : propertiesJson(message.properties)),
        eagerText ? context.newString(utf8.decode(message.payload)) : context.null,
      ];
      const args = [this.entry!, owned[0]!, owned[1]!, message.retain ? context.true : context.false, owned[2]!, owned[3]!];
      const result = this.timed(this.limits.budgetMs, () => context.callFunction(this.runFn!, this.runner!, ...args));
      for (const handle of owned) if (handle.alive && handle !== context.null) handle.dispose();
      if (result.error) {
        const error = this.describeError(result.error, 'runtime');
        result.error.dispose();
        // A call stopped for resources may leave the heap full or the stack odd: start the VM afresh.
        if (error.kind !== 'runtime') this.disposeVm();
        this.rollbackState();
        return this.failed(error, started);
      }
      const json = context.typeof(result.value) === 'string' ? context.getString(result.value) : '';
      result.value.dispose();
      if (json.length > this.limits.maxResultBytes) {
        this.rollbackState();
        return this.failed({ kind: 'result', message: `The script returned ${json.length} bytes of JSON; results are limited to ${this.limits.maxResultBytes}.` }, started);
      }
      const value = json === '' ? undefined : parseSafely(json);
      return {
        ok: true,
        value,
        logs: this.logs,
        droppedLogs: this.droppedLogs,
        publishes: this.publishes,
        stateChanges: [...this.stateChanges.keys()].map((key) => [key, this.state.get(key) ?? null] as const),
        micros: Math.round((performance.now() - started) * 1000),
      };
    } finally {
      this.current = null;
    }
  }

  /** The state as JSON strings, key to value. */
  stateEntries(): readonly (readonly [string, string])[] {
    return [...this.state];
  }

  dispose(): void {
    this.disposeVm();
  }

  private timed<T>(budgetMs: number, fn: () => T): T {
    this.clock.started(this.budget.begin(budgetMs));
    try {
      return fn();
    } finally {
      this.budget.end();
      this.clock.finished();
    }
  }

  private failed(error: ScriptError, started: number): EngineOutcome {
    return { ok: false, error, logs: this.logs, droppedLogs: this.droppedLogs, micros: Math.round((performance.now() - started) * 1000) };
  }

  private payloadBuffer(): ArrayBuffer {
    const payload = this.current?.payload ?? new Uint8Array(0);
    return payload.buffer.slice(payload.byteOffset, payload.byteOffset + payload.byteLength) as ArrayBuffer;
  }

  private onLog(level: ScriptLogLine['level'], line: string): void {
    if (this.logs.length >= this.limits.maxLogLines) {
      this.droppedLogs++;
      return;
    }
    this.logs.push({ level, text: line.length > this.limits.maxLogChars ? `${line.slice(0, this.limits.maxLogChars)}…` : line });
  }

  private onStateSet(key: string, json: string | null): QuickJSHandle | undefined {
    const context = this.context!;
    const before = this.state.get(key);
    const delta = (json === null ? 0 : key.length + json.length) - (before === undefined ? 0 : key.length + before.length);
    if (json !== null && this.stateBytes + delta > this.limits.maxStateBytes) {
      return context.newString(`state.set(${JSON.stringify(key.slice(0, 40))}): the state would hold ${this.stateBytes + delta} bytes of JSON; it is limited to ${this.limits.maxStateBytes}`);
    }
    if (!this.stateChanges.has(key)) this.stateChanges.set(key, before ?? null);
    this.stateBytes += delta;
    if (json === null) this.state.delete(key);
    else this.state.set(key, json);
    return undefined;
  }

  /** Undoes a failed call's state writes: a call takes effect whole or not at all. */
  private rollbackState(): void {
    if (this.stateChanges.size === 0) return;
    // stateChanges holds each changed key's value from before the call.
    for (const [key, before] of this.stateChanges) {
      const now = this.state.get(key);
      this.stateBytes -= now === undefined ? 0 : key.length + now.length;
      if (before === null) this.state.delete(key);
      else {
        this.state.set(key, before);
        this.stateBytes += key.length + before.length;
      }
    }
    this.stateChanges = new Map();
    // The VM's cache of the state is stale now; the next call reloads the VM with the restored state.
    this.disposeVm();
  }

  private onPublish(topic: string, kind: string, data: string, optionsJson: string): QuickJSHandle | undefined {
    const context = this.context!;
    const problem = this.publishProblem(topic);
    if (problem !== null) return context.newString(problem);
    let options: Record<string, unknown>;
    try {
      options = JSON.parse(optionsJson) as Record<string, unknown>;
    } catch {
      options = {};
    }
    const qos = options.qos ?? 0;
    if (qos !== 0 && qos !== 1 && qos !== 2) return context.newString(`publish(${JSON.stringify(topic)}): qos must be 0, 1 or 2`);
    const properties: { contentType?: string; responseTopic?: string; correlationData?: Uint8Array; userProperties?: Record<string, string> } = {};
    if (typeof options.contentType === 'string') properties.contentType = options.contentType;
    if (typeof options.responseTopic === 'string') {
      const check = checkTopicName(options.responseTopic);
      if (!check.ok) return context.newString(`publish(${JSON.stringify(topic)}): responseTopic: ${check.message}`);
      properties.responseTopic = options.responseTopic;
    }
    const correlation = options.correlationData as { kind?: string; data?: string } | undefined;
    if (correlation !== undefined) properties.correlationData = bodyBytes(String(correlation.kind), String(correlation.data));
    if (options.userProperties !== undefined) {
      if (typeof options.userProperties !== 'object' || options.userProperties === null) return context.newString(`publish(${JSON.stringify(topic)}): userProperties must be an object of strings`);
      properties.userProperties = Object.fromEntries(Object.entries(options.userProperties).map(([k, v]) => [k, String(v)]));
    }
    if (!this.takeToken()) {
      const rate = this.spec.publish?.perSecond ?? 0;
      return context.newString(`publish(${JSON.stringify(topic)}): the rate limit of ${rate} per second is reached; this message was not sent`);
    }
    this.publishes.push({
      topic,
      payload: bodyBytes(kind, data),
      qos,
      retain: options.retain === true,
      ...(Object.keys(properties).length > 0 ? { properties } : {}),
    });
    return undefined;
  }

  private publishProblem(topic: string): string | null {
    const permission = this.spec.publish;
    if (permission === undefined || permission.allow.length === 0) return `publish(${JSON.stringify(topic)}): this script may not publish (publishing is not enabled for it)`;
    const check = checkTopicName(topic);
    if (!check.ok) return `publish(${JSON.stringify(topic)}): ${check.message}`;
    if (!permission.allow.some((filter) => topicMatchesFilter(filter, topic))) {
      return `publish(${JSON.stringify(topic)}): this script may publish only to ${permission.allow.join(', ')}`;
    }
    return null;
  }

  private takeToken(): boolean {
    const permission = this.spec.publish;
    if (permission === undefined) return false;
    const now = Date.now();
    const burst = burstOf(permission);
    this.tokens.count = Math.min(burst, this.tokens.count + ((now - this.tokens.at) / 1000) * permission.perSecond);
    this.tokens.at = now;
    if (this.tokens.count < 1) return false;
    this.tokens.count -= 1;
    return true;
  }

  private describeError(handle: QuickJSHandle, fallback: 'syntax' | 'runtime'): ScriptError {
    let dumped: unknown;
    try {
      dumped = this.context!.dump(handle);
    } catch {
      dumped = { name: 'InternalError', message: 'out of memory' };
    }
    return scriptError(dumped, fallback, this.limits, this.budget.stoppedBy ?? 'wall');
  }

  private disposeVm(): void {
    for (const handle of [this.entry, this.runFn, this.runner]) if (handle !== null && handle.alive) handle.dispose();
    this.entry = null;
    this.runFn = null;
    this.runner = null;
    this.context?.dispose();
    this.context = null;
    this.runtime?.dispose();
    this.runtime = null;
  }
}

/**
 * Turns what QuickJS threw into the sentence the user sees, with the line and column in their source; `stop` says
 * which clock an interrupted call ran out of.
 */
export function scriptError(dumped: unknown, fallback: 'syntax' | 'runtime', limits: ScriptLimits, stop: BudgetStop = 'wall'): ScriptError {
  const error = typeof dumped === 'object' && dumped !== null ? (dumped as { name?: unknown; message?: unknown; stack?: unknown }) : null;
  const name = typeof error?.name === 'string' ? error.name : '';
  const thrownError = error !== null && typeof error.message === 'string';
  const text = thrownError ? (error.message as string) : `Uncaught ${describeThrown(dumped)}`;
  const where = locate(typeof error?.stack === 'string' ? error.stack : '');
  const at = where === null ? '' : ` (line ${where.line}, column ${where.column})`;
  const located = where === null ? {} : where;
  if (name === 'InternalError' && text === 'interrupted') {
    return { kind: 'timeout', message: `The script ${overrunText(stop, fallback === 'syntax' ? limits.loadBudgetMs : limits.budgetMs)} and was stopped${at}.`, ...located };
  }
  if (name === 'InternalError' && text === 'out of memory') {
    return { kind: 'memory', message: `The script needed more than its ${Math.round(limits.memoryBytes / 1024 / 1024)} MB memory limit and was stopped${at}.`, ...located };
  }
  if (text === 'stack overflow' || text === 'Maximum call stack size exceeded') {
    return { kind: 'stack', message: `The script recursed too deeply (stack overflow)${at}.`, ...located };
  }
  const kind = fallback === 'syntax' && name === 'SyntaxError' ? 'syntax' : 'runtime';
  return { kind, message: `${thrownError && name !== '' ? `${name}: ` : ''}${text}${at}`, ...located };
}

function describeThrown(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** The first place in the user's source a QuickJS stack names: `at f (script.js:3:8)` or `at script.js:3:8`. */
function locate(stack: string): { line: number; column: number } | null {
  const match = /script\.js:(\d+):(\d+)/.exec(stack);
  if (match === null) return null;
  const line = Number(match[1]) - WRAPPER_LINES;
  if (line < 1) return null;
  return { line, column: Number(match[2]) };
}

function burstOf(permission: PublishPermission | undefined): number {
  if (permission === undefined) return 0;
  return Math.max(1, permission.burst ?? permission.perSecond);
}

function bodyBytes(kind: string, data: string): Uint8Array {
  if (kind === 'hex') {
    const out = new Uint8Array(data.length >> 1);
    for (let i = 0; i < out.length; i++) out[i] = parseInt(data.substr(i * 2, 2), 16);
    return out;
  }
  return encoder.encode(data);
}

function propertiesJson(properties: NonNullable<ScriptMessage['properties']>): string {
  const { correlationData, ...rest } = properties;
  return JSON.stringify(correlationData === undefined ? rest : { ...rest, correlationData: Buffer.from(correlationData).toString('hex') });
}

/** Parses a script's JSON result, dropping `__proto__` keys so nothing the script returns can reach a prototype. */
function parseSafely(json: string): unknown {
  return JSON.parse(json, (key, value: unknown) => (key === '__proto__' ? undefined : value));
}
