// Where each e2e test's time goes, to measure before cutting: hooks and fixtures (app start, context, page), navigation
// and each top-level step, in milliseconds, one JSON entry per test. Use beside the usual reporter:
//   PHASES_OUT=/tmp/phases.json npx playwright test --reporter=./e2e/support/phase-reporter.cjs,dot
const { writeFileSync } = require('node:fs');

class PhaseReporter {
  constructor() {
    this.rows = [];
  }

  onTestEnd(test, result) {
    const lines = [];
    const walk = (steps, depth) => {
      for (const step of steps) {
        if (depth < 2) lines.push(`${'  '.repeat(depth)}${step.duration}\t${step.category}\t${step.title.slice(0, 90)}`);
        walk(step.steps, depth + 1);
      }
    };
    walk(result.steps, 0);
    this.rows.push({ file: test.location.file, title: test.title, status: result.status, duration: result.duration, steps: lines });
  }

  onEnd() {
    writeFileSync(process.env.PHASES_OUT ?? 'e2e-phases.json', JSON.stringify(this.rows, null, 1));
  }
}

module.exports = PhaseReporter;
