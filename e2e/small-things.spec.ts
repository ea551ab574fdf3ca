import { expect, test, type Page } from '@playwright/test';
import mqtt from 'mqtt';
import { createTestPki, type TestPki } from '../src-main/test-support/pki';
import { startMosquitto, type Mosquitto } from '../src-main/test-support/mosquitto';
import { BrokerPage } from './pages/broker-page';
import { CertificatesPage } from './pages/certificates-page';
import { ExplorerPage } from './pages/explorer-page';
import { startWebApp, type WebApp } from './support/web-app';

let app: WebApp | undefined;
let broker: Mosquitto | undefined;

test.afterEach(async () => {
  await app?.stop({ removeData: true });
  await broker?.stop();
  app = undefined;
  broker = undefined;
});

async function withMosquitto(page: Page, protocolVersion: '5' | '4' = '5'): Promise<{ ui: ExplorerPage; url: string }> {
  broker = await startMosquitto();
  app = await startWebApp();
  const ui = new ExplorerPage(page);
  await ui.open(app.url);
  await ui.protocolVersion.selectOption(protocolVersion);
  await ui.connect(broker.url);
  return { ui, url: broker.url };
}

test('counts read as English, times follow the time format setting, and hex rows never wrap', async ({ page }) => {
  const { ui, url } = await withMosquitto(page);
  const outside = await mqtt.connectAsync(url);
  await outside.publishAsync('one/topic', Buffer.from(Array.from({ length: 40 }, (_, i) => i)), { qos: 1 });
  await expect(ui.totals).toHaveText('1 topic · 1 message');
  await expect(ui.row('one').getByTestId('row-counts')).toHaveText('1 topic, 1 message');

  await ui.openTopic('one/topic');
  const time = page.getByTestId('inspector-time');
  await expect(time).toHaveText(/^\d{2}:\d{2}:\d{2}\.\d{3}$/);
  await page.getByTestId('time-format-switcher').click();
  await page.getByTestId('time-format-locale').click();
  const iso = await time.getAttribute('title');
  const expected = await page.evaluate((at) => new Date(at ?? '').toLocaleTimeString(undefined, { hour: 'numeric', minute: '2-digit', second: '2-digit', fractionalSecondDigits: 3 }), iso);
  await expect(time).toHaveText(expected);
  // Remembered: a reload keeps the system format.
  await page.reload();
  await expect(page.locator('body[data-ready="true"]')).toBeAttached({ timeout: 30_000 });
  await expect(page.getByTestId('time-format-switcher')).toHaveAttribute('aria-label', 'Time format: System format');

  await ui.openTopic('one/topic');
  await page.getByTestId('payload-decoder').selectOption('hex');
  const payload = page.getByTestId('inspector-payload');
  await expect(payload).toHaveClass(/payload-hex/);
  expect(await payload.evaluate((el) => getComputedStyle(el).whiteSpace)).toBe('pre');
  await outside.endAsync();
});

test('the chart applies its field as you type, a number in the JSON tree charts itself, with axes and a legend', async ({ page }) => {
  const { ui, url } = await withMosquitto(page);
  const outside = await mqtt.connectAsync(url);
  for (const [t, h] of [[20.5, 40], [21, 41], [22.25, 43]]) await outside.publishAsync('room/1', JSON.stringify({ temp: t, hum: h }), { qos: 1 });
  await expect(ui.totals).toHaveText('1 topic · 3 messages');
  await ui.openTopic('room/1');
  await page.getByTestId('payload-as-tree').check();
  // The number itself is the control.
  const temp = page.locator('[data-testid="chart-field"][data-field="temp"]');
  await expect(temp).toHaveText('22.25');
  await temp.click();
  await expect(ui.chart).toHaveAttribute('data-field', 'temp');
  await expect(ui.chart).toHaveAttribute('data-points', '3');
  await expect(page.getByTestId('chart-legend-label')).toHaveText('temp');
  const canvas = page.getByTestId('chart-canvas');
  await expect(canvas).toHaveAttribute('data-y-ticks', /^[\d.]+(\|[\d.]+)+$/);
  await expect(canvas).toHaveAttribute('data-x-ticks', /\d{2}:\d{2}:\d{2}/);
  await expect(canvas).toHaveAttribute('aria-label', /^temp over time: 3 points/);

  // No Enter: the box applies once typing pauses.
  await page.getByTestId('chart-field-input').fill('hum');
  await expect(ui.chart).toHaveAttribute('data-field', 'hum');
  await expect(ui.chart).toHaveAttribute('data-last', '43');
  await expect(page.getByTestId('chart-legend-label')).toHaveText('hum');
  await outside.endAsync();
});

