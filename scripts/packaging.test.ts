import asar from '@electron/asar';
import yaml from 'js-yaml';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withBuildLock } from '../src-main/test-support/built-cli';
import {
  checkAppLayout,
  checkFuses,
  checkHistoryWorker,
  ensureBuilt,
  listAsar,
  packageApp,
  readFuses,
  REQUIRED_FUSES,
  stageProject,
  UNPACKED_FILES,
  writeStandInElectron,
} from './package-check.mjs';

// Packages the real app offline (Linux `dir` target, stand-in Electron) once, then inspects it.

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };

interface Packaged {
  readonly appDir: string;
  readonly asarPath: string;
  readonly binaryPath: string;
}

let work: string;
let packaged: Packaged;
let files: readonly string[];

beforeAll(async () => {
  await withBuildLock(ensureBuilt);
  work = mkdtempSync(path.join(os.tmpdir(), 'topiary-packaging-'));
  packaged = await packageApp({
    projectDir: await stageProject(path.join(work, 'project')),
    outDir: path.join(work, 'release'),
    electronDist: writeStandInElectron(path.join(work, 'electron')),
  });
  files = listAsar(packaged.asarPath);
}, 120_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the packaged Linux app', () => {
  it('has an app.asar holding the built main, preload and renderer entries', () => {
    expect(statSync(packaged.asarPath).isFile()).toBe(true);
    for (const file of ['dist/main/electron-main.cjs', 'dist/main/preload.cjs', 'dist/renderer/index.html', 'package.json']) {
      expect(files).toContain(file);
    }
  });

  it('has a package.json whose main is the built Electron entry and which lists no devDependencies', () => {
    const packagedManifest = JSON.parse(asar.extractFile(packaged.asarPath, 'package.json').toString('utf8')) as Record<string, unknown>;
    expect(packagedManifest.main).toBe('dist/main/electron-main.cjs');
    expect(packagedManifest.devDependencies).toBeUndefined();
  });

  it('ships every runtime dependency', () => {
    expect(Object.keys(manifest.dependencies)).toEqual(expect.arrayContaining(['mqtt', 'ws', 'zod']));
    for (const name of Object.keys(manifest.dependencies)) expect(files).toContain(`node_modules/${name}/package.json`);
  });

  it('ships none of the bundled or build-only packages', () => {
    for (const name of ['react', 'react-dom', 'monaco-editor', 'vite', 'typescript', 'playwright', '@playwright/test', 'electron', 'vitest', 'esbuild']) {
      expect(files.filter((file) => file.startsWith(`node_modules/${name}/`) || file.includes(`/node_modules/${name}/`))).toEqual([]);
    }
  });

  it('ships no TypeScript sources, source maps, tests, e2e or src folders', () => {
    const offending = files.filter(
      (file) => /\.map$/.test(file) || /\.(test|spec)\./.test(file) || /\.[cm]?tsx?$/.test(file) || /^(e2e|src-[^/]+|shared)(\/|$)/.test(file),
    );
    expect(offending).toEqual([]);
  });

  it('passes the layout check with no problems', () => {
    expect(checkAppLayout(packaged.asarPath).problems).toEqual([]);
  });

  it('keeps the history worker and libsql with its native module outside the archive, in app.asar.unpacked', () => {
    for (const file of UNPACKED_FILES) {
      expect((asar.statFile(packaged.asarPath, file) as { unpacked?: boolean }).unpacked, file).toBe(true);
      expect(statSync(path.join(`${packaged.asarPath}.unpacked`, file)).isFile(), file).toBe(true);
    }
  });

  it('starts the packaged history worker from app.asar.unpacked with plain Node and opens a store through libsql', async () => {
    expect(await checkHistoryWorker(packaged.asarPath)).toEqual([]);
  }, 30_000);

  it('puts the stand-in Electron binary in place under the app executable name', () => {
    expect(statSync(path.join(packaged.appDir, 'topiary')).isFile()).toBe(true);
  });

  it('is configured (and validated by electron-builder) with the Topiary identity and targets for all three platforms', () => {
    const config = yaml.load(readFileSync(path.join(root, 'electron-builder.yml'), 'utf8')) as {
      appId: string;
      productName: string;
      linux: { target: string[] };
      mac: { target: string[] };
      win: { target: string[] };
    };
    expect(config.appId).toBe('dev.topiary.app');
    expect(config.productName).toBe('Topiary');
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.mac.target).toEqual(['dmg']);
    expect(config.win.target).toEqual(['nsis']);
  });
});

