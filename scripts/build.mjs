// Builds everything the app runs from: the renderer (Vite) and the Node-side entries (esbuild).
// No Electron binary is needed.
import { build as esbuild } from 'esbuild';
import { build as viteBuild } from 'vite';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const only = process.argv[2];

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: false,
  logLevel: 'warning',
  // Runtime dependencies stay in node_modules (electron-builder copies them into the asar).
  packages: 'external',
};

async function buildMain() {
  await esbuild({
    ...common,
    entryPoints: {
      'electron-main': 'src-main/electron/electron-main.ts',
      web: 'src-main/web/web-main.ts',
      // The script sandbox's worker thread (QuickJS), loaded by path at run time.
      'script-worker': 'src-main/core/scripts/script-worker.ts',
      ...(existsSync(path.join(root, 'src-main/broker-cli.ts')) ? { 'broker-cli': 'src-main/broker-cli.ts' } : {}),
    },
    outdir: path.join(root, 'dist/main'),
    outExtension: { '.js': '.cjs' },
    external: ['electron'],
  });
  // The history store's worker thread, loaded by path at run time. In the packaged app it runs from
  // app.asar.unpacked, so it bundles everything but libsql (unpacked beside it; electron-builder.yml).
  await esbuild({
    ...common,
    packages: undefined,
    entryPoints: { 'history-worker': 'src-main/core/history/history-worker.ts' },
    outdir: path.join(root, 'dist/main'),
    outExtension: { '.js': '.cjs' },
    external: ['libsql'],
  });
  // A sandboxed preload may require only 'electron': bundle everything else into it.
  await esbuild({
    ...common,
    packages: undefined,
    entryPoints: { preload: 'src-main/electron/preload.ts' },
    outdir: path.join(root, 'dist/main'),
    outExtension: { '.js': '.cjs' },
    external: ['electron'],
  });
}

/**
 * The library (`import … from 'topiary'`, ESM and CommonJS) and the `topiary` command. Quick (esbuild
 * only), so `npm ci` builds it through the `prepare` script.
 */
async function buildLib() {
  await esbuild({ ...common, entryPoints: { index: path.join(root, 'src-main/lib/index.ts') }, outdir: path.join(root, 'dist/lib'), outExtension: { '.js': '.cjs' } });
  await esbuild({
    ...common,
    format: 'esm',
    entryPoints: { index: path.join(root, 'src-main/lib/index.ts') },
    outdir: path.join(root, 'dist/lib'),
    outExtension: { '.js': '.mjs' },
    // Bundled code from CommonJS-era packages expects require and __dirname.
    banner: {
      js: "import { createRequire as __topiaryCreateRequire } from 'node:module'; const require = __topiaryCreateRequire(import.meta.url);",
    },
  });
  if (existsSync(path.join(root, 'src-main/cli/topiary-cli.ts'))) {
    await esbuild({
      ...common,
      // The history worker beside the command (`topiary mcp --history` reads the store through it), and the script sandbox's.
      entryPoints: {
        'topiary-cli': path.join(root, 'src-main/cli/topiary-cli.ts'),
        'history-worker': path.join(root, 'src-main/core/history/history-worker.ts'),
        'script-worker': path.join(root, 'src-main/core/scripts/script-worker.ts'),
      },
      outdir: path.join(root, 'dist/lib'),
      outExtension: { '.js': '.cjs' },
    });
  }
}

async function buildRenderer() {
  await viteBuild({ configFile: path.join(root, 'vite.renderer.config.mts'), logLevel: 'warn' });
}

process.chdir(root);
if (only === 'lib') {
  await buildLib();
  console.log('built dist/lib');
} else {
  if (only !== 'renderer') await buildMain();
  if (only !== 'renderer') await buildLib();
  if (only !== 'main') await buildRenderer();
  console.log(`built ${only === 'main' ? 'dist/main and dist/lib' : only === 'renderer' ? 'dist/renderer' : 'dist/main, dist/lib and dist/renderer'}`);
}