test('the chart offers the numeric fields of recent payloads to pick, by keyboard or by mouse', async ({ page }) => {
  const { ui, url } = await withMosquitto(page);
  const outside = await mqtt.connectAsync(url);
  await outside.publishAsync('room/2', JSON.stringify({ temp: 20, hum: 40 }), { qos: 1 });
  await outside.publishAsync('room/2', JSON.stringify({ temp: 21, status: 'ok', fan: { rpm: 900 } }), { qos: 1 });
  await outside.endAsync();
  await ui.openTopic('room/2');
  await page.getByRole('tab', { name: 'chart' }).click();
  const field = page.getByTestId('chart-field-input');
  const list = page.getByTestId('chart-field-input-list');
  await expect(field).toHaveAttribute('role', 'combobox');

  // Keyboard: ↓ opens the list (newest payload's fields first, no strings), ↓ moves, Enter charts the field.
  await field.focus();
  await field.press('ArrowDown');
  await expect(list.getByRole('option')).toHaveText(['temp', 'fan.rpm', 'hum']);
  await expect(field).toHaveAttribute('aria-expanded', 'true');
  await field.press('ArrowDown');
  await field.press('ArrowDown');
  await expect(field).toHaveAttribute('aria-activedescendant', (await list.getByRole('option', { name: 'fan.rpm' }).getAttribute('id'))!);
  await field.press('Enter');
  await expect(ui.chart).toHaveAttribute('data-field', 'fan.rpm');
  await expect(ui.chart).toHaveAttribute('data-last', '900');
  await expect(list).toBeHidden();

  // Typing filters the list; a click picks; Escape closes it without leaving the box.
  await field.fill('hu');
  await expect(list.getByRole('option')).toHaveText(['hum']);
  await list.getByRole('option', { name: 'hum' }).click();
  await expect(ui.chart).toHaveAttribute('data-field', 'hum');
  await expect(ui.chart).toHaveAttribute('data-last', '40');
  await page.getByTestId('chart-field-input-toggle').click();
  await expect(list.getByRole('option')).toHaveCount(3);
  await field.press('Escape');
  await expect(list).toBeHidden();
  await expect(field).toBeFocused();
});

test('MQTT 5-only subscription options are hidden on an MQTT 3.1.1 connection', async ({ page }) => {
  await withMosquitto(page, '4');
  await page.getByTestId('subscriptions-toggle').click();
  await expect(page.getByTestId('subscriptions-panel')).toBeVisible();
  await expect(page.getByTestId('subscription-mqtt5-options')).toHaveCount(0);
  await expect(page.getByTestId('subscription-mqtt3-note')).toContainText('need MQTT 5');
  await expect(page.getByTestId('subscriptions-panel')).not.toContainText('rap');
  await page.getByTestId('subscription-filter').fill('a/#');
  await page.getByTestId('subscription-add').click();
  await expect(page.locator('[data-testid="subscription-row"][data-filter="a/#"]')).toHaveAttribute('data-state', 'active');
});

test('a validation error names the subscription and the rule, not a schema path', async ({ page }) => {
  app = await startWebApp();
  const ui = new ExplorerPage(page);
  await ui.open(app.url);
  await page.getByTestId('profiles-new').click();
  const editor = page.getByTestId('profile-editor');
  await editor.getByTestId('profile-name-input').fill('Bad QoS');
  await editor.getByTestId('profile-url').fill('mqtt://127.0.0.1:1883');
  await editor.getByTestId('profile-subscriptions').fill('# 0\nsensors/# 3');
  await editor.getByTestId('profile-save').click();
  const error = page.getByTestId('profile-editor-error');
  await expect(error).toContainText('Subscription 2: QoS must be 0 (at most once), 1 (at least once) or 2 (exactly once).');
  await expect(error).not.toContainText('subscriptions.1');
});