describe('the app icon', () => {
  it('is a 512x512 PNG', () => {
    const png = readFileSync(path.join(root, 'assets/icon.png'));
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([512, 512]);
  });
});

describe('the layout check', () => {
  it('reports sources, maps, tests, build-only packages, a dangling main and missing dependencies', async () => {
    const app = path.join(work, 'bad-app');
    const put = (file: string, text: string): void => {
      mkdirSync(path.dirname(path.join(app, file)), { recursive: true });
      writeFileSync(path.join(app, file), text);
    };
    put('package.json', JSON.stringify({ main: 'dist/main/missing.cjs', dependencies: { mqtt: '5.16.0' }, devDependencies: { vite: '8' } }));
    put('dist/main/electron-main.cjs', '');
    put('dist/main/electron-main.cjs.map', '{}');
    put('dist/renderer/index.html', '<html></html>');
    put('src-main/core/app-core.ts', '');
    put('dist/main/wire.test.cjs', '');
    put('node_modules/react/package.json', '{}');
    const bad = path.join(work, 'bad.asar');
    await asar.createPackage(app, bad);

    const { problems } = checkAppLayout(bad);
    expect(problems).toEqual(
      expect.arrayContaining([
        'missing dist/main/preload.cjs',
        'package.json "main" is "dist/main/missing.cjs", which is not in the asar',
        'runtime dependency mqtt is missing',
        'package.json still lists devDependencies',
        'dist/renderer/index.html has no Content-Security-Policy',
        'node_modules/react is shipped but belongs to the build, not the app',
        'should not be shipped: dist/main/electron-main.cjs.map',
        'should not be shipped: src-main/core/app-core.ts',
        'should not be shipped: dist/main/wire.test.cjs',
        'missing dist/main/history-worker.cjs',
      ]),
    );
  });

  it('reports a history worker packed inside the archive, and a worker that cannot load libsql', async () => {
    const app = path.join(work, 'packed-worker-app');
    mkdirSync(path.join(app, 'dist/main'), { recursive: true });
    writeFileSync(path.join(app, 'dist/main/history-worker.cjs'), "require('libsql');");
    const packedAsar = path.join(work, 'packed-worker.asar');
    await asar.createPackage(app, packedAsar);
    expect(checkAppLayout(packedAsar).problems).toContain(
      'dist/main/history-worker.cjs is packed inside app.asar; it must be unpacked (asarUnpack) for the history worker',
    );

    // Unpacked, but with no libsql beside it: the worker cannot start, and the check says why.
    const unpackedAsar = path.join(work, 'no-libsql.asar');
    await asar.createPackageWithOptions(app, unpackedAsar, { unpack: '**/history-worker.cjs' });
    const problems = await checkHistoryWorker(unpackedAsar);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/packaged history worker failed: .*libsql/);
  });
});

describe('Electron fuses', () => {
  it('are flipped by electron-builder in the packaged binary: no RunAsNode, cookies encrypted, only an integrity-checked app.asar', () => {
    // The stand-in Electron carries a stock fuse wire (RunAsNode on, the rest as Electron ships them).
    expect(readFuses(path.join(work, 'electron/electron'))).toMatchObject({ runAsNode: true, enableCookieEncryption: false, onlyLoadAppFromAsar: false });
    expect(readFuses(packaged.binaryPath)).toMatchObject(REQUIRED_FUSES);
    expect(checkFuses({ binaryPath: packaged.binaryPath })).toEqual({ source: 'packaged binary', problems: [] });
  });

  it('are read from the configuration electron-builder reads when the binary has no fuse wire, and the check says so', () => {
    const bare = writeStandInElectron(path.join(work, 'bare-electron'), { fuseWire: false });
    expect(checkFuses({ binaryPath: path.join(bare, 'electron') })).toEqual({ source: 'electron-builder.yml', problems: [] });
    const config = path.join(work, 'weak-builder.yml');
    writeFileSync(config, yaml.dump({ electronFuses: { ...REQUIRED_FUSES, runAsNode: true, onlyLoadAppFromAsar: undefined } }));
    expect(checkFuses({ binaryPath: path.join(bare, 'electron'), configPath: config }).problems).toEqual([
      'fuse runAsNode is true in the electron-builder.yml; it must be false',
      'fuse onlyLoadAppFromAsar is "not set" in the electron-builder.yml; it must be true',
    ]);
    expect(checkFuses({ binaryPath: path.join(work, 'electron/electron') }).problems).toContain('fuse runAsNode is true in the packaged binary; it must be false');
  });
});
