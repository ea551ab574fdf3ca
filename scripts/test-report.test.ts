import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failedPlaywrightTests, firstLine, readVitestReport } from './test-report.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name: string) => path.join(root, 'node_modules/.bin', name);

// Real reports from real runs: a small project inside the repository (so `vitest` and `@playwright/test` resolve),
// with a passing test, a failing one and, for vitest, a file that cannot load.
let work: string;
beforeAll(() => {
  work = mkdtempSync(path.join(root, '.test-report-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

// Each run starts a test runner (Playwright's takes about 5 s idle, over 20 s on a loaded machine): a minute each.
describe('the summary of a test run', { timeout: 60_000 }, () => {
  it('names each failed vitest test and each file that could not load, with the first line of its error', () => {
    writeFileSync(path.join(work, 'vitest.config.mjs'), 'export default { test: { include: ["*.check.ts"] } };');
    writeFileSync(
      path.join(work, 'a.check.ts'),
      `import { describe, expect, it } from 'vitest';
       describe('numbers', () => {
         it('adds', () => expect(1 + 1).toBe(2));
         it('subtracts', () => expect(3 - 1).toBe(5));
       });`,
    );
    writeFileSync(path.join(work, 'b.check.ts'), `import './missing-module';`);
    const json = path.join(work, 'vitest.json');
    spawnSync(bin('vitest'), ['run', '--root', work, '--reporter=json', `--outputFile.json=${json}`], { encoding: 'utf8', env: { ...process.env, CI: 'true' } });
    const r = readVitestReport(JSON.parse(readFileSync(json, 'utf8')), 'vitest', work);
    expect(r).toMatchObject({ passed: 1, failed: 2 });
    expect(r.failedTests).toHaveLength(2);
    expect(r.failedTests).toContain('vitest: a.check.ts › numbers subtracts: AssertionError: expected 2 to be 5 // Object.is equality');
    expect(r.failedTests.find((t) => t.startsWith('vitest: b.check.ts: '))).toMatch(/missing-module/);
  });

  it('names each failed Playwright test with its describe block, and not one that passed on a retry', () => {
    writeFileSync(path.join(work, 'playwright.config.mjs'), 'export default { testMatch: /.*\\.pw\\.mjs/, retries: 1, reporter: "json" };');
    writeFileSync(
      path.join(work, 'c.pw.mjs'),
      `import { expect, test } from '@playwright/test';
       test.describe('the page', () => {
         test('passes', () => expect(1).toBe(1));
         test('fails', () => expect(1, 'one is not two').toBe(2));
         test('passes when retried', ({}, info) => expect(info.retry).toBe(1));
       });`,
    );
    const run = spawnSync(bin('playwright'), ['test', '--config', path.join(work, 'playwright.config.mjs')], {
      cwd: work,
      encoding: 'utf8',
      env: { ...process.env, CI: 'true' },
    });
    const failed = failedPlaywrightTests(JSON.parse(run.stdout));
    expect(failed).toEqual(['e2e: c.pw.mjs:4 › the page › fails: Error: one is not two']);
  });

  it('gives the first written line of an error without terminal colours, cut to 300 characters', () => {
    expect(firstLine('\n  \x1b[31mError: red\x1b[39m\nat somewhere')).toBe('Error: red');
    expect(firstLine(undefined)).toBe('');
    expect(firstLine('x'.repeat(400))).toHaveLength(300);
  });
});
