import { defineConfig } from '@playwright/test';
import base from './playwright.config';

// `npm run screenshots` only: the README's pictures, written to assets/. The normal e2e run never matches *.shots.ts.
export default defineConfig({
  ...base,
  testDir: './e2e/screenshots',
  testMatch: '**/*.shots.ts',
  timeout: 120_000,
});
