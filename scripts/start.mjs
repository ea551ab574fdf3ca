// `npm start`: builds when dist/ is missing or older than the sources, then opens the desktop app,
// or web mode where Electron cannot run (no binary, no display). Arguments after `--` pass through,
// e.g. `npm start -- --port 8080`. Own flags: `--web` (always web mode), `--no-build` (skip the build check).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** What the build reads: a change under any of these makes dist/ stale. */
export const SOURCE_PATHS = ['shared', 'src-main', 'src-renderer', 'scripts/build.mjs', 'vite.renderer.config.mts', 'package.json'];

/** What the app runs from: all must exist and be newer than every source. */
export const BUILD_OUTPUTS = ['dist/main/electron-main.cjs', 'dist/main/preload.cjs', 'dist/main/web.cjs', 'dist/renderer/index.html'];

/**
 * Decides how to launch from facts about this machine.
 * @param {{
 *   platform: NodeJS.Platform,
 *   env: Readonly<Record<string, string | undefined>>,
 *   electron: { readonly path: string, readonly exists: boolean } | { readonly error: string },
 *   forceWeb?: boolean,
 * }} facts
 * @returns {{ mode: 'electron', binary: string } | { mode: 'web', notice: string }} `notice` is the one line to print.
 */
export function chooseLaunchMode(facts) {
  if (facts.forceWeb) return { mode: 'web', notice: 'topiary: starting web mode (--web).' };
  const fallback = (why) => ({ mode: 'web', notice: `topiary: the desktop app cannot open here: ${why}; starting web mode instead.` });
  if ('error' in facts.electron) return fallback(`no Electron binary (${facts.electron.error})`);
  if (!facts.electron.exists) return fallback(`the Electron binary is missing at ${facts.electron.path}`);
  const hasDisplay = Boolean(facts.env.DISPLAY) || Boolean(facts.env.WAYLAND_DISPLAY);
  if (facts.platform === 'linux' && !hasDisplay) return fallback('there is no display (neither DISPLAY nor WAYLAND_DISPLAY is set)');
  return { mode: 'electron', binary: facts.electron.path };
}

/**
 * Whether dist/ must be rebuilt: an output is missing or older than the newest source.
 * @param {{ outputMtimes: ReadonlyArray<number | undefined>, newestSourceMtime: number }} facts
 * @returns {boolean}
 */
export function needsBuild({ outputMtimes, newestSourceMtime }) {
  if (outputMtimes.length === 0) return true;
  let oldest = Infinity;
  for (const mtime of outputMtimes) {
    if (mtime === undefined) return true;
    oldest = Math.min(oldest, mtime);
  }
  return oldest < newestSourceMtime;
}

/**
 * The newest modification time under the given files and folders (test files and node_modules do not count).
 * @param {readonly string[]} paths
 * @returns {number}
 */
export function newestMtime(paths) {
  let newest = 0;
  const visit = (p) => {
    let stat;
    try {
      stat = statSync(p);
    } catch {
      return;
    }
    if (!stat.isDirectory()) {
      if (!/\.(test|spec)\.[cm]?[jt]sx?$/.test(p)) newest = Math.max(newest, stat.mtimeMs);
      return;
    }
    for (const entry of readdirSync(p)) {
      if (entry !== 'node_modules' && !entry.startsWith('.')) visit(path.join(p, entry));
    }
  };
  for (const p of paths) visit(p);
  return newest;
}

/**
 * Where the Electron binary is, or why it cannot be found. Reads what the electron package records
 * instead of requiring it: its main export tries to download the binary, which hangs offline.
 * @param {Readonly<Record<string, string | undefined>>} env
 * @returns {{ path: string, exists: boolean } | { error: string }}
 */
export function locateElectron(env = process.env) {
  let packageDir;
  try {
    packageDir = path.dirname(createRequire(path.join(root, 'package.json')).resolve('electron/package.json'));
  } catch {
    return { error: 'the electron package is not installed' };
  }
  const pathFile = path.join(packageDir, 'path.txt');
  const executable = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : undefined;
  if (env.ELECTRON_OVERRIDE_DIST_PATH) {
    const binary = path.join(env.ELECTRON_OVERRIDE_DIST_PATH, executable || 'electron');
    return { path: binary, exists: existsSync(binary) };
  }
  if (!executable) return { error: 'the electron package was installed without its binary' };
  const binary = path.join(packageDir, 'dist', executable);
  return { path: binary, exists: existsSync(binary) };
}

/**
 * Splits our own flags from the ones passed to the app.
 * @param {readonly string[]} argv
 * @returns {{ forceWeb: boolean, skipBuild: boolean, passThrough: string[] }}
 */
export function parseStartArgs(argv) {
  const passThrough = argv.filter((arg) => arg !== '--web' && arg !== '--no-build' && arg !== '--');
  return { forceWeb: argv.includes('--web'), skipBuild: argv.includes('--no-build'), passThrough };
}

function run(command, args) {
  const child = spawn(command, args, { cwd: root, stdio: 'inherit' });
  const forward = (signal) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  child.on('exit', (code, signal) => {
    process.exitCode = code ?? (signal ? 1 : 0);
    process.off('SIGINT', forward);
    process.off('SIGTERM', forward);
  });
  child.on('error', (error) => {
    console.error(`topiary: could not start ${command}: ${error.message}`);
    process.exitCode = 1;
  });
}

function main() {
  const { forceWeb, skipBuild, passThrough } = parseStartArgs(process.argv.slice(2));
  if (!skipBuild) {
    const outputMtimes = BUILD_OUTPUTS.map((file) => (existsSync(path.join(root, file)) ? statSync(path.join(root, file)).mtimeMs : undefined));
    const newestSourceMtime = newestMtime(SOURCE_PATHS.map((p) => path.join(root, p)));
    if (needsBuild({ outputMtimes, newestSourceMtime })) {
      const build = spawnSync(process.execPath, [path.join(root, 'scripts/build.mjs')], { cwd: root, stdio: 'inherit' });
      if (build.status !== 0) {
        console.error('topiary: the build failed (see above); fix it, then run npm start again.');
        process.exit(build.status ?? 1);
      }
    }
  }
  const launch = chooseLaunchMode({ platform: process.platform, env: process.env, electron: locateElectron(), forceWeb });
  if (launch.mode === 'electron') {
    run(launch.binary, [root, ...passThrough]);
  } else {
    console.log(launch.notice);
    run(process.execPath, [path.join(root, 'dist/main/web.cjs'), ...passThrough]);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) main();
