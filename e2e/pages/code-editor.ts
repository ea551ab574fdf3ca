import { expect, type Locator } from '@playwright/test';

/**
 * Empties a Monaco editor the way a user would (click, select all, delete) once it has loaded (it loads lazily, after
 * the first paint); the focus stays in it, so the caller types next.
 */
export async function emptyEditor(host: Locator, loadTimeoutMs?: number): Promise<void> {
  const editor = host.locator('.monaco-editor').first();
  await expect(editor).toBeVisible(loadTimeoutMs === undefined ? {} : { timeout: loadTimeoutMs });
  await editor.click();
  await host.page().keyboard.press('ControlOrMeta+A');
  await host.page().keyboard.press('Delete');
}
