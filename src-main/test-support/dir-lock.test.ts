import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withDirLock } from './dir-lock';

let dir: string;
let lock: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'topiary-dir-lock-'));
  lock = path.join(dir, '.build-lock');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The pid of a process that has ended. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '']);
  expect(child.status).toBe(0);
  return child.pid;
}

/** Whether a task runs under the lock within 30 s. */
async function runsUnder(lockDir: string): Promise<boolean> {
  let ran = false;
  await withDirLock(
    lockDir,
    () => {
      ran = true;
    },
    { timeoutMs: 30_000 },
  );
  return ran;
}

describe('the build lock folder', () => {
  it('names its owner while held and is gone afterwards', async () => {
    let owner = '';
    await withDirLock(lock, () => {
      owner = readFileSync(path.join(lock, 'owner-pid'), 'utf8');
    });
    expect(owner).toBe(String(process.pid));
    expect(existsSync(lock)).toBe(false);
  });

  it('is released when the work throws', async () => {
    await expect(
      withDirLock(lock, () => {
        throw new Error('build failed');
      }),
    ).rejects.toThrow('build failed');
    expect(existsSync(lock)).toBe(false);
  });

  it('lets one holder in at a time', async () => {
    let holders = 0;
    let most = 0;
    const order: number[] = [];
    await Promise.all(
      [1, 2, 3].map((n) =>
        withDirLock(lock, async () => {
          holders++;
          most = Math.max(most, holders);
          await new Promise((r) => setImmediate(r));
          order.push(n);
          holders--;
        }),
      ),
    );
    expect(most).toBe(1);
    expect(order.sort()).toEqual([1, 2, 3]);
  });

  it('takes over at once a lock left by a process that is gone (a test run killed part-way)', async () => {
    mkdirSync(lock);
    writeFileSync(path.join(lock, 'owner-pid'), String(deadPid()));
    // Well within the default wait of 120 s: the dead owner is noticed at the first look.
    expect(await runsUnder(lock)).toBe(true);
    expect(existsSync(lock)).toBe(false);
  });

  it('takes over an old lock folder that names no owner (left by an older version), but not a fresh one', async () => {
    mkdirSync(lock);
    // Fresh and ownerless: its owner may be between mkdir and writing its pid, so it waits.
    await expect(withDirLock(lock, () => undefined, { timeoutMs: 200 })).rejects.toThrow(/Timed out after 200 ms waiting for the lock .*held by process unknown/);
    const old = new Date(Date.now() - 60_000);
    utimesSync(lock, old, old);
    expect(await runsUnder(lock)).toBe(true);
  });

  it('waits for a lock whose owner is still running, and names it', async () => {
    const owner = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
    owner.on('error', () => undefined);
    try {
      expect(owner.pid).toBeGreaterThan(0);
      mkdirSync(lock);
      writeFileSync(path.join(lock, 'owner-pid'), String(owner.pid));
      await expect(withDirLock(lock, () => undefined, { timeoutMs: 300 })).rejects.toThrow(`held by process ${owner.pid}`);
      // Its folder is untouched: nobody took a live owner's lock.
      expect(readFileSync(path.join(lock, 'owner-pid'), 'utf8')).toBe(String(owner.pid));
    } finally {
      owner.kill();
    }
  });
});
