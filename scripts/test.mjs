// Runs every test: typecheck, lint, the build, unit and integration tests (vitest, real brokers), and the
// end-to-end tests (Playwright in Debian's Chromium against web mode).
// Ends with one line: "N passed, N failed".
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { failedPlaywrightTests, readVitestReport } from './test-report.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const bin = (name) => path.join(root, 'node_modules/.bin', name);
const reports = mkdtempSync(path.join(os.tmpdir(), 'topiary-test-'));
const tally = { passed: 0, failed: 0, skipped: 0 };
/** Each failed test, by name, for the summary at the end. */
const failedTests = [];
const failures = [];

function which(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).status === 0;
}

function run(title, command, args, env = {}) {
  console.log(`\n=== ${title}`);
  const started = Date.now();
  const result = spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  console.log(`=== ${title}: ${result.status === 0 ? 'ok' : 'FAILED'} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  return result.status === 0;
}

/** The Debian packages the tests need that this machine lacks. */
function missingPackages() {
  const missing = [];
  if (!which('mosquitto') && !existsSync('/usr/sbin/mosquitto')) missing.push('mosquitto');
  if (!which('mosquitto_pub')) missing.push('mosquitto-clients');
  if (!existsSync(chromium)) missing.push('chromium');
  if (!which('openssl')) missing.push('openssl');
  // The OS keyring tests run gnome-keyring's Secret Service in a private D-Bus session.
  if (!which('dbus-run-session')) missing.push('dbus-daemon');
  if (!which('gnome-keyring-daemon')) missing.push('gnome-keyring');
  return missing;
}

/** How this process may run apt-get: directly as root, through sudo when it needs no password, or not at all. */
function aptRunner() {
  if (!which('apt-get')) return undefined;
  if (process.getuid?.() === 0) return [];
  if (which('sudo') && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0) return ['sudo', '-n'];
  return undefined;
}

/** Installs what is missing where it can (saying what), so `npm test` alone works on a fresh Debian machine. */
function installMissing(missing) {
  const prefix = aptRunner();
  if (prefix === undefined) return false;
  console.log(`Installing the Debian packages the tests need: ${missing.join(' ')}`);
  const apt = (args) => {
    const [command, ...rest] = [...prefix, 'apt-get', ...args];
    // No prompts and no stdin: this runs in CI too.
    return spawnSync(command, rest, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status === 0;
  };
  return apt(['update', '-qq']) && apt(['install', '-y', '-qq', ...missing]);
}

let missing = missingPackages();
if (missing.length > 0 && installMissing(missing)) missing = missingPackages();
if (missing.length > 0) {
  console.error(`Missing: ${missing.join(', ')}. Install them with: sudo apt-get install -y ${missing.join(' ')}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}
// mosquitto lives in /usr/sbin, which a non-root PATH may lack.
process.env.PATH = `${process.env.PATH}:/usr/sbin`;

/**
 * Steps that are not test runners (each counts as one test) and use one core each (tsc, eslint), two at a time: on the 2-core build machines the static checks take about
 * half as long. Each step's output is printed whole when it ends, so two steps' lines never mix.
 */
async function checkTwoAtATime(steps) {
  const queue = [...steps];
  const lane = async () => {
    for (let step = queue.shift(); step !== undefined; step = queue.shift()) {
      const [title, command, args] = step;
      const started = Date.now();
      const child = spawn(command, args, { env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
      const output = [];
      child.stdout.on('data', (chunk) => output.push(chunk));
      child.stderr.on('data', (chunk) => output.push(chunk));
      const status = await new Promise((resolve) => {
        child.on('error', (error) => {
          output.push(Buffer.from(`${error.message}\n`));
          resolve(1);
        });
        child.on('close', (code) => resolve(code));
      });
      console.log(`\n=== ${title}`);
      process.stdout.write(Buffer.concat(output));
      console.log(`=== ${title}: ${status === 0 ? 'ok' : 'FAILED'} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
      if (status === 0) tally.passed++;
      else {
        tally.failed++;
        failures.push(title);
      }
    }
  };
  await Promise.all([lane(), lane()]);
}

await checkTwoAtATime([
  ['typecheck main', bin('tsc'), ['-p', 'src-main']],
  ['typecheck renderer', bin('tsc'), ['-p', 'src-renderer']],
  ['lint', bin('eslint'), ['.', '--max-warnings', '1000']],
  ['typecheck bench', bin('tsc'), ['-p', 'bench']],
  ['typecheck e2e', bin('tsc'), ['-p', 'e2e']],
  ['typecheck', bin('tsc'), ['-p', 'shared']],
]);

/** Adds a vitest JSON report to the tally; a missing report counts as one failure. */
function countVitest(file, label) {
  if (!existsSync(file)) {
    tally.failed++;
    failures.push(`${label} (no report)`);
    return;
  }
  const r = readVitestReport(JSON.parse(readFileSync(file, 'utf8')), label);
  tally.passed += r.passed;
  tally.failed += r.failed;
  tally.skipped += r.skipped;
  if (r.failed > 0) failures.push(label);
  failedTests.push(...r.failedTests);
}

// The app is built before the unit tests: a fresh clone has only dist/lib, and two test files that need the rest
// (packaging, start) would each build it while other files run the CLI from dist/lib.
const built = run('build', process.execPath, ['scripts/build.mjs']);
if (built) tally.passed++;
else {
  tally.failed++;
  failures.push('build');
}

const vitestJson = path.join(reports, 'vitest.json');
run('unit and integration tests', bin('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${vitestJson}`]);
countVitest(vitestJson, 'vitest');

// The broker conformance suite again, against Debian's mosquitto, to show where the two agree
// (src-main/core/broker/conformance/DIFFERENCES.md lists where they don't).
const mosquittoJson = path.join(reports, 'conformance-mosquitto.json');
run('broker conformance suite against mosquitto', bin('vitest'), ['run', 'src-main/core/broker/conformance/', '--reporter=dot', '--reporter=json', `--outputFile.json=${mosquittoJson}`], {
  TOPIARY_CONFORMANCE_TARGET: 'mosquitto',
});
countVitest(mosquittoJson, 'conformance against mosquitto');

if (built) {
  const playwrightJson = path.join(reports, 'playwright.json');
  run('end-to-end tests', bin('playwright'), ['test'], { PLAYWRIGHT_JSON: playwrightJson });
  if (existsSync(playwrightJson)) {
    const report = JSON.parse(readFileSync(playwrightJson, 'utf8'));
    const s = report.stats;
    tally.passed += s.expected + s.flaky;
    tally.failed += s.unexpected;
    tally.skipped += s.skipped;
    if (s.unexpected > 0) failures.push('e2e');
    failedTests.push(...failedPlaywrightTests(report));
  } else {
    tally.failed++;
    failures.push('e2e (no report)');
  }
}

rmSync(reports, { recursive: true, force: true });
if (failedTests.length > 0) console.log(`\nFailed tests:\n${failedTests.map((t) => `  ✗ ${t}`).join('\n')}`);
if (failures.length > 0) console.log(`\nFailed: ${failures.join(', ')}`);
console.log(`\n${tally.passed} passed, ${tally.failed} failed${tally.skipped ? `, ${tally.skipped} skipped` : ''}`);
process.exit(tally.failed > 0 ? 1 : 0);
