// Lint for the whole repo: typescript-eslint's recommended rules (syntax only, so it stays fast)
// plus the layer rules that keep shared/, the core and the renderer honest.
import js from '@eslint/js';
import globals from 'globals';
import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';

const nodeBuiltins = builtinModules.filter((name) => !name.startsWith('_'));

/** Node's built-ins, bare (`fs`, `fs/promises`) and prefixed (`node:fs`). */
const nodeBuiltinRestrictions = (why) => ({
  paths: nodeBuiltins.map((name) => ({ name, message: why })),
  patterns: [{ group: ['node:*'], message: why }],
});

const restrict = (...parts) => ({
  paths: parts.flatMap((part) => part.paths ?? []),
  patterns: parts.flatMap((part) => part.patterns ?? []),
});

const electron = (why) => ({ paths: [{ name: 'electron', message: why }], patterns: [{ group: ['electron/*'], message: why }] });
const react = (why) => ({ paths: [{ name: 'react', message: why }, { name: 'react-dom', message: why }], patterns: [{ group: ['react/*', 'react-dom/*'], message: why }] });
const layer = (folder, why) => ({ patterns: [{ group: [`**/${folder}`, `**/${folder}/**`, folder, `${folder}/**`], message: why }] });

const sharedWhy = 'shared/ is the contract every layer uses: it may not depend on Node, Electron, React or another layer.';
const coreWhy = 'src-main/core runs without Electron (web mode, CLI, tests): put Electron wiring in src-main/electron.';
const testSupportWhy = 'src-main/test-support holds fixtures, fakes and launchers for tests and benchmarks only: production code may not depend on it.';
const rendererWhy = 'The renderer runs in a sandboxed page or a browser: ask the core through the typed client instead.';
const actionsWhy = "Components call a feature's actions (features/<name>/actions.ts); only actions talk to the core (see src-renderer/src/store/root-store.ts).";

export default tseslint.config(
  { ignores: ['dist/**', 'release/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', 'coverage/**', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: { ...globals.node } },
    linterOptions: { reportUnusedDisableDirectives: 'warn' },
    rules: {
      // `_name` marks a parameter or binding that is deliberately unused. A warning: tidiness, not a bug.
      '@typescript-eslint/no-unused-vars': [
        'warn',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      '@typescript-eslint/no-explicit-any': 'warn',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-empty-function': 'off',
      // Declaration merging for branded ids and `{}` in generic bounds are deliberate here.
      '@typescript-eslint/no-empty-object-type': ['warn', { allowInterfaces: 'with-single-extends' }],
      '@typescript-eslint/no-namespace': 'warn',
      '@typescript-eslint/no-unsafe-function-type': 'warn',
      '@typescript-eslint/no-wrapper-object-types': 'warn',
      '@typescript-eslint/no-require-imports': 'warn',
      // Control characters in regexes are how MQTT topic and payload checks are written.
      'no-control-regex': 'off',
      // Style and tidiness: worth seeing, not worth failing a build over.
      'prefer-const': 'warn',
      'no-regex-spaces': 'warn',
      'no-useless-escape': 'warn',
      'no-empty': 'warn',
      'no-case-declarations': 'warn',
      'no-useless-catch': 'warn',
      'no-prototype-builtins': 'warn',
      '@typescript-eslint/ban-ts-comment': 'warn',
      '@typescript-eslint/no-this-alias': 'warn',
      '@typescript-eslint/no-unused-expressions': ['warn', { allowShortCircuit: true, allowTernary: true }],
    },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['src-renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['shared/**'],
    languageOptions: { globals: {} },
    rules: {
      'no-restricted-imports': [
        'error',
        restrict(nodeBuiltinRestrictions(sharedWhy), electron(sharedWhy), react(sharedWhy), layer('src-main', sharedWhy), layer('src-renderer', sharedWhy)),
      ],
    },
  },
  {
    files: ['src-main/core/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', restrict(electron(coreWhy), layer('src-renderer', coreWhy))] },
  },
  {
    // The core's production files: everything but its tests (the conformance suite's helpers live in test-support).
    files: ['src-main/core/**/*.ts'],
    ignores: ['src-main/core/**/*.test.ts'],
    rules: { 'no-restricted-imports': ['error', restrict(electron(coreWhy), layer('src-renderer', coreWhy), layer('test-support', testSupportWhy))] },
  },
  {
    files: ['src-renderer/**/*.{ts,tsx}'],
    ignores: ['src-renderer/**/*.test.{ts,tsx}'],
    rules: {
      'no-restricted-imports': ['error', restrict(nodeBuiltinRestrictions(rendererWhy), electron(rendererWhy), layer('src-main', rendererWhy))],
    },
  },
  {
    // Everything in the renderer but the actions (and the client itself) reaches the core through actions.
    files: ['src-renderer/**/*.{ts,tsx}'],
    ignores: ['src-renderer/**/*.test.{ts,tsx}', 'src-renderer/src/features/*/actions.ts', 'src-renderer/src/ipc/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        restrict(nodeBuiltinRestrictions(rendererWhy), electron(rendererWhy), layer('src-main', rendererWhy), { patterns: [{ group: ['**/ipc/core-client'], message: actionsWhy }] }),
      ],
    },
  },
);
