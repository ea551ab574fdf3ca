import { expect, test } from '@playwright/test';
import mqtt, { type IPublishPacket, type MqttClient } from 'mqtt';
import { startMosquitto, type Mosquitto } from '../src-main/test-support/mosquitto';
import { PublishPage } from './pages/publish-page';
import { ProfilesPage } from './pages/profiles-page';
import { TreeAndConnectPage } from './pages/tree-and-connect-page';
import { startWebApp, type WebApp } from './support/web-app';

// The tree's menu and keyboard, the composer following the selection, and the connections list as the way in.

let app: WebApp | undefined;
const brokers: Mosquitto[] = [];
const clients: MqttClient[] = [];

test.afterEach(async () => {
  for (const c of clients.splice(0)) await c.endAsync(true).catch(() => undefined);
  await app?.stop({ removeData: true });
  app = undefined;
  for (const b of brokers.splice(0)) await b.stop();
});

async function broker(): Promise<Mosquitto> {
  const b = await startMosquitto();
  brokers.push(b);
  return b;
}

async function client(url: string): Promise<MqttClient> {
  const c = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
  clients.push(c);
  return c;
}

/** A broker with a small plant: retained readings on two lines. */
async function plant(url: string): Promise<void> {
  const pub = await client(url);
  await pub.publishAsync('plant/line1/temp', '{"t":21.5}', { qos: 1, retain: true });
  await pub.publishAsync('plant/line1/hum', '40', { qos: 1, retain: true });
  await pub.publishAsync('plant/line2/temp', '19', { qos: 1, retain: true });
}

test('each action of a topic’s context menu does what it says, and Shift+F10 opens it from the keyboard', async ({ page, context }) => {
  const b = await broker();
  await plant(b.url);
  app = await startWebApp();
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: app.origin });
  const ui = new TreeAndConnectPage(page);
  const composer = new PublishPage(page);
  await ui.open(app.url);
  await ui.connect(b.url);
  await ui.expand('plant');
  await ui.expand('plant/line1');

  await ui.menuAction('plant/line1', 'copy-topic');
  await expect(ui.note).toContainText('Copied the topic plant/line1');
  expect(await ui.clipboardText()).toBe('plant/line1');

  await ui.menuAction('plant/line1/temp', 'copy-payload');
  await expect(ui.note).toContainText('Copied the payload of plant/line1/temp');
  expect(await ui.clipboardText()).toBe('{"t":21.5}');

  await composer.topic.fill('somewhere/else');
  await ui.topicPin.click();
  await ui.menuAction('plant/line1/hum', 'publish');
  // Asked for explicitly, so it wins over the pin, and the cursor is in the topic field.
  await expect(composer.topic).toHaveValue('plant/line1/hum');
  await expect(composer.topic).toBeFocused();

  await ui.menuAction('plant/line1/temp', 'chart');
  await expect(ui.inspector).toHaveAttribute('data-topic', 'plant/line1/temp');
  await expect(page.getByTestId('tab-chart')).toHaveAttribute('aria-selected', 'true');

  // Clear retained: counted first, then really gone from the broker, as another client sees it.
  await ui.menuAction('plant/line1/temp', 'clear-retained');
  await expect(ui.retainedClear.getByTestId('tree-clear-retained-count')).toHaveAttribute('data-count', '1');
  await ui.retainedClear.getByTestId('tree-clear-retained-go').click();
  await expect(ui.retainedClear.getByTestId('tree-clear-retained-done')).toHaveAttribute('data-cleared', '1');
  const watcher = await client(b.url);
  const seen: string[] = [];
  watcher.on('message', (topic, _p, packet: IPublishPacket) => seen.push(`${topic}${packet.retain ? ' (retained)' : ''}`));
  await watcher.subscribeAsync('plant/line1/#', { qos: 1 });
  await expect.poll(() => seen).toContain('plant/line1/hum (retained)');
  // A message sent after the subscription arrives after every retained one, so by then temp would have come.
  await watcher.publishAsync('plant/line1/marker', 'm', { qos: 1 });
  await expect.poll(() => seen).toContain('plant/line1/marker');
  expect(seen.filter((s) => s.startsWith('plant/line1/temp'))).toEqual([]);
  await ui.retainedClear.getByTestId('tree-clear-retained-close').click();

  await ui.menuAction('plant/line1', 'filter');
  await expect(ui.filter).toHaveValue('plant/line1/#');
  await expect(ui.filterMode).toHaveValue('wildcard');
  await expect(ui.row('plant/line2')).toHaveCount(0);
  await expect(ui.row('plant/line1/hum')).toBeVisible();

  // From the keyboard: the selected row's menu, then Escape gives the tree its focus back.
  await ui.row('plant/line1/hum').click();
  await expect(ui.tree).toBeFocused();
  await page.keyboard.press('Shift+F10');
  await expect(ui.menu).toHaveAttribute('data-path', 'plant/line1/hum');
  await page.keyboard.press('Escape');
  await expect(ui.menu).toBeHidden();
  await expect(ui.tree).toBeFocused();
});

