import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['shared/**/*.test.ts', 'src-main/**/*.test.ts', 'src-renderer/**/*.test.{ts,tsx}', 'scripts/**/*.test.ts'],
    environment: 'node',
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Two cores: integration tests start brokers, so keep parallelism modest.
    maxWorkers: 2,
    // Each worker keeps its modules loaded from one test file to the next: re-importing the core for each of
    // 180 files cost more than the tests of most of them (the broker's 31 files: 238 s isolated, 126 s not, in
    // one run on a loaded machine). Test files therefore must not change module state others read: no vi.mock,
    // and timers faked only inside a test that restores them.
    isolate: false,
  },
});
