// Packages the app offline (`electron-builder --linux dir`) against a stand-in Electron and checks
// what went into app.asar. Run: `node scripts/package-check.mjs` (builds dist/ first if missing).
// It packages a snapshot of the project (dist/ copied, node_modules hard-linked) so a build that
// rewrites dist/ meanwhile cannot pull files out from under electron-builder.
// Offline because electron-builder fetches Electron from GitHub unless `electronDist` points at a
// local folder; the `dir` target needs no other download (AppImage and deb tools would).
import asar from '@electron/asar';
import yaml from 'js-yaml';
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  linkSync,
  readFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BUILD_OUTPUTS } from './start.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The built entries the packaged app cannot start without. */
export const REQUIRED_FILES = ['package.json', 'dist/main/electron-main.cjs', 'dist/main/preload.cjs', 'dist/renderer/index.html'];

/**
 * Files that must sit outside app.asar, in app.asar.unpacked: the history and script worker threads are
 * started from there and load libsql (and its native module) and QuickJS from there as plain Node would.
 */
export const UNPACKED_FILES = [
  'dist/main/history-worker.cjs',
  'node_modules/libsql/package.json',
  'node_modules/libsql/index.js',
  'node_modules/@neon-rs/load/package.json',
  'node_modules/detect-libc/package.json',
  'node_modules/@libsql/linux-x64-gnu/index.node',
  'dist/main/script-worker.cjs',
  'node_modules/quickjs-emscripten-core/package.json',
  'node_modules/@jitl/quickjs-wasmfile-release-sync/package.json',
];

/** Packages that are bundled into dist/ or only build and test the app: never shipped. */
export const FORBIDDEN_PACKAGES = [
  'react',
  'react-dom',
  'monaco-editor',
  '@monaco-editor/react',
  'zustand',
  'vite',
  'typescript',
  'playwright',
  '@playwright/test',
  'electron',
  'electron-builder',
  'esbuild',
  'vitest',
  'eslint',
  'aedes',
];

