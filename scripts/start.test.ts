import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { withBuildLock } from '../src-main/test-support/built-cli';
import { freePort } from '../src-main/test-support/free-port';
import { waitFor } from '../src-main/test-support/wait-for';
import { copyWhenComplete, ensureBuilt } from './package-check.mjs';
import { chooseLaunchMode, locateElectron, needsBuild, newestMtime, parseStartArgs } from './start.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const installed = { path: '/opt/electron/electron', exists: true } as const;

let work: string;
beforeAll(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'topiary-start-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('chooseLaunchMode', () => {
  it('opens the desktop app when the Electron binary exists and Linux has an X11 display', () => {
    expect(chooseLaunchMode({ platform: 'linux', env: { DISPLAY: ':0' }, electron: installed })).toEqual({ mode: 'electron', binary: installed.path });
  });

  it('opens the desktop app on a Wayland-only Linux session', () => {
    expect(chooseLaunchMode({ platform: 'linux', env: { WAYLAND_DISPLAY: 'wayland-0' }, electron: installed }).mode).toBe('electron');
  });

  it('opens the desktop app on macOS and Windows without display variables', () => {
    expect(chooseLaunchMode({ platform: 'darwin', env: {}, electron: installed }).mode).toBe('electron');
    expect(chooseLaunchMode({ platform: 'win32', env: {}, electron: installed }).mode).toBe('electron');
  });

  it('falls back to web mode on Linux without a display, saying why in one line', () => {
    const launch = chooseLaunchMode({ platform: 'linux', env: { DISPLAY: '' }, electron: installed });
    expect(launch.mode).toBe('web');
    if (launch.mode !== 'web') return;
    expect(launch.notice).toMatch(/no display.*starting web mode instead\.$/);
    expect(launch.notice).not.toContain('\n');
  });

  it('falls back to web mode when the electron package has no binary', () => {
    const launch = chooseLaunchMode({ platform: 'darwin', env: {}, electron: { error: 'the electron package was installed without its binary' } });
    expect(launch).toEqual({
      mode: 'web',
      notice: 'topiary: the desktop app cannot open here: no Electron binary (the electron package was installed without its binary); starting web mode instead.',
    });
  });

  it('falls back to web mode when the recorded binary path does not exist', () => {
    const launch = chooseLaunchMode({ platform: 'linux', env: { DISPLAY: ':0' }, electron: { path: '/nowhere/electron', exists: false } });
    expect(launch.mode === 'web' && launch.notice).toContain('/nowhere/electron');
  });

  it('uses web mode when --web is given even where Electron could run', () => {
    expect(chooseLaunchMode({ platform: 'linux', env: { DISPLAY: ':0' }, electron: installed, forceWeb: true }).mode).toBe('web');
  });
});

describe('needsBuild', () => {
  it('builds when an output is missing', () => {
    expect(needsBuild({ outputMtimes: [200, undefined], newestSourceMtime: 100 })).toBe(true);
  });

  it('builds when the oldest output is older than the newest source', () => {
    expect(needsBuild({ outputMtimes: [300, 150], newestSourceMtime: 200 })).toBe(true);
  });

  it('reuses dist when every output is newer than every source', () => {
    expect(needsBuild({ outputMtimes: [300, 250], newestSourceMtime: 200 })).toBe(false);
  });
});

describe('newestMtime', () => {
  it('finds the newest file in nested folders but ignores tests and node_modules', () => {
    const src = path.join(work, 'src');
    const at = (file: string, seconds: number): void => {
      mkdirSync(path.dirname(path.join(src, file)), { recursive: true });
      writeFileSync(path.join(src, file), '');
      utimesSync(path.join(src, file), seconds, seconds);
    };
    at('a.ts', 1_000);
    at('deep/b.ts', 2_000);
    at('deep/b.test.ts', 9_000);
    at('node_modules/x/index.js', 9_000);
    expect(newestMtime([src, path.join(work, 'missing')])).toBe(2_000_000);
  });
});

describe('locateElectron', () => {
  it('reports the override binary as missing when the folder holds none', () => {
    const dist = mkdtempSync(path.join(work, 'electron-'));
    const found = locateElectron({ ELECTRON_OVERRIDE_DIST_PATH: dist });
    expect(found).toEqual({ path: expect.stringContaining(dist), exists: false });
  });

  it('finds a binary in the override folder', () => {
    const dist = mkdtempSync(path.join(work, 'electron-'));
    const found = locateElectron({ ELECTRON_OVERRIDE_DIST_PATH: dist });
    if (!('path' in found)) throw new Error('expected a path');
    writeFileSync(found.path, '');
    expect(locateElectron({ ELECTRON_OVERRIDE_DIST_PATH: dist })).toEqual({ path: found.path, exists: true });
  });
});

describe('parseStartArgs', () => {
  it('keeps our flags out of what the app receives', () => {
    expect(parseStartArgs(['--web', '--no-build', '--', '--port', '8080'])).toEqual({ forceWeb: true, skipBuild: true, passThrough: ['--port', '8080'] });
  });
});

describe('npm start where Electron cannot run', () => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    // start.mjs runs web mode as its own child: end the whole process group it leads.
    if (child?.pid && child.exitCode === null && child.signalCode === null) process.kill(-child.pid, 'SIGKILL');
  });

  it('says so in one line and serves web mode with the arguments it was given', async () => {
    await withBuildLock(ensureBuilt);
    // A private copy of the page, so another build rewriting dist/renderer cannot empty it mid-test.
    const rendererDir = await copyWhenComplete(path.join(root, 'dist/renderer'), path.join(work, 'renderer'), ['index.html']);
    const port = await freePort();
    const env: NodeJS.ProcessEnv = { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: mkdtempSync(path.join(work, 'no-electron-')) };
    delete env.DISPLAY;
    delete env.WAYLAND_DISPLAY;
    const started = spawn(
      process.execPath,
      [path.join(root, 'scripts/start.mjs'), '--no-build', '--port', String(port), '--user-data', path.join(work, 'user-data'), '--renderer-dir', rendererDir],
      { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
    );
    child = started;
    let out = '';
    started.stdout?.on('data', (chunk) => (out += chunk));
    started.stderr?.on('data', (chunk) => (out += chunk));
    const exited = new Promise<void>((resolve) => started.once('exit', () => resolve()));

    await waitFor(() => /web mode: open (http:\S+)/.test(out), { timeoutMs: 25_000, what: () => `the web mode URL; output so far: ${out}` });
    const lines = out.trim().split('\n');
    expect(lines[0]).toMatch(/^topiary: the desktop app cannot open here: .*; starting web mode instead\.$/);
    expect(lines.filter((line) => /electron|desktop app/i.test(line))).toEqual([lines[0]]);
    const url = new URL(/web mode: open (http:\S+)/.exec(out)![1]!);
    expect(url.port).toBe(String(port));
    const page = await fetch(new URL('/', url));
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root">');

    started.kill('SIGTERM');
    await exited;
    await expect(fetch(new URL('/', url))).rejects.toThrow();
  }, 60_000);
});
