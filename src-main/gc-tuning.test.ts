import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { transformSync } from 'esbuild';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

describe('preferShortGcPauses', () => {
  it('makes every young-generation collection after it run on the main thread alone', () => {
    // In a child process of its own (the flag is process-wide): the module as the hosts load it, then a churn of
    // short-lived objects, and V8's own trace of how each scavenge ran.
    const tuning = transformSync(readFileSync(join(__dirname, 'gc-tuning.ts'), 'utf8'), { loader: 'ts', format: 'cjs' }).code;
    const script = `
      const module = { exports: {} };
      new Function('module', 'exports', 'require', ${JSON.stringify(tuning)})(module, module.exports, require);
      module.exports.preferShortGcPauses();
      let keep = [];
      for (let i = 0; i < 3e6; i++) { keep.push({ i }); if (keep.length > 50000) keep = []; }
    `;
    const run = spawnSync(process.execPath, ['--trace-gc', '--trace-gc-nvp', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(run.status, run.stderr).toBe(0);
    const helpers = [...run.stdout.matchAll(/gc=s .*?background\.scavenge\.parallel=([0-9.]+)/g)].map((m) => Number(m[1]));
    expect(helpers.length).toBeGreaterThanOrEqual(10);
    expect(helpers.every((ms) => ms === 0)).toBe(true);
  });
});