test('the tree opens and closes from the keyboard and by clicking a selected name again; leaves look unlike branches', async ({ page }) => {
  const b = await broker();
  await plant(b.url);
  app = await startWebApp();
  const ui = new TreeAndConnectPage(page);
  await ui.open(app.url);
  await ui.connect(b.url);
  const plantRow = ui.row('plant');
  await expect(plantRow).toHaveAttribute('data-kind', 'branch');
  await expect(plantRow).toHaveAttribute('aria-expanded', 'false');

  await plantRow.click();
  await expect(plantRow).toHaveAttribute('aria-selected', 'true');
  await expect(plantRow).toHaveAttribute('aria-expanded', 'false');
  await plantRow.locator('.name').click();
  await expect(plantRow).toHaveAttribute('aria-expanded', 'true');

  await page.keyboard.press('ArrowLeft');
  await expect(plantRow).toHaveAttribute('aria-expanded', 'false');
  await page.keyboard.press('ArrowRight');
  await expect(plantRow).toHaveAttribute('aria-expanded', 'true');
  await page.keyboard.press('ArrowDown');
  await expect(ui.row('plant/line1')).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('Enter');
  await expect(ui.row('plant/line1')).toHaveAttribute('aria-expanded', 'true');
  const leaf = ui.row('plant/line1/hum');
  await expect(leaf).toHaveAttribute('data-kind', 'leaf');
  await expect(leaf).not.toHaveAttribute('aria-expanded');
  // Different icons, not only a different attribute.
  const icon = async (path: string): Promise<string> => ui.row(path).locator('.kind-icon svg').evaluate((svg) => svg.getAttribute('class') ?? '');
  expect(await icon('plant/line1/hum')).not.toBe(await icon('plant/line1'));
  await page.keyboard.press('ArrowLeft');
  await expect(ui.row('plant/line1')).toHaveAttribute('aria-expanded', 'false');
  await page.keyboard.press('ArrowLeft');
  await expect(plantRow).toHaveAttribute('aria-selected', 'true');
});

test('the composer follows the selected topic, and keeps its own once pinned', async ({ page }) => {
  const b = await broker();
  await plant(b.url);
  app = await startWebApp();
  const ui = new TreeAndConnectPage(page);
  const composer = new PublishPage(page);
  await ui.open(app.url);
  await ui.connect(b.url);
  await ui.expand('plant');
  await ui.expand('plant/line1');
  await ui.row('plant/line1/temp').click();
  await expect(composer.topic).toHaveValue('plant/line1/temp');
  await ui.row('plant/line1/hum').click();
  await expect(composer.topic).toHaveValue('plant/line1/hum');

  await ui.topicPin.click();
  await expect(ui.topicPin).toHaveAttribute('aria-pressed', 'true');
  await ui.row('plant/line1/temp').click();
  await expect(ui.inspector).toHaveAttribute('data-topic', 'plant/line1/temp');
  await expect(composer.topic).toHaveValue('plant/line1/hum');

  await ui.topicPin.click();
  await ui.row('plant/line2').click();
  await expect(composer.topic).toHaveValue('plant/line2');
});

