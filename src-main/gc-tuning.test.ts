import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { transformSync } from 'esbuild';
import { describe, expect, it } from 'vitest';

/**
 * Runs `churn` in a child Node (the flags are process-wide) after loading gc-tuning.ts as the hosts do and, when `tune`,
 * calling it (with `tune` as its options when it is an object).
 */
function runChild(
  tune: boolean | { readonly roomyBelowBytes: number },
  flags: readonly string[],
  churn: string,
  gcTuningEnv?: string,
): { stdout: string; stderr: string; status: number | null } {
  const tuning = transformSync(readFileSync(join(__dirname, 'gc-tuning.ts'), 'utf8'), { loader: 'ts', format: 'cjs' }).code;
  const script = `
    const module = { exports: {} };
    new Function('module', 'exports', 'require', ${JSON.stringify(tuning)})(module, module.exports, require);
    if (${tune !== false}) module.exports.preferShortGcPauses(${typeof tune === 'object' ? JSON.stringify(tune) : ''});
    ${churn}
  `;
  const { TOPIARY_GC_TUNING: _, ...env } = process.env;
  return spawnSync(process.execPath, [...flags, '-e', script], { encoding: 'utf8', timeout: 60_000, env: gcTuningEnv === undefined ? env : { ...env, TOPIARY_GC_TUNING: gcTuningEnv } });
}

/** The growth factor V8 used for each new old-generation limit (`--trace-gc-verbose`'s "[HeapController] Limit" lines). */
function growthFactors(stdout: string): number[] {
  return [...stdout.matchAll(/\[HeapController\] Limit: .*\(([0-9.]+)\)/g)].map((m) => Number(m[1]));
}

// A ring of 200,000 live objects replaced in turn: about five full collections with a live heap of about 60 MB. With a
// 128 MB heap V8's own growth factor stays at 1.3 or below, so a factor of 4.0 can only be the tuning's.
const RING = 'const last = new Array(200000); for (let n = 0; n < 6e5; n++) last[n % 200000] = { n, payload: Buffer.alloc(10), t: "x" + n };';
// The same in turns of the event loop, as a server works (the tuning judges the heap between turns).
const RING_IN_TURNS =
  'const last = new Array(200000); let n = 0; const turn = () => { for (const end = n + 50000; n < end; n++) last[n % 200000] = { n, payload: Buffer.alloc(10), t: "x" + n }; if (n < 2e6) setImmediate(turn); }; turn();';

// Each test runs one or two child processes of a few seconds each, synchronously: on a loaded machine that can take
// several times as long, so these tests have a minute each.
describe('preferShortGcPauses', { timeout: 60_000 }, () => {
  it('lets a small heap grow fourfold between full collections, where V8 alone would grow it less', () => {
    const untuned = runChild(false, ['--max-old-space-size=128', '--trace-gc-verbose'], RING);
    expect(untuned.status, untuned.stderr).toBe(0);
    const own = growthFactors(untuned.stdout);
    expect(own.length).toBeGreaterThanOrEqual(2);
    expect(own.every((f) => f < 4)).toBe(true);
    const tuned = runChild(true, ['--max-old-space-size=128', '--trace-gc-verbose'], RING);
    expect(tuned.status, tuned.stderr).toBe(0);
    const roomy = growthFactors(tuned.stdout);
    expect(roomy.length).toBeGreaterThanOrEqual(2);
    expect(roomy.every((f) => f === 4)).toBe(true);
  });

  it('leaves V8 its own choices when TOPIARY_GC_TUNING=off', () => {
    const off = runChild(true, ['--max-old-space-size=128', '--trace-gc-verbose'], RING, 'off');
    expect(off.status, off.stderr).toBe(0);
    const factors = growthFactors(off.stdout);
    expect(factors.length).toBeGreaterThanOrEqual(2);
    expect(factors.every((f) => f < 4)).toBe(true);
  });

  it('hands the choice back to V8 once the live heap is past the threshold', () => {
    // A 16 MB threshold, passed by the ring's 60 MB: the first full collection still has the room, the later ones not.
    const run = runChild({ roomyBelowBytes: 16 * 1024 * 1024 }, ['--max-old-space-size=128', '--trace-gc-verbose'], RING_IN_TURNS);
    expect(run.status, run.stderr).toBe(0);
    const factors = growthFactors(run.stdout);
    expect(factors[0]).toBe(4);
    expect(factors.length).toBeGreaterThanOrEqual(3);
    expect(factors.at(-1)).toBeLessThan(4);
  });

  it('makes every young-generation collection after it run on the main thread alone', () => {
    const run = runChild(true, ['--trace-gc', '--trace-gc-nvp'], 'let keep = []; for (let i = 0; i < 3e6; i++) { keep.push({ i }); if (keep.length > 50000) keep = []; }');
    expect(run.status, run.stderr).toBe(0);
    const helpers = [...run.stdout.matchAll(/gc=s .*?background\.scavenge\.parallel=([0-9.]+)/g)].map((m) => Number(m[1]));
    expect(helpers.length).toBeGreaterThanOrEqual(10);
    expect(helpers.every((ms) => ms === 0)).toBe(true);
  });

  it('stops V8 from moving allocation sites whose objects survive into the old generation', () => {
    // Objects from one site that all survive: V8 would decide to pretenure the site, and says so with this flag.
    const keepAll = 'const keep = []; const make = (i) => ({ i, b: { c: i } }); for (let i = 0; i < 2e6; i++) keep.push(make(i));';
    const untuned = runChild(false, ['--trace-pretenuring-statistics'], keepAll);
    expect(untuned.stdout).toMatch(/pretenuring: AllocationSite/);
    const tuned = runChild(true, ['--trace-pretenuring-statistics'], keepAll);
    expect(tuned.status, tuned.stderr).toBe(0);
    expect(tuned.stdout).not.toMatch(/pretenuring: AllocationSite/);
  });
});
