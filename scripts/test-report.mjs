// Reads the JSON reports of vitest and Playwright for scripts/test.mjs: the counts, and each failed test by name
// with the first line of its error, so the tail of a CI log says what failed, not only where.
import path from 'node:path';

/** The counts of a vitest JSON report, and its failed tests as `label: file › test: first line of the error`. */
export function readVitestReport(report, label, root = process.cwd()) {
  // A file that fails to load, or whose beforeAll throws, fails with no failed test of its own (its tests show as
  // skipped): it counts as a failure.
  const failedTests = [];
  let broken = 0;
  for (const f of report.testResults) {
    const file = path.relative(root, f.name);
    const failed = f.assertionResults.filter((a) => a.status === 'failed');
    if (f.status === 'failed' && failed.length === 0) {
      broken++;
      failedTests.push(`${label}: ${file}: ${firstLine(f.message)}`);
    }
    for (const a of failed) failedTests.push(`${label}: ${file} › ${a.fullName}: ${firstLine(a.failureMessages?.[0])}`);
  }
  return {
    passed: report.numPassedTests,
    failed: report.numFailedTests + broken,
    skipped: report.numPendingTests + report.numTodoTests,
    failedTests,
  };
}

/** The failed (not flaky) tests of a Playwright JSON report, as `e2e: file:line › describe › test: first line`. */
export function failedPlaywrightTests(report) {
  const out = [];
  const walk = (suite, titles) => {
    for (const spec of suite.specs ?? []) {
      for (const t of spec.tests ?? []) {
        if (t.status !== 'unexpected') continue;
        out.push(`e2e: ${spec.file}:${spec.line} › ${[...titles, spec.title].join(' › ')}: ${firstLine(t.results?.at(-1)?.error?.message)}`);
      }
    }
    // A file's own suite is titled with its path, which the spec already names.
    for (const s of suite.suites ?? []) walk(s, s.title && s.title !== s.file ? [...titles, s.title] : titles);
  };
  for (const s of report.suites ?? []) walk(s, []);
  return out;
}

/** The first non-blank line of an error, without terminal colours, at most 300 characters. */
export function firstLine(text) {
  const plain = String(text ?? '').replace(/\x1b\[[0-9;]*m/g, '');
  return plain.split('\n').find((l) => l.trim() !== '')?.trim().slice(0, 300) ?? '';
}
