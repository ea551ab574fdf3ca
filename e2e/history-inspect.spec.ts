import { expect, test } from '@playwright/test';
import mqtt from 'mqtt';
import { eachTestAppWithMosquitto } from './support/app-with-mosquitto';
import { HistoryPage } from './pages/history-page';
import { ScriptsPage } from './pages/scripts-page';

const env = eachTestAppWithMosquitto();

test('a picked History result shows in the inspector\'s payload view (Show as switches to hex) and diffs against a marked one', async ({ page }) => {
  test.setTimeout(90_000);
  const ui = new HistoryPage(page);
  await ui.open(env.app.url);
  await ui.connect(env.broker.url);
  await ui.show();
  await ui.record(env.broker.url);

  // Two readings of one sensor from an outside publisher: only the state field changes.
  const outside = await mqtt.connectAsync(env.broker.url, { protocolVersion: 5 });
  await outside.publishAsync('plant/boiler/state', JSON.stringify({ t: 20, state: 'ok' }), { qos: 1 });
  await outside.publishAsync('plant/boiler/state', JSON.stringify({ t: 20, state: 'overheat' }), { qos: 1 });
  await outside.endAsync();
  await expect.poll(async () => Number(await ui.summary.getAttribute('data-messages')), { timeout: 20_000 }).toBe(2);

  await ui.search({ filters: 'plant/#' });
  await expect(ui.resultRows()).toHaveCount(2);
  // Newest first: the overheat reading.
  const [newest, oldest] = [ui.resultRows().nth(0), ui.resultRows().nth(1)];
  await newest.click();
  const payload = ui.detail.getByTestId('inspector-payload');
  await expect(ui.detail.getByTestId('inspector-format')).toHaveText('json');
  await expect(payload).toContainText('"state": "overheat"');

  // Every "Show as" choice of the live inspector: hex shows the bytes.
  await ui.detail.getByTestId('payload-decoder').selectOption('hex');
  await expect(ui.detail.getByTestId('inspector-format')).toHaveText('hex');
  await expect(payload).toContainText('7b 22 74 22'); // {"t"
  await expect(payload).not.toContainText('"state": "overheat"');
  await ui.detail.getByTestId('payload-decoder').selectOption('cbor');
  await expect(ui.detail.getByTestId('payload-error')).toContainText('cannot decode as CBOR');

  // Mark it "compare with", pick the other one: the JSON-aware diff shows the changed field, older first.
  await ui.detail.getByTestId('history-compare-mark').click();
  await expect(newest).toHaveAttribute('data-compare', 'yes');
  await expect(ui.detail.getByTestId('history-compare-hint')).toBeVisible();
  await oldest.click();
  const diff = ui.detail.getByTestId('history-result-diff');
  await expect(diff).toHaveAttribute('data-json', 'true');
  await expect(diff).toHaveAttribute('data-added', '1');
  await expect(diff).toHaveAttribute('data-removed', '1');
  await expect(diff.locator('.removed')).toHaveText(/"state": "ok"/);
  await expect(diff.locator('.added')).toHaveText(/"state": "overheat"/);
  await expect(diff.locator('.same').filter({ hasText: '"t": 20' })).toHaveCount(1);
  // The picked result itself is still shown with the payload view, back at auto.
  await expect(ui.detail.getByTestId('inspector-format')).toHaveText('json');
  await expect(payload).toContainText('"state": "ok"');

  await ui.detail.getByTestId('history-compare-clear').click();
  await expect(diff).toHaveCount(0);
  await expect(newest).not.toHaveAttribute('data-compare', 'yes');

  // With "decoded" ticked the search applies the user's decoder bindings: a Hex binding makes the hex dump searchable.
  const scripts = new ScriptsPage(page);
  await scripts.workspaceTab.click();
  await scripts.addBinding.click();
  await scripts.bindingFilter.fill('plant/#');
  await scripts.bindingKind.selectOption('hex');
  await scripts.bindingSave.click();
  await expect(scripts.bindingRow('plant/#')).toBeVisible();
  await ui.show();
  await ui.search({ filters: 'plant/#', text: '7b 22 74' });
  await expect(ui.resultRows()).toHaveCount(0);
  await page.getByTestId('history-decoded').check();
  await ui.search({ filters: 'plant/#', text: '7b 22 74' });
  await expect(ui.resultRows()).toHaveCount(2);
  const preview = ui.resultRows().first().getByTestId('history-result-preview');
  await expect(preview).toHaveAttribute('data-decoded', 'yes');
  await expect(preview).toContainText('7b 22 74 22');
});