test('the broker log filters by kind and client and pauses', async ({ page }) => {
  app = await startWebApp({ embeddedBroker: true });
  const ui = new ExplorerPage(page);
  await ui.open(app.url);
  const dash = new BrokerPage(page);
  await dash.open();
  await expect(dash.state).toHaveText('Running');
  const url = await dash.tcpUrl();
  const a = await mqtt.connectAsync(url, { clientId: 'log-alpha' });
  const b = await mqtt.connectAsync(url, { clientId: 'log-beta' });
  await a.endAsync();
  const log = page.getByTestId('broker-log');
  await expect(log.locator('li[data-client="log-alpha"][data-kind="client.disconnected"]')).toHaveCount(1);

  await page.getByTestId('broker-log-client').fill('log-al');
  await expect(log.locator('li[data-client="log-beta"]')).toHaveCount(0);
  await expect(log.locator('li[data-client="log-alpha"]')).toHaveCount(2);
  await page.getByTestId('broker-log-kind').selectOption('client.disconnected');
  await expect(log.locator('li')).toHaveCount(1);
  await page.getByTestId('broker-log-kind').selectOption('');
  await page.getByTestId('broker-log-client').fill('');

  await page.getByTestId('broker-log-pause').click();
  await expect(log).toHaveAttribute('data-paused', 'true');
  const c = await mqtt.connectAsync(url, { clientId: 'log-gamma' });
  await expect(page.getByTestId('broker-log-status')).toHaveText(/Paused · [1-9]\d* new lines? waiting/);
  await expect(log.locator('li[data-client="log-gamma"]')).toHaveCount(0);
  await page.getByTestId('broker-log-pause').click();
  await expect(log.locator('li[data-client="log-gamma"]')).toHaveCount(1);
  await b.endAsync();
  await c.endAsync();
});

test.describe('certificates', () => {
  let pki: TestPki;
  test.beforeAll(() => {
    pki = createTestPki();
  });
  test.afterAll(() => pki.cleanup());

  test('an untrusted root is trusted with one button, and importing it or a client identity again says it is already there', async ({ page }) => {
    app = await startWebApp();
    const ui = new ExplorerPage(page);
    await ui.open(app.url);
    const certs = new CertificatesPage(page);
    await certs.open();
    await certs.importPasted('client-identity', pki.text('client.crt') + pki.text('client.key') + pki.text('root.crt'));
    const chain = page.getByTestId('cert-chain');
    await expect(chain).toHaveAttribute('data-trusted', 'false');
    const trust = page.getByTestId('cert-trust-top');
    await expect(trust).toHaveText(/^Add ".+" to your store as a trusted CA$/);
    await trust.click();
    await expect(chain).toHaveAttribute('data-trusted', 'true');
    await expect(page.getByTestId('cert-notice')).toContainText('is now a trusted CA in your store');
    await expect(certs.rows('trusted-ca')).toHaveCount(1);

    await certs.importPasted('trusted-ca', pki.text('root.crt'));
    await expect(page.getByTestId('cert-notice')).toHaveText('"Topiary Test Root" is already in your store; nothing was added.');
    await expect(certs.rows('trusted-ca')).toHaveCount(1);

    // A client identity (certificate and key) imported again, key first this time, is not copied either.
    await certs.rows('client-identity').first().click();
    const identity = await page.getByTestId('cert-details').getAttribute('data-id');
    const label = await page.getByTestId('cert-details-label').textContent();
    await certs.importPasted('client-identity', pki.text('client.key') + pki.text('client.crt'));
    await expect(page.getByTestId('cert-notice')).toHaveText(`"${label}" is already in your store; nothing was added.`);
    await expect(page.getByTestId('cert-details')).toHaveAttribute('data-id', identity!);
    await expect(certs.rows('client-identity')).toHaveCount(1);
  });
});