/** Builds dist/ when any entry the app runs from is missing. */
export function ensureBuilt() {
  if (BUILD_OUTPUTS.every((file) => existsSync(path.join(root, file)))) return;
  const build = spawnSync(process.execPath, [path.join(root, 'scripts/build.mjs')], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('BUILD_FAILED: scripts/build.mjs failed; run `npm run build` to see why.');
}

/** Where Electron's binary keeps its fuse wire: this marker, then a version byte, a length byte and one byte per fuse. */
export const FUSE_SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';

/** The fuses in wire order (@electron/fuses' FuseV1Options), with electron-builder's option names. */
export const FUSE_NAMES = [
  'runAsNode',
  'enableCookieEncryption',
  'enableNodeOptionsEnvironmentVariable',
  'enableNodeCliInspectArguments',
  'enableEmbeddedAsarIntegrityValidation',
  'onlyLoadAppFromAsar',
  'loadBrowserProcessSpecificV8Snapshot',
  'grantFileProtocolExtraPrivileges',
];

/** What the packaged app must have: no Node from outside, cookies encrypted, only a checked app.asar. */
export const REQUIRED_FUSES = {
  runAsNode: false,
  enableCookieEncryption: true,
  enableNodeOptionsEnvironmentVariable: false,
  enableNodeCliInspectArguments: false,
  enableEmbeddedAsarIntegrityValidation: true,
  onlyLoadAppFromAsar: true,
  grantFileProtocolExtraPrivileges: false,
};

/** Electron 45's fuse wire as shipped, before electron-builder flips it ('1' on, '0' off). */
const STOCK_FUSE_WIRE = '10110001';

/**
 * A folder electron-builder accepts as an unpacked Electron: it only copies it, so one
 * executable file named `electron` is enough. It carries a fuse wire like the real binary's, so
 * electron-builder flips the fuses in the packaged copy and the check can read them back.
 * @param {string} dir
 * @param {{ fuseWire?: boolean }} [options]
 */
export function writeStandInElectron(dir, { fuseWire = true } = {}) {
  mkdirSync(dir, { recursive: true });
  const binary = path.join(dir, 'electron');
  const wire = fuseWire ? `# ${FUSE_SENTINEL}\x01${String.fromCharCode(STOCK_FUSE_WIRE.length)}${STOCK_FUSE_WIRE}\n` : '';
  writeFileSync(binary, `#!/bin/sh\n${wire}echo "stand-in for the Electron binary; packaging check only" >&2\nexit 1\n`, 'latin1');
  chmodSync(binary, 0o755);
  return dir;
}

/**
 * The fuses set in an Electron binary, by name (true on, false off, 'removed'), or undefined
 * when the file holds no fuse wire.
 * @param {string} binaryPath
 * @returns {Record<string, boolean | 'removed'> | undefined}
 */
export function readFuses(binaryPath) {
  const bytes = readFileSync(binaryPath);
  const at = bytes.indexOf(FUSE_SENTINEL, 0, 'latin1');
  if (at < 0) return undefined;
  const position = at + FUSE_SENTINEL.length;
  if (bytes[position] !== 1) return undefined;
  const length = bytes[position + 1] ?? 0;
  /** @type {Record<string, boolean | 'removed'>} */
  const fuses = {};
  for (let i = 0; i < length && i < FUSE_NAMES.length; i++) {
    const state = bytes[position + 2 + i];
    fuses[FUSE_NAMES[i]] = state === 0x31 ? true : state === 0x72 ? 'removed' : false;
  }
  return fuses;
}

/**
 * Checks the fuses: in the packaged binary when it carries a fuse wire (the real Electron, or
 * this check's stand-in), otherwise in the electronFuses section electron-builder reads. Says which.
 * @param {{ binaryPath?: string, configPath?: string }} where
 * @returns {{ source: 'packaged binary' | 'electron-builder.yml', problems: string[] }}
 */
export function checkFuses({ binaryPath, configPath = path.join(root, 'electron-builder.yml') }) {
  const inBinary = binaryPath && existsSync(binaryPath) ? readFuses(binaryPath) : undefined;
  const source = inBinary ? 'packaged binary' : 'electron-builder.yml';
  const fuses = inBinary ?? (yaml.load(readFileSync(configPath, 'utf8'))?.electronFuses ?? {});
  const problems = [];
  for (const [name, wanted] of Object.entries(REQUIRED_FUSES)) {
    if (fuses[name] !== wanted) problems.push(`fuse ${name} is ${JSON.stringify(fuses[name] ?? 'not set')} in the ${source}; it must be ${wanted}`);
  }
  return { source, problems };
}

/** Mirrors a folder tree with hard links (fast, no extra space); copies where linking is refused. */
function linkTree(from, to) {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) linkTree(source, target);
    else if (entry.isSymbolicLink()) symlinkSync(readlinkSync(source), target);
    else {
      try {
        linkSync(source, target);
      } catch {
        copyFileSync(source, target);
      }
    }
  }
}

/**
 * Copies a build output folder once it holds every required file; a copy caught mid-rebuild
 * (another build emptying and refilling the folder) is waited for and taken again.
 * @param {string} from
 * @param {string} to
 * @param {readonly string[]} required paths relative to `from`
 * @param {number} [timeoutMs]
 */
