import { expect, test } from '@playwright/test';
import { startMosquitto, type Mosquitto } from '../src-main/test-support/mosquitto';
import { AppPage } from './pages/app-page';
import { CoreLinkPage } from './pages/core-link-page';
import { startWebApp, type WebApp } from './support/web-app';

test.describe('the window and its core', () => {
  let broker: Mosquitto | undefined;
  const apps: WebApp[] = [];

  test.afterEach(async () => {
    for (const app of apps.splice(0).reverse()) await app.stop({ removeData: true });
    await broker?.stop();
    broker = undefined;
  });

  test('a tab whose core stops is covered at once, and comes back live when the core restarts with the same user data', async ({ page }) => {
    broker = await startMosquitto();
    const first = await startWebApp();
    apps.push(first);
    const ui = new AppPage(page);
    const link = new CoreLinkPage(page);
    await ui.open(first.url);
    await ui.connect(broker.url);
    await expect(link.lost).toBeHidden();

    await first.stop();
    // The green "Connected" underneath is no longer true: the whole window says so, and blocks clicks.
    await expect(link.lost).toBeVisible({ timeout: 3_000 });
    await expect(link.lost).toContainText("Topiary's core has stopped");
    // The cover takes the clicks: the old connect bar cannot be used as if it were live.
    await expect(ui.connectButton.click({ timeout: 500, trial: true })).rejects.toThrow();

    const second = await startWebApp({ userDataDir: first.userDataDir, port: 'saved' });
    apps.push(second);
    expect(second.origin).toBe(first.origin);
    expect(second.token).toBe(first.token);
    await expect(link.lost).toBeHidden({ timeout: 15_000 });
    await expect(page.locator('body[data-ready="true"]')).toBeAttached();
    // The new core has no connection yet, and the page says so instead of the old "Connected".
    await expect(ui.status).not.toHaveAttribute('data-state', 'connected');
    await ui.connect(broker.url);
  });

  test('a wrong token, a missing one, and a rotated one each get a full-page explanation', async ({ page }) => {
    const app = await startWebApp();
    apps.push(app);
    const link = new CoreLinkPage(page);

    await page.goto(`${app.origin}/#token=${'x'.repeat(app.token.length)}`);
    await expect(link.tokenRejected).toBeVisible();
    await expect(link.tokenRejected).toContainText('--rotate-token');
    await expect(link.tokenRejected).toContainText('Topiary web mode: open');
    await expect(page.getByTestId('connect-button').click({ timeout: 500, trial: true })).rejects.toThrow();

    // Only the fragment changes between these addresses: reload so the page starts from it.
    await page.goto(`${app.origin}/`);
    await page.reload();
    await expect(link.noToken).toBeVisible();

    // A tab left open while the core restarts with a new token learns that its token is refused.
    await page.goto(app.url);
    await page.reload();
    await expect(page.locator('body[data-ready="true"]')).toBeAttached();
    await app.stop();
    await expect(link.lost).toBeVisible({ timeout: 3_000 });
    const rotated = await startWebApp({ userDataDir: app.userDataDir, port: 'saved', rotateToken: true });
    apps.push(rotated);
    expect(rotated.token).not.toBe(app.token);
    await expect(link.tokenRejected).toBeVisible({ timeout: 15_000 });
    await expect(link.lost).toBeHidden();
  });
});
