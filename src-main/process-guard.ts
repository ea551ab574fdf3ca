/** Where the guard reports what it caught; console.error by default. */
export type GuardLog = (line: string) => void;

export interface ProcessGuard {
  /** How many errors reached the process unhandled since the guard went in. */
  readonly caught: () => number;
  uninstall(): void;
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  return String(error);
}

/**
 * Keeps a long-running server process (web mode, the headless broker) alive through an error
 * nobody handled: it is logged, with its stack, and the process carries on serving. Every
 * socket and stream still gets its own handler; this is the net under them, so one peer's
 * misbehaviour can never take down the core and the embedded broker with it.
 */
export function installProcessGuard(name: string, log: GuardLog = (line) => console.error(line)): ProcessGuard {
  let caught = 0;
  const report = (kind: string, error: unknown): void => {
    caught++;
    try {
      log(`${name}: ${kind} (logged; still running): ${describe(error)}`);
    } catch {
      // A broken log (a closed stderr) must not turn into the very crash this guards against.
    }
  };
  const onException = (error: Error): void => report('unhandled error', error);
  const onRejection = (reason: unknown): void => report('unhandled promise rejection', reason);
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  return {
    caught: () => caught,
    uninstall() {
      process.off('uncaughtException', onException);
      process.off('unhandledRejection', onRejection);
    },
  };
}
