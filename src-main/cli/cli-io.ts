import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { TopiaryError } from '../../shared/ipc/errors';

/** Bad usage: unknown flag, missing value, a value of the wrong form. Exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A subcommand: its help text and what it does with its arguments; resolves with the exit code. */
export interface Command {
  readonly help: string;
  run(argv: readonly string[], io: CliIo): Promise<number>;
}

/** Where a command reads and writes, and the Ctrl-C that stops it. */
export interface CliIo {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  /** Aborted on Ctrl-C (SIGINT) or SIGTERM. */
  readonly interrupted: AbortSignal;
  readonly env: NodeJS.ProcessEnv;
}

/** A command's flags asked for --help: the dispatcher prints that command's help and exits 0. */
export class HelpRequested extends Error {
  constructor() {
    super('help requested');
    this.name = 'HelpRequested';
  }
}

/** util.parseArgs with its errors turned into usage errors that name the flag; --help stops the command (HelpRequested). */
export function parseFlags<T extends NonNullable<ParseArgsConfig['options']>>(argv: readonly string[], options: T, allowPositionals = false) {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options, strict: true, allowPositionals });
  } catch (e) {
    const message = e instanceof Error ? e.message.replace(/\. To specify a positional argument.*$/s, '.') : String(e);
    throw new UsageError(message);
  }
  if ((parsed.values as Record<string, unknown>).help === true) throw new HelpRequested();
  return parsed;
}

/** A whole number within bounds, or a usage error naming the flag. */
export function intFlag(value: string | undefined, flag: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, not "${value}".`);
  }
  return n;
}

/**
 * Reads a JSON file a flag names (`what` says which: "config file", "rules file"), with a validation error that
 * says whether the file could not be read or did not parse.
 */
export function readJsonFile(file: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new TopiaryError('VALIDATION_ERROR', `The ${what} ${file} cannot be read; check the path.`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new TopiaryError('VALIDATION_ERROR', `The ${what} ${file} is not valid JSON: ${e instanceof Error ? e.message : String(e)}.`);
  }
}

export function qosFlag(value: string | undefined): 0 | 1 | 2 {
  if (value === undefined) return 0;
  if (value === '0' || value === '1' || value === '2') return Number(value) as 0 | 1 | 2;
  throw new UsageError(`QoS must be 0, 1 or 2, not "${value}".`);
}

/** One clear sentence for a failure, by its contract code. */
export function describeFailure(error: unknown): string {
  if (error instanceof TopiaryError) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}

/** Writes a progress line on a terminal only (to stderr, so piped output stays clean). */
export function progress(io: CliIo, text: string): void {
  if (io.stderr.isTTY) io.stderr.write(`\r\x1b[2K${text}`);
}

export function endProgress(io: CliIo): void {
  if (io.stderr.isTTY) io.stderr.write('\r\x1b[2K');
}

/** Resolves when the stream has flushed what was written (so Ctrl-C never loses printed lines). */
export function flushed(stream: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.write('')) resolve();
    else stream.once('drain', () => resolve());
  });
}
