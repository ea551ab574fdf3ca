import { expect, test } from '@playwright/test';
import { AppPage } from './pages/app-page';
import { LayoutPage } from './pages/layout-page';
import { startWebApp, type WebApp } from './support/web-app';

let app: WebApp;

test.afterEach(async () => {
  await app.stop({ removeData: true });
});

// The rows that must stay one row: the header, the connect bar, pane titles, the inspector's and composer's first rows.
const EXPLORER_TOOLBARS = [
  'header',
  '[data-testid="connect-bar"]',
  '.pane-title',
  '.tree-toolbar .toolbar-row',
  '.inspector > .actions',
  '.publish > .publish-row:first-child',
  '.publish > .payload-row',
];

test('a pane dragged wider keeps its size after a reload', async ({ page }) => {
  app = await startWebApp();
  const ui = new AppPage(page);
  const layout = new LayoutPage(page);
  await ui.open(app.url);
  const before = await layout.width(layout.paneTree);
  await layout.drag(layout.splitterTree, 120);
  await expect.poll(() => layout.width(layout.paneTree)).toBeGreaterThan(before + 100);
  const dragged = await layout.width(layout.paneTree);
  // The layout is saved when the drag ends.
  await expect.poll(() => page.evaluate(() => Object.keys(localStorage).some((k) => k.includes('explorer-columns')))).toBe(true);

  await page.reload();
  await expect(page.locator('body[data-ready="true"]')).toBeAttached();
  await expect.poll(async () => Math.abs((await layout.width(layout.paneTree)) - dragged)).toBeLessThan(2);
});

test('the composer can be enlarged and can take the whole right side, and gives it back', async ({ page }) => {
  app = await startWebApp();
  const ui = new AppPage(page);
  const layout = new LayoutPage(page);
  await ui.open(app.url);
  const normal = await layout.height(layout.paneComposer);
  const side = normal + (await layout.height(layout.paneInspector));

  await layout.composerEnlarge.click();
  await expect.poll(() => layout.height(layout.paneComposer)).toBeGreaterThan(side * 0.65);
  await expect(layout.composerEnlarge).toHaveAttribute('aria-pressed', 'true');
  await expect(ui.payloadEditor).toBeVisible();

  await layout.composerMaximize.click();
  await expect.poll(() => layout.height(layout.paneInspector)).toBeLessThan(1);
  await expect.poll(() => layout.height(layout.paneComposer)).toBeGreaterThan(side - 2);
  await expect(layout.composerMaximize).toHaveAttribute('aria-pressed', 'true');
  await expect(layout.composerMaximize).toHaveAccessibleName('Show the inspector again');

  await layout.composerMaximize.click();
  await expect.poll(() => layout.height(layout.paneInspector)).toBeGreaterThan(100);
  await expect(layout.composerMaximize).toHaveAttribute('aria-pressed', 'false');
});

test('the connect bar belongs to the Explorer: Broker, Certificates and History do not show it', async ({ page }) => {
  app = await startWebApp();
  const ui = new AppPage(page);
  await ui.open(app.url);
  await expect(page.getByTestId('connect-bar')).toBeVisible();
  for (const workspace of ['broker', 'certificates', 'history'] as const) {
    await page.getByTestId(`workspace-${workspace}`).click();
    await expect(page.getByTestId('connect-bar')).toBeHidden();
  }
  await page.getByTestId('workspace-explorer').click();
  await expect(page.getByTestId('connect-bar')).toBeVisible();
});

for (const size of [
  { width: 1024, height: 700 },
  { width: 1920, height: 1080 },
] as const) {
  test(`at ${size.width}×${size.height}, in light and dark, no control sticks out and no toolbar wraps`, async ({ page }) => {
    app = await startWebApp({ embeddedBroker: true });
    const ui = new AppPage(page);
    const layout = new LayoutPage(page);
    await page.setViewportSize(size);
    await ui.open(app.url);
    await expect(ui.status).toHaveAttribute('data-state', 'connected');
    await ui.openTopic('$SYS/broker/version');
    await expect(ui.payloadEditor.locator('.monaco-editor').first()).toBeVisible();

    for (const theme of ['light', 'dark'] as const) {
      await layout.chooseTheme(theme);
      await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
      await page.keyboard.press('Escape');
      expect(await layout.problems(EXPLORER_TOOLBARS)).toEqual([]);
      // The filter box is the tree's main control: it never shrinks below a useful width.
      expect(await layout.width(page.getByTestId('tree-filter'))).toBeGreaterThanOrEqual(160);
      // So is the composer's topic box (Request shrinks to an icon to make room).
      expect(await layout.width(page.getByTestId('publish-topic'))).toBeGreaterThanOrEqual(160);
      // The subscriptions form (MQTT 5 options included) fits the tree pane.
      await page.getByTestId('subscriptions-toggle').click();
      await expect(page.getByTestId('subscription-mqtt5-options')).toBeVisible();
      expect(await layout.problems(['.subscriptions .toolbar-row'])).toEqual([]);
      await page.getByTestId('subscriptions-toggle').click();
      // The import formats are named in full, each on one line.
      await page.getByTestId('profiles-import-button').click();
      await expect(page.getByTestId('profiles-import-foreign-item')).toHaveText('MQTTX or MQTT Explorer export…');
      expect(await layout.wrappedLabels('[data-testid="profiles-import-menu"] [role="menuitem"]')).toEqual([]);
      const chooser = page.waitForEvent('filechooser');
      await page.getByTestId('profiles-import-foreign-item').click();
      await chooser;

      await page.getByTestId('workspace-broker').click();
      await expect(page.getByTestId('broker-state')).toHaveText('Running');
      expect(await layout.problems(['header', '.broker-head'])).toEqual([]);

      await page.getByTestId('workspace-certificates').click();
      await expect(page.getByTestId('certificates-panel')).toBeVisible();
      expect(await layout.problems(['header', '.cert-actions'])).toEqual([]);

      await page.getByTestId('workspace-history').click();
      expect(await layout.problems(['header'])).toEqual([]);
      await page.getByTestId('workspace-explorer').click();
    }
  });
}
