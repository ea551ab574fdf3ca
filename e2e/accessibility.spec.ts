import { expect, test, type Page } from '@playwright/test';
import mqtt from 'mqtt';
import { ExplorerPage } from './pages/explorer-page';
import { seriousAxeFindings } from './support/axe';
import { eachTestAppWithMosquitto } from './support/app-with-mosquitto';

const env = eachTestAppWithMosquitto();

async function expectNoSeriousFindings(page: Page, view: string): Promise<void> {
  const findings = await seriousAxeFindings(page);
  // Soft: one run reports every view's findings, not only the first view's.
  expect.soft(findings.map((f) => `${f.id}: ${f.help}\n    ${f.nodes.join("\n    ")}`), view).toEqual([]);
}

for (const theme of ['dark', 'light'] as const) {
test(`every main view has no serious or critical axe-core finding in the ${theme} theme`, async ({ page }) => {
  test.setTimeout(180_000);
  const ui = new ExplorerPage(page);
  await ui.open(env.app.url);
  await page.getByTestId('theme-switcher').click();
  await page.getByTestId(`theme-${theme}`).click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
  await expectNoSeriousFindings(page, 'explorer before connecting');

  await ui.connect(env.broker.url);
  const outside = await mqtt.connectAsync(env.broker.url);
  await outside.publishAsync('plant/line1/temp', JSON.stringify({ temp: 21.5, unit: 'C', ok: true }), { qos: 1, retain: true });
  await outside.publishAsync('plant/line1/raw', Buffer.from([0, 1, 2, 250]), { qos: 0 });
  await outside.endAsync();
  await expect(ui.totals).toContainText('messages');
  await expectNoSeriousFindings(page, 'explorer with a tree');

  await ui.openTopic('plant/line1/temp');
  await expect(ui.inspectorPayload).toContainText('21.5');
  await expectNoSeriousFindings(page, 'inspector with a message selected');

  await page.getByTestId('payload-as-tree').check();
  await page.getByTestId('tab-chart').click();
  await expect(ui.chart).toBeVisible();
  await expectNoSeriousFindings(page, 'inspector chart');
  await page.getByTestId('tab-history').click();
  await expect(ui.historyList).toBeVisible();
  await expectNoSeriousFindings(page, 'inspector history');

  await ui.publishTopic.fill('plant/line1/cmd');
  await ui.setPayload('{"on": true}');
  await page.getByTestId('publish-properties').locator('summary').click();
  await expectNoSeriousFindings(page, 'composer');

  await page.getByTestId('profiles-new').click();
  await expect(page.getByTestId('profile-editor')).toBeVisible();
  await expectNoSeriousFindings(page, 'profile editor');
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('profile-editor')).toBeHidden();

  await page.getByTestId('workspace-history').click();
  await expect(page.getByTestId('workspace-history')).toHaveAttribute('aria-selected', 'true');
  await expectNoSeriousFindings(page, 'history');

  await page.getByTestId('workspace-broker').click();
  await expect(page.getByTestId('workspace-broker')).toHaveAttribute('aria-selected', 'true');
  await expectNoSeriousFindings(page, 'broker');

  await page.getByTestId('workspace-certificates').click();
  await expect(page.getByTestId('certificates-panel')).toBeVisible();
  await expectNoSeriousFindings(page, 'certificates');
  await page.getByTestId('cert-open-import').click();
  await expect(page.getByTestId('cert-import-form')).toBeVisible();
  await expectNoSeriousFindings(page, 'certificate import');

  await page.keyboard.press('Control+K');
  await expect(page.getByTestId('command-palette')).toBeVisible();
  await expectNoSeriousFindings(page, 'command palette');
});
}
