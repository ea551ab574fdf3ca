import { expect, test, type Page } from '@playwright/test';
import { AppPage } from './pages/app-page';
import { LayoutPage } from './pages/layout-page';
import { startWebApp, type WebApp } from './support/web-app';

let app: WebApp;

test.beforeEach(async () => {
  app = await startWebApp();
});

test.afterEach(async () => {
  await app.stop({ removeData: true });
});

const background = (page: Page): Promise<string> => page.evaluate(() => getComputedStyle(document.body).backgroundColor);

test('the theme follows the system until one is chosen, and Monaco follows the theme', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'light' });
  const ui = new AppPage(page);
  await ui.open(app.url);
  const html = page.locator('html');
  const monaco = ui.payloadEditor.locator('.monaco-editor').first();
  await expect(html).toHaveAttribute('data-theme-setting', 'system');
  await expect(html).toHaveAttribute('data-theme', 'light');
  await expect(monaco).toHaveClass(/(^|\s)vs(\s|$)/);
  expect(await background(page)).toBe('rgb(255, 255, 255)');

  // The system switching to dark while the app runs.
  await page.emulateMedia({ colorScheme: 'dark' });
  await expect(html).toHaveAttribute('data-theme', 'dark');
  await expect(monaco).toHaveClass(/(^|\s)vs-dark(\s|$)/);
  expect(await background(page)).not.toBe('rgb(255, 255, 255)');
  await page.emulateMedia({ colorScheme: 'light' });
  await expect(html).toHaveAttribute('data-theme', 'light');
});

test('a chosen theme overrides the system and is remembered after a reload', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'dark' });
  const ui = new AppPage(page);
  const layout = new LayoutPage(page);
  await ui.open(app.url);
  const html = page.locator('html');
  const monaco = ui.payloadEditor.locator('.monaco-editor').first();
  await expect(html).toHaveAttribute('data-theme', 'dark');

  await layout.chooseTheme('light');
  await expect(html).toHaveAttribute('data-theme', 'light');
  await expect(monaco).toHaveClass(/(^|\s)vs(\s|$)/);
  await expect(layout.themeSwitcher).toHaveAccessibleName('Theme: Light');

  await page.reload();
  await expect(page.locator('body[data-ready="true"]')).toBeAttached();
  await expect(html).toHaveAttribute('data-theme-setting', 'light');
  await expect(html).toHaveAttribute('data-theme', 'light');
  await expect(monaco).toHaveClass(/(^|\s)vs(\s|$)/);

  await layout.chooseTheme('dark');
  await page.emulateMedia({ colorScheme: 'light' });
  await expect(html).toHaveAttribute('data-theme', 'dark');
  await expect(monaco).toHaveClass(/(^|\s)vs-dark(\s|$)/);

  // Back to following the system, which is light now.
  await layout.chooseTheme('system');
  await expect(html).toHaveAttribute('data-theme', 'light');
  await page.getByTestId('theme-switcher').click();
  await expect(page.getByTestId('theme-system')).toHaveAttribute('aria-checked', 'true');
  await expect(page.getByTestId('theme-dark')).toHaveAttribute('aria-checked', 'false');
});
