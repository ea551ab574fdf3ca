import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { transformSync } from 'esbuild';
import { describe, expect, it } from 'vitest';

/** Runs `churn` in a child Node (the flags are process-wide) after loading gc-tuning.ts as the hosts do and, when `tune`, calling it. */
function runChild(tune: boolean, flags: readonly string[], churn: string): { stdout: string; stderr: string; status: number | null } {
  const tuning = transformSync(readFileSync(join(__dirname, 'gc-tuning.ts'), 'utf8'), { loader: 'ts', format: 'cjs' }).code;
  const script = `
    const module = { exports: {} };
    new Function('module', 'exports', 'require', ${JSON.stringify(tuning)})(module, module.exports, require);
    if (${tune}) module.exports.preferShortGcPauses();
    ${churn}
  `;
  return spawnSync(process.execPath, [...flags, '-e', script], { encoding: 'utf8', timeout: 60_000 });
}

describe('preferShortGcPauses', () => {
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
