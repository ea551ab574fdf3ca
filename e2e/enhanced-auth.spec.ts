import { expect, test } from '@playwright/test';
import { AppPage } from './pages/app-page';
import { BrokerPage } from './pages/broker-page';
import { ConnectionPage } from './pages/connection-page';
import { ProfilesPage } from './pages/profiles-page';
import { startWebApp, type WebApp } from './support/web-app';

let app: WebApp;

test.beforeEach(async () => {
  app = await startWebApp({ embeddedBroker: true });
});

test.afterEach(async () => {
  await app.stop({ removeData: true });
});

test('a broker user limited to SCRAM-SHA-256 in the dashboard signs in from a SCRAM profile and re-authenticates; a wrong password is named as such', async ({ page }) => {
  const ui = new AppPage(page);
  await ui.open(app.url);
  const broker = new BrokerPage(page);
  await broker.open();
  await page.getByTestId('broker-user-name').fill('scram-7');
  await page.getByTestId('broker-user-password').fill('s3cret-scram');
  for (const m of ['password', 'SCRAM-SHA-1', 'SCRAM-SHA-512']) await page.getByTestId(`broker-user-method-${m}`).uncheck();
  await page.getByTestId('broker-user-save').click();
  const user = page.locator('[data-testid="broker-user"][data-username="scram-7"]');
  await expect(user.getByTestId('broker-user-methods')).toHaveText('SCRAM-SHA-256');
  const url = await broker.tcpUrl();

  await page.getByTestId('workspace-explorer').click();
  const profiles = new ProfilesPage(page);
  await profiles.ready();
  await profiles.create({ name: 'SCRAM plant', url, username: 'scram-7', password: 's3cret-scram', authMethod: 'SCRAM-SHA-256' });
  await profiles.connect('SCRAM plant');
  await profiles.row('SCRAM plant').getByTestId('profile-reauthenticate').click();
  await expect(profiles.row('SCRAM plant')).toHaveAttribute('data-state', 'connected');
  await expect(profiles.row('SCRAM plant').getByTestId('profile-error')).toHaveCount(0);
  // The wire shows the exchanges: AUTH at connect, and AUTH again for the re-authentication.
  const conn = new ConnectionPage(page);
  await conn.openPacketLog();
  await expect.poll(async () => (await conn.visibleTypes()).filter((t) => t === 'auth').length).toBeGreaterThanOrEqual(6);

  await profiles.create({ name: 'Wrong SCRAM', url, username: 'scram-7', password: 'not-it', authMethod: 'SCRAM-SHA-256' });
  await profiles.row('Wrong SCRAM').getByTestId('profile-connect').click();
  const error = profiles.row('Wrong SCRAM').getByTestId('profile-error');
  await expect(error).toHaveAttribute('data-code', 'AUTHENTICATION_FAILED');
  await expect(error).toContainText('refused the SCRAM-SHA-256 proof');
});