test('a quick connect is listed, a second connection receives messages while the first stays live, and one click saves it as a profile', async ({ page }) => {
  const first = await broker();
  const second = await broker();
  app = await startWebApp();
  const ui = new TreeAndConnectPage(page);
  const profiles = new ProfilesPage(page);
  await ui.open(app.url);
  await profiles.ready();

  await ui.quickConnect(first.url);
  await expect(ui.unsaved(first.url)).toHaveAttribute('data-state', 'connected');
  await ui.quickConnect(second.url, { username: 'second-user' });
  await expect(ui.unsaved(second.url)).toHaveAttribute('data-active', 'true');
  await expect(ui.unsaved(first.url)).toHaveAttribute('data-state', 'connected');

  const one = await client(first.url);
  const two = await client(second.url);
  await two.publishAsync('second/reading', '2', { qos: 1 });
  await expect(ui.row('second')).toBeVisible();
  await one.publishAsync('first/reading', '1', { qos: 1 });
  // The bar shows the shown connection's own facts.
  await expect(ui.brokerUrl).toHaveValue(second.url);
  await expect(ui.username).toHaveValue('second-user');

  await ui.unsaved(first.url).getByTestId('live-connection-name').click();
  await expect(ui.unsaved(first.url)).toHaveAttribute('data-active', 'true');
  await expect(ui.row('first')).toBeVisible();
  await expect(ui.row('second')).toHaveCount(0);
  await expect(ui.brokerUrl).toHaveValue(first.url);
  await expect(ui.username).toHaveValue('');
  await expect(ui.status).toHaveAttribute('data-state', 'connected');
  await expect(ui.unsaved(second.url)).toHaveAttribute('data-state', 'connected');

  // Saved in one click: the entry becomes a profile whose connection is the live one.
  await ui.unsaved(second.url).hover();
  await ui.unsaved(second.url).getByTestId('live-connection-save').click();
  await expect(profiles.row(second.url)).toHaveAttribute('data-state', 'connected');
  await expect(ui.unsaved(second.url)).toHaveCount(0);
  await profiles.row(second.url).getByTestId('profile-disconnect').click();
  await expect(profiles.row(second.url)).toHaveAttribute('data-state', 'disconnected');
  await profiles.connect(second.url);
  await expect(ui.username).toHaveValue('second-user');
  await expect(ui.unsaved(first.url)).toHaveAttribute('data-state', 'connected');
});

test('entries with the same URL are told apart by name, client id and colour', async ({ page }) => {
  const b = await broker();
  app = await startWebApp();
  const ui = new TreeAndConnectPage(page);
  await ui.open(app.url);
  await ui.quickConnect(b.url);
  await ui.quickConnect(b.url);
  const a = ui.unsaved(b.url);
  const c = ui.unsaved(`${b.url} (2)`);
  await expect(a).toHaveAttribute('data-state', 'connected');
  await expect(c).toHaveAttribute('data-state', 'connected');
  const ids = [await a.getAttribute('data-client-id'), await c.getAttribute('data-client-id')];
  expect(ids[0]).toMatch(/^auto-/);
  expect(ids[1]).toMatch(/^auto-/);
  expect(ids[0]).not.toBe(ids[1]);
  await expect(a.getByTestId('live-connection-client-id')).toContainText(ids[0]!);
  expect(await a.getAttribute('data-colour')).not.toBe(await c.getAttribute('data-colour'));
  const swatch = async (entry: typeof a): Promise<string> => entry.locator('.conn-colour').evaluate((el) => getComputedStyle(el).backgroundColor);
  expect(await swatch(a)).not.toBe(await swatch(c));
});

test('the embedded broker’s connection stays listed after Disconnect and connects again from the list', async ({ page }) => {
  app = await startWebApp({ embeddedBroker: true });
  const ui = new TreeAndConnectPage(page);
  await ui.open(app.url);
  const entry = ui.unsaved('Embedded broker');
  await expect(entry).toHaveAttribute('data-state', 'connected');
  await expect(ui.row('$SYS')).toBeVisible();
  const url = await ui.brokerUrl.inputValue();

  await entry.hover();
  await entry.getByTestId('live-connection-disconnect').click();
  await expect(entry).toHaveAttribute('data-state', 'disconnected');
  await expect(ui.status).toHaveAttribute('data-state', 'disconnected');
  await expect(ui.brokerUrl).toHaveValue(url);
  await expect(ui.connectButton).toHaveText('Reconnect');

  await entry.getByTestId('live-connection-reconnect').click();
  await expect(entry).toHaveAttribute('data-state', 'connected');
  await expect(ui.status).toHaveAttribute('data-state', 'connected');
  await expect(ui.row('$SYS')).toBeVisible();

  // And from the bar, the same way back.
  await ui.connectButton.click();
  await expect(entry).toHaveAttribute('data-state', 'disconnected');
  await ui.connectButton.click();
  await expect(entry).toHaveAttribute('data-state', 'connected');
});
