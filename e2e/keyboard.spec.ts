import { expect, test, type Page } from '@playwright/test';
import mqtt from 'mqtt';
import { ExplorerPage } from './pages/explorer-page';
import { eachTestAppWithMosquitto } from './support/app-with-mosquitto';

const env = eachTestAppWithMosquitto();

async function opened(page: Page): Promise<ExplorerPage> {
  const ui = new ExplorerPage(page);
  await ui.open(env.app.url);
  await ui.connect(env.broker.url);
  return ui;
}

/** The test id of the focused element (or of the Monaco editor it is inside). */
function focusedTestId(page: Page): Promise<string> {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return 'body';
    if (el.closest('.monaco-editor')) return 'monaco';
    return el.getAttribute('data-testid') ?? el.tagName.toLowerCase();
  });
}

/** Presses a key until focus lands on `target`; fails if it never does within `max` presses. */
async function pressUntil(page: Page, key: string, target: string, max = 60): Promise<void> {
  for (let i = 0; i < max; i++) {
    if ((await focusedTestId(page)) === target) return;
    await page.keyboard.press(key);
  }
  expect(await focusedTestId(page)).toBe(target);
}

async function runCommand(page: Page, text: string): Promise<void> {
  await page.keyboard.press('Control+K');
  await expect(page.getByTestId('command-palette')).toBeVisible();
  await page.keyboard.type(text);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('command-palette')).toBeHidden();
}

test('a message is published with the keyboard alone: Tab into the editor, type, Tab out, reach Publish, Enter', async ({ page }) => {
  await opened(page);
  const subscriber = await mqtt.connectAsync(env.broker.url);
  const seen: string[] = [];
  subscriber.on('message', (topic, payload) => seen.push(`${topic} ${payload.toString()}`));
  await subscriber.subscribeAsync('kb/#', { qos: 1 });
  await expect(page.getByTestId('payload-editor').locator('.monaco-editor')).toBeVisible({ timeout: 30_000 });

  await runCommand(page, 'composer');
  // The command focuses the field once React has rendered the explorer, after the palette has closed.
  await expect.poll(() => focusedTestId(page)).toBe('publish-topic');
  await page.keyboard.type('kb/typed');
  await pressUntil(page, 'Tab', 'monaco');
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.type('42');
  // Tab-focus mode: Tab leaves the editor instead of inserting a tab.
  await page.keyboard.press('Tab');
  expect(await focusedTestId(page)).not.toBe('monaco');
  await expect(page.getByTestId('tab-focus-hint')).toContainText('Tab moves focus');
  await pressUntil(page, 'Shift+Tab', 'publish-button');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('publish-result')).toBeVisible();
  await expect.poll(() => seen).toContain('kb/typed 42');
  await subscriber.endAsync();
});

test('Ctrl+M makes Tab indent in the editor, and again makes it move focus', async ({ page }) => {
  await opened(page);
  const hint = page.getByTestId('tab-focus-hint');
  await expect(hint).toHaveAttribute('data-on', 'true');
  const composer = page.getByTestId('payload-editor').locator('.monaco-editor').first();
  await composer.click();
  await page.keyboard.press('Control+M');
  await expect(hint).toHaveAttribute('data-on', 'false');
  await expect(hint).toContainText('Tab inserts a tab');
  await page.keyboard.press('Tab');
  expect(await focusedTestId(page)).toBe('monaco');
  await page.keyboard.press('Control+M');
  await expect(hint).toHaveAttribute('data-on', 'true');
  await page.keyboard.press('Tab');
  expect(await focusedTestId(page)).not.toBe('monaco');
});

test('the command palette switches views, filters the tree, changes the theme and disconnects', async ({ page }) => {
  const ui = await opened(page);
  const outside = await mqtt.connectAsync(env.broker.url);
  await outside.publishAsync('plant/1/temp', '20', { qos: 1 });
  await outside.publishAsync('office/door', 'open', { qos: 1 });
  await outside.endAsync();
  await expect(ui.totals).toHaveText('2 topics · 2 messages');

  await runCommand(page, 'Show Broker');
  await expect(page.getByTestId('workspace-broker')).toHaveAttribute('aria-selected', 'true');
  await runCommand(page, 'Show Explorer');
  await expect(page.getByTestId('workspace-explorer')).toHaveAttribute('aria-selected', 'true');

  // What was typed becomes the filter.
  await page.keyboard.press('Control+K');
  await page.keyboard.type('plant');
  await expect(page.getByTestId('palette-filter')).toContainText('Filter the tree for “plant”');
  await page.getByTestId('palette-filter').click();
  await expect(ui.filter).toHaveValue('plant');
  await expect(ui.filter).toBeFocused();
  await expect.poll(() => ui.visiblePaths()).toContain('plant');
  await expect.poll(() => ui.visiblePaths()).not.toContain('office');

  await runCommand(page, 'Theme: Light');
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
  await runCommand(page, 'Theme: Dark');
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');

  await runCommand(page, 'Disconnect');
  await expect(ui.status).not.toHaveAttribute('data-state', 'connected');

  // The header's button opens it too, and Escape closes it.
  await page.getByTestId('open-command-palette').click();
  await expect(page.getByTestId('command-palette')).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('command-palette')).toBeHidden();
});

test('focus returns to where it was when the palette or the profile editor closes', async ({ page }) => {
  const ui = await opened(page);
  await ui.filter.focus();
  await page.keyboard.press('Control+K');
  await expect(page.getByTestId('command-palette-input')).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(ui.filter).toBeFocused();

  const newProfile = page.getByTestId('profiles-new');
  await newProfile.focus();
  await page.keyboard.press('Enter');
  const editor = page.getByTestId('profile-editor');
  await expect(editor).toBeVisible();
  await expect(editor).toHaveAttribute('role', 'dialog');
  await expect(page.getByTestId('profile-name-input')).toBeFocused();
  // Tab stays inside the dialog.
  for (let i = 0; i < 40; i++) await page.keyboard.press('Tab');
  expect(await page.evaluate(() => document.querySelector('[data-testid="profile-editor"]')?.contains(document.activeElement))).toBe(true);
  await page.keyboard.press('Escape');
  await expect(editor).toBeHidden();
  await expect(newProfile).toBeFocused();
});

test('a keyboard user who reaches the composer before its editor has loaded starts the load and lands in the editor', async ({ page }) => {
  // The editor waits a moment after the window opens before it loads; the page's timers are held so the test reaches
  // the composer first, whatever the machine's speed. Focus alone must start the load.
  await page.clock.install();
  await page.clock.pauseAt(new Date(Date.now() + 1000));
  const ui = new ExplorerPage(page);
  await ui.open(env.app.url);
  const placeholder = page.getByTestId('payload-editor').getByTestId('editor-loading');
  await expect(placeholder).toHaveAttribute('aria-busy', 'true');
  await expect(placeholder).toHaveAttribute('tabindex', '0');
  await placeholder.focus();
  // With the page's timers still held, focus alone has started the load: the placeholder has given way.
  await expect(page.getByTestId('payload-editor').locator('[aria-busy="true"]')).toHaveCount(0);
  // Monaco needs timers to finish mounting.
  await page.clock.resume();
  await expect(page.getByTestId('payload-editor').locator('.monaco-editor')).toBeVisible({ timeout: 30_000 });
  await expect.poll(() => focusedTestId(page)).toBe('monaco');
});
