// Runs every benchmark runner in bench/: each bench/*.ts that no other bench file imports is bundled with
// esbuild and run with node, one after another, printing its own table.
//   npm run bench                    all runners
//   npm run bench -- explorer-path   only runners whose name contains the word
// BENCH_SECONDS shortens the timed floods; the renderer is built first if dist/ lacks it.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const benchDir = path.join(root, 'bench');
const only = process.argv.slice(2);

const files = existsSync(benchDir) ? readdirSync(benchDir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.endsWith('.d.ts')) : [];
const sources = Object.fromEntries(files.map((f) => [f, readFileSync(path.join(benchDir, f), 'utf8')]));
// A file another bench file imports is a helper (it may also run alone, but its importer already runs it).
const imported = new Set(files.filter((f) => files.some((g) => g !== f && sources[g].includes(`'./${f.replace(/\.ts$/, '')}'`))));
const runners = files.filter((f) => !imported.has(f) && (only.length === 0 || only.some((o) => f.includes(o))));

if (runners.length === 0) {
  console.log(only.length > 0 ? `No bench runner matches ${only.join(', ')}.` : 'No bench runners in bench/.');
  process.exit(0);
}

if (runners.some((f) => f.startsWith('explorer-path') || f.startsWith('freshness')) && !existsSync(path.join(root, 'dist/renderer/index.html'))) {
  const built = spawnSync(process.execPath, [path.join(root, 'scripts/build.mjs'), 'renderer'], { cwd: root, stdio: 'inherit' });
  if (built.status !== 0) process.exit(built.status ?? 1);
}

// Inside node_modules so the bundles' bare imports (mqtt, playwright-core, ...) resolve from the project;
// one folder per run, so two runs at once (or two checkouts sharing node_modules) do not clear each other's bundles.
const outDir = path.join(root, `node_modules/.cache/topiary-bench-${process.pid}`);
rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });

let failed = 0;
for (const file of runners) {
  const name = file.replace(/\.ts$/, '');
  const outfile = path.join(outDir, `${name}.mjs`);
  await build({
    entryPoints: [path.join(benchDir, file)],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    packages: 'external',
    logLevel: 'warning',
    // Some bundled code expects CommonJS globals.
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; import { fileURLToPath as __fu } from 'node:url'; import { dirname as __dn } from 'node:path'; const require = __cr(import.meta.url); const __filename = __fu(import.meta.url); const __dirname = __dn(__filename);",
    },
  });
  console.log(`\n=== ${name} ===`);
  const run = spawnSync(process.execPath, ['--expose-gc', outfile], { cwd: root, stdio: 'inherit', env: process.env });
  if (run.status !== 0) {
    failed++;
    console.error(`${name} failed (exit ${run.status ?? run.signal}).`);
  }
}
rmSync(outDir, { recursive: true, force: true });
process.exit(failed > 0 ? 1 : 0);
