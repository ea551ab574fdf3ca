/** What a sandboxed script may use: its limits, what it is handed, and what a call gives back. */

/** Resource limits of one script; every call gets the full budget again. */
export interface ScriptLimits {
  /** The script's heap (its own QuickJS runtime). */
  readonly memoryBytes: number;
  /**
   * CPU time one call may take before it is interrupted: the time the worker thread actually ran, so a busy machine
   * that keeps the thread waiting does not use it up (call-budget.ts). Wall-clock time where the thread's CPU time
   * cannot be read (no /proc: macOS, Windows); and a call is stopped anyway after 20 times this in wall time.
   */
  readonly budgetMs: number;
  /** CPU time the script's first evaluation (compiling it) may take, counted as `budgetMs` is. */
  readonly loadBudgetMs: number;
  /**
   * QuickJS's stack (about 1,500 nested calls): well below the worker thread's own 4 MB, so deep
   * recursion fails inside the sandbox, and small enough that the failure fits in a call's budget.
   */
  readonly stackBytes: number;
  /** Log lines kept per call (more are counted, not kept). */
  readonly maxLogLines: number;
  /** Characters kept of one log line. */
  readonly maxLogChars: number;
  /** A call's returned value, as JSON. */
  readonly maxResultBytes: number;
  /** The key-value state, as JSON (keys plus values). */
  readonly maxStateBytes: number;
}

export const DEFAULT_SCRIPT_LIMITS: ScriptLimits = {
  memoryBytes: 32 * 1024 * 1024,
  budgetMs: 50,
  loadBudgetMs: 500,
  stackBytes: 256 * 1024,
  maxLogLines: 100,
  maxLogChars: 2000,
  maxResultBytes: 1024 * 1024,
  maxStateBytes: 64 * 1024,
};

/** Where a script may publish, decided by the host; a script without this may not publish at all. */
export interface PublishPermission {
  /** Topic filters (MQTT wildcards) the script may publish to. */
  readonly allow: readonly string[];
  /** Sustained publishes per second. */
  readonly perSecond: number;
  /** Publishes allowed at once before the rate applies; default perSecond. */
  readonly burst?: number;
}

/** A script to load: its source is the body of a function called once per message, with `msg` in scope. */
export interface ScriptSpec {
  /** Shown in errors and logs. */
  readonly name: string;
  readonly source: string;
  readonly limits?: Partial<ScriptLimits>;
  readonly publish?: PublishPermission;
  /** State to start from (e.g. kept from a previous load), key to JSON value. */
  readonly state?: Readonly<Record<string, unknown>>;
}

/** MQTT 5 properties a script can read. */
export interface ScriptMessageProperties {
  readonly contentType?: string;
  readonly responseTopic?: string;
  readonly correlationData?: Uint8Array;
  readonly payloadFormatIndicator?: boolean;
  readonly messageExpiryInterval?: number;
  readonly userProperties?: Readonly<Record<string, string | readonly string[]>>;
}

/** The message a script is called with. */
export interface ScriptMessage {
  readonly topic: string;
  readonly payload: Uint8Array;
  readonly qos: 0 | 1 | 2;
  readonly retain: boolean;
  readonly properties?: ScriptMessageProperties;
}

/** A message the script asked to publish (already checked against its permission and rate). */
export interface ScriptPublish {
  readonly topic: string;
  readonly payload: Uint8Array;
  readonly qos: 0 | 1 | 2;
  readonly retain: boolean;
  readonly properties?: {
    readonly contentType?: string;
    readonly responseTopic?: string;
    readonly correlationData?: Uint8Array;
    readonly userProperties?: Readonly<Record<string, string>>;
  };
}

/**
 * Why a script failed: `syntax` (it does not compile), `runtime` (it threw), `timeout` (past its
 * budget), `memory` (past its memory limit), `stack` (recursed too deeply), `result` (returned
 * something too big), `stopped` (its worker had to be stopped; it is restarted with its state).
 */
export type ScriptErrorKind = 'syntax' | 'runtime' | 'timeout' | 'memory' | 'stack' | 'result' | 'stopped';

export interface ScriptError {
  readonly kind: ScriptErrorKind;
  /** The sentence the user sees, with the line and column when known. */
  readonly message: string;
  /** In the user's source, 1-based. */
  readonly line?: number;
  readonly column?: number;
}

export interface ScriptLogLine {
  readonly level: 'log' | 'warn' | 'error';
  readonly text: string;
}

/** One call's outcome. A failed call's publishes are dropped: a response is sent whole or not at all. */
export type ScriptOutcome =
  | { readonly ok: true; readonly value: unknown; readonly logs: readonly ScriptLogLine[]; readonly droppedLogs: number; readonly publishes: readonly ScriptPublish[]; readonly micros: number }
  | { readonly ok: false; readonly error: ScriptError; readonly logs: readonly ScriptLogLine[]; readonly droppedLogs: number; readonly micros: number };

/** Resolves the limits of a spec, each clamped to something sane. */
export function resolveLimits(limits: Partial<ScriptLimits> | undefined): ScriptLimits {
  const merged = { ...DEFAULT_SCRIPT_LIMITS, ...limits };
  return {
    memoryBytes: clamp(merged.memoryBytes, 1024 * 1024, 1024 * 1024 * 1024),
    budgetMs: clamp(merged.budgetMs, 1, 60_000),
    loadBudgetMs: clamp(merged.loadBudgetMs, 1, 60_000),
    stackBytes: clamp(merged.stackBytes, 32 * 1024, 1024 * 1024),
    maxLogLines: clamp(merged.maxLogLines, 0, 10_000),
    maxLogChars: clamp(merged.maxLogChars, 1, 100_000),
    maxResultBytes: clamp(merged.maxResultBytes, 16, 64 * 1024 * 1024),
    maxStateBytes: clamp(merged.maxStateBytes, 0, 16 * 1024 * 1024),
  };
}

function clamp(value: number, min: number, max: number): number {
  return Number.isFinite(value) ? Math.min(max, Math.max(min, Math.floor(value))) : min;
}
