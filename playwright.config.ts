import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: './e2e',
  // One worker is faster than two on a 2-core machine, and each test starts its own app and broker.
  workers: 1,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  retries: 0,
  reporter: process.env.PLAYWRIGHT_JSON ? [['json', { outputFile: process.env.PLAYWRIGHT_JSON }], ['list']] : 'list',
  use: {
    browserName: 'chromium',
    launchOptions: {
      // Debian's Chromium; Playwright's own download cannot be reached from these machines.
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      // --disable-site-isolation-trials: every page of a test is on 127.0.0.1, so a process per site buys nothing here; without
      // it each new context's page cost Chromium about 15 % more CPU (paired page loads, load average 17, 2026-12-07).
      // (Not --disable-features: a second one would replace Playwright's own list.)
      args: ['--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-gpu', '--disable-site-isolation-trials'],
    },
    viewport: { width: 1280, height: 800 },
    trace: 'off',
  },
});