export async function copyWhenComplete(from, to, required, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    rmSync(to, { recursive: true, force: true });
    try {
      cpSync(from, to, { recursive: true });
    } catch {
      // A file vanished while copying: the folder is being rebuilt.
    }
    if (required.every((file) => existsSync(path.join(to, file)))) return to;
    if (Date.now() > deadline) throw new Error(`DIST_INCOMPLETE: ${from} stayed incomplete; run \`npm run build\` and try again.`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/**
 * A private copy of what electron-builder reads: the manifest, lockfile, config, icons and dist/
 * copied, node_modules hard-linked (a symlink makes electron-builder lose transitive dependencies).
 * @param {string} stageDir
 * @param {{ timeoutMs?: number }} [options]
 */
export async function stageProject(stageDir, { timeoutMs = 60_000 } = {}) {
  mkdirSync(stageDir, { recursive: true });
  for (const file of ['package.json', 'package-lock.json', 'electron-builder.yml']) copyFileSync(path.join(root, file), path.join(stageDir, file));
  if (existsSync(path.join(root, 'assets'))) cpSync(path.join(root, 'assets'), path.join(stageDir, 'assets'), { recursive: true });
  await copyWhenComplete(path.join(root, 'dist'), path.join(stageDir, 'dist'), BUILD_OUTPUTS.map((file) => path.relative('dist', file)), timeoutMs);
  linkTree(path.join(root, 'node_modules'), path.join(stageDir, 'node_modules'));
  return stageDir;
}

/**
 * Runs electron-builder for Linux `dir` into outDir, offline, on a staged copy of the project.
 * @param {{ outDir: string, electronDist: string, projectDir?: string }} options
 * @returns {Promise<{ appDir: string, asarPath: string, log: string }>}
 */
export function packageApp({ outDir, electronDist, projectDir = root }) {
  const cli = path.join(root, 'node_modules/electron-builder/cli.js');
  const args = [
    cli,
    '--projectDir',
    projectDir,
    '--linux',
    'dir',
    '--x64',
    '--publish',
    'never',
    `-c.electronDist=${electronDist}`,
    `-c.directories.output=${outDir}`,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: projectDir, env: { ...process.env, CI: 'true' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    child.stdout.on('data', (chunk) => (log += chunk));
    child.stderr.on('data', (chunk) => (log += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) {
        reject(new Error(`PACKAGING_FAILED: electron-builder exited with ${code}; its output:\n${log}`));
        return;
      }
      const appDir = path.join(outDir, 'linux-unpacked');
      resolve({ appDir, asarPath: path.join(appDir, 'resources/app.asar'), binaryPath: path.join(appDir, 'topiary'), log });
    });
  });
}

/**
 * Lists app.asar (packed and unpacked entries) as relative paths with forward slashes.
 * @param {string} asarPath
 * @returns {string[]}
 */
export function listAsar(asarPath) {
  return asar.listPackage(asarPath, { isPack: false }).map((p) => p.replaceAll('\\', '/').replace(/^\//, ''));
}

/** The package name a node_modules path belongs to (the innermost one), or undefined. */
function packageOf(file) {
  const parts = file.split('/');
  const at = parts.lastIndexOf('node_modules');
  if (at < 0 || at + 1 >= parts.length) return undefined;
  const first = parts[at + 1];
  if (!first.startsWith('@')) return first;
  return parts[at + 2] ? `${first}/${parts[at + 2]}` : undefined;
}

/**
 * What is wrong with a packaged app.asar; an empty list means the layout is right.
 * @param {string} asarPath
 * @returns {{ files: string[], problems: string[] }}
 */
export function checkAppLayout(asarPath) {
  if (!existsSync(asarPath)) return { files: [], problems: [`${asarPath} does not exist`] };
  const files = listAsar(asarPath);
  const present = new Set(files);
  const problems = [];

  for (const file of REQUIRED_FILES) if (!present.has(file)) problems.push(`missing ${file}`);

  if (present.has('package.json')) {
    const manifest = JSON.parse(asar.extractFile(asarPath, 'package.json').toString('utf8'));
    const main = String(manifest.main ?? '').replace(/^\.\//, '');
    if (!present.has(main)) problems.push(`package.json "main" is "${manifest.main}", which is not in the asar`);
    for (const dependency of Object.keys(manifest.dependencies ?? {})) {
      if (!present.has(`node_modules/${dependency}/package.json`)) problems.push(`runtime dependency ${dependency} is missing`);
    }
    if (manifest.devDependencies) problems.push('package.json still lists devDependencies');
  }

  if (present.has('dist/renderer/index.html')) {
    const html = asar.extractFile(asarPath, 'dist/renderer/index.html').toString('utf8');
    if (!/http-equiv="Content-Security-Policy"/i.test(html)) problems.push('dist/renderer/index.html has no Content-Security-Policy');
  }

  for (const file of UNPACKED_FILES) {
    if (!present.has(file)) continue;
    const unpacked = /** @type {{ unpacked?: boolean }} */ (asar.statFile(asarPath, file)).unpacked === true;
    if (!unpacked) problems.push(`${file} is packed inside app.asar; it must be unpacked (asarUnpack) for the history worker`);
    else if (!existsSync(path.join(`${asarPath}.unpacked`, file))) problems.push(`${file} is marked unpacked but missing from app.asar.unpacked`);
  }
  for (const file of UNPACKED_FILES) if (!present.has(file)) problems.push(`missing ${file}`);

  const shipped = new Set(files.map(packageOf).filter((name) => name !== undefined));
  for (const name of FORBIDDEN_PACKAGES) if (shipped.has(name)) problems.push(`node_modules/${name} is shipped but belongs to the build, not the app`);
  for (const name of shipped) if (name.startsWith('@types/')) problems.push(`node_modules/${name} (type declarations) is shipped`);

  const offending = files.filter(
    (file) =>
      /\.map$/.test(file) ||
      /\.(test|spec)\.[^/]*$/.test(file) ||
      /\.[cm]?tsx?$/.test(file) ||
      /^(src-[^/]+|e2e|shared|scripts|bench|test-results|release)(\/|$)/.test(file),
  );
  for (const file of offending.slice(0, 20)) problems.push(`should not be shipped: ${file}`);
  if (offending.length > 20) problems.push(`… and ${offending.length - 20} more files that should not be shipped`);

  return { files, problems };
}

/**
 * Starts the packaged history worker from app.asar.unpacked in a plain Node process (no Electron, so no
 * asar support at all), opens a new store through it and reads its summary back: proof that the worker
 * and libsql's native module load from the packaged layout alone. Resolves to a list of problems.
 * @param {string} asarPath
 * @returns {Promise<string[]>}
 */
export function checkHistoryWorker(asarPath) {
  const workerFile = path.join(`${asarPath}.unpacked`, 'dist/main/history-worker.cjs');
  if (!existsSync(workerFile)) return Promise.resolve([`${workerFile} does not exist`]);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'topiary-packaged-worker-'));
  const script = `
    const { Worker } = require('node:worker_threads');
    const worker = new Worker(process.argv[1]);
    const fail = (why) => { console.log(JSON.stringify({ ok: false, why })); process.exit(0); };
    worker.on('error', (e) => fail(e.message));
    worker.on('message', (m) => {
      if (m.type === 'openFailed') fail(m.code + ': ' + m.message);
      else if (m.type === 'opened') worker.postMessage({ type: 'call', id: 1, method: 'ensureSource', args: ['check', 'check'] });
      else if (m.type === 'result' && m.id === 1) worker.postMessage({ type: 'call', id: 2, method: 'summary', args: [] });
      else if (m.type === 'result' && m.id === 2) { console.log(JSON.stringify({ ok: true, summary: m.value })); worker.postMessage({ type: 'call', id: 3, method: 'close', args: [] }); }
      else if (m.type === 'result' && m.id === 3) worker.terminate().then(() => process.exit(0));
      else if (m.type === 'error') fail(m.message);
    });
    worker.postMessage({ type: 'open', file: process.argv[2], pruneIntervalMs: 60000 });
    setTimeout(() => fail('no answer from the worker in 20 s'), 20000).unref();
  `;
  return new Promise((resolve) => {
    // Run from the temp folder, with no NODE_PATH: libsql can only come from app.asar.unpacked.
    const env = { ...process.env };
    delete env.NODE_PATH;
    const child = spawn(process.execPath, ['-e', script, workerFile, path.join(dir, 'history.db')], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (err += chunk));
    child.on('error', (error) => resolve([`cannot start node: ${error.message}`]));
    child.on('close', () => {
      rmSync(dir, { recursive: true, force: true });
      try {
        const answer = JSON.parse(out.trim().split('\n')[0] ?? '');
        if (!answer.ok) resolve([`the packaged history worker failed: ${answer.why}`]);
        else if (!Array.isArray(answer.summary?.sources) || !answer.summary.sources.some((s) => s.key === 'check')) resolve([`the packaged history worker answered oddly: ${out.trim()}`]);
        else resolve([]);
      } catch {
        resolve([`the packaged history worker did not answer: ${(err || out).trim().slice(0, 500)}`]);
      }
    });
  });
}

async function main() {
  ensureBuilt();
  const work = mkdtempSync(path.join(os.tmpdir(), 'topiary-package-'));
  try {
    const packaged = await packageApp({
      projectDir: await stageProject(path.join(work, 'project')),
      outDir: path.join(work, 'release'),
      electronDist: writeStandInElectron(path.join(work, 'electron')),
    });
    const layout = checkAppLayout(packaged.asarPath);
    const fuses = checkFuses({ binaryPath: packaged.binaryPath });
    const worker = await checkHistoryWorker(packaged.asarPath);
    const { files } = layout;
    const problems = [...layout.problems, ...fuses.problems, ...worker];
    if (worker.length === 0) console.log('the history worker starts from app.asar.unpacked under plain Node and opens a store with libsql.');
    console.log(`fuses checked in the ${fuses.source}${fuses.source === 'packaged binary' ? ' (the stand-in Electron carries a fuse wire, flipped by electron-builder)' : ''}: ${fuses.problems.length === 0 ? 'all as required' : `${fuses.problems.length} wrong`}.`);
    if (problems.length > 0) {
      console.error(`app.asar has ${problems.length} problem(s):\n  ${problems.join('\n  ')}`);
      process.exitCode = 1;
    } else {
      console.log(`app.asar is well formed: ${files.length} entries, no sources, maps, tests or build-only packages.`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  });
}
