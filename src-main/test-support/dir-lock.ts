import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { waitFor } from './wait-for';

/** The file inside a lock folder that names the process holding it. */
const OWNER_FILE = 'owner-pid';
/** A lock folder without an owner file (its owner died between mkdir and writing the file, or an older version made it) is stale after this long. */
const OWNERLESS_STALE_MS = 10_000;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function ageMs(dir: string): number {
  try {
    return Date.now() - statSync(dir).mtimeMs;
  } catch {
    return 0;
  }
}

/** Why the lock folder may be taken over, or undefined while its holder may still be running. */
function staleReason(lock: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(path.join(lock, OWNER_FILE), 'utf8');
  } catch {
    return ageMs(lock) > OWNERLESS_STALE_MS ? `it names no owner and is ${Math.round(ageMs(lock) / 1000)} s old` : undefined;
  }
  const pid = Number(text.trim());
  if (!Number.isInteger(pid) || pid <= 0) return ageMs(lock) > OWNERLESS_STALE_MS ? `its owner file holds "${text.trim()}"` : undefined;
  return isAlive(pid) ? undefined : `its owner, process ${pid}, is gone`;
}

/** Takes a lock left by a process that is gone; only one taker at a time, so none removes a lock another has just taken. */
function takeOverIfStale(lock: string): void {
  if (staleReason(lock) === undefined) return;
  const mutex = `${lock}.takeover`;
  try {
    mkdirSync(mutex);
  } catch {
    // Another taker is at work; a taker killed in these few lines leaves its mutex, cleared once it is plainly old.
    if (ageMs(mutex) > OWNERLESS_STALE_MS) rmSync(mutex, { recursive: true, force: true });
    return;
  }
  try {
    // Checked again under the mutex: the lock seen stale may since have been taken over and taken afresh.
    if (staleReason(lock) !== undefined) rmSync(lock, { recursive: true, force: true });
  } finally {
    rmSync(mutex, { recursive: true, force: true });
  }
}

/**
 * Runs `work` while holding a lock folder (mkdir is atomic), so two test processes never do it at once. The folder
 * names its owner's pid: a run killed part-way leaves the folder behind, and the next run takes it over at once
 * instead of waiting out the timeout.
 */
export async function withDirLock(lock: string, work: () => void | Promise<void>, { timeoutMs = 120_000 }: { readonly timeoutMs?: number } = {}): Promise<void> {
  mkdirSync(path.dirname(lock), { recursive: true });
  await waitFor(
    () => {
      try {
        mkdirSync(lock);
      } catch {
        takeOverIfStale(lock);
        return false;
      }
      writeFileSync(path.join(lock, OWNER_FILE), String(process.pid));
      return true;
    },
    { timeoutMs, what: () => `the lock ${lock} (held by process ${ownerOf(lock)})` },
  );
  try {
    await work();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function ownerOf(lock: string): string {
  try {
    return readFileSync(path.join(lock, OWNER_FILE), 'utf8').trim();
  } catch {
    return 'unknown';
  }
}
