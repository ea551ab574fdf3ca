import { expect, test } from '@playwright/test';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { freePort } from '../src-main/test-support/free-port';
import { startMosquitto, type Mosquitto } from '../src-main/test-support/mosquitto';
import { AppPage } from './pages/app-page';
import { ConnectionPage } from './pages/connection-page';
import { PublishPage } from './pages/publish-page';
import { startWebApp, type WebApp } from './support/web-app';

let app: WebApp | undefined;
let broker: Mosquitto | undefined;
const cleanups: (() => Promise<unknown>)[] = [];

test.afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  await app?.stop({ removeData: true });
  await broker?.stop();
  app = undefined;
  broker = undefined;
});

async function connected(page: import('@playwright/test').Page, url: string): Promise<{ ui: AppPage; conn: ConnectionPage }> {
  const ui = new AppPage(page);
  await ui.open(app!.url);
  await ui.connect(url);
  return { ui, conn: new ConnectionPage(page) };
}

test('the info panel shows what mosquitto said in its MQTT 5 CONNACK, and the defaults of what it left out', async ({ page }) => {
  broker = await startMosquitto({ config: ['max_qos 1', 'retain_available false'] });
  app = await startWebApp();
  const { conn } = await connected(page, broker.url);
  await expect(conn.statusDetail).toContainText(`to ${broker.url}`);
  await conn.openInfo();

  await expect(conn.protocol).toHaveText('MQTT 5.0');
  // Sent empty: mosquitto assigns the id and says so in its MQTT 5 CONNACK.
  await expect(conn.clientId).toHaveText(/^auto-/);
  await expect(conn.urls).toHaveCount(1);
  await expect(conn.urls.first()).toHaveAttribute('data-live', 'true');
  await expect(conn.factValue('reasonCode')).toHaveText('0x00 Success');
  await expect(conn.factValue('sessionPresent')).toHaveText('no');
  await expect(conn.fact('maximumQoS')).toHaveAttribute('data-sent', 'true');
  await expect(conn.factValue('maximumQoS')).toHaveText('1');
  await expect(conn.fact('retainAvailable')).toContainText('Retain available');
  await expect(conn.factValue('retainAvailable')).toHaveText('no');
  await expect(conn.fact('sharedSubscriptionAvailable')).toHaveAttribute('data-sent', 'false');
  await expect(conn.factValue('sharedSubscriptionAvailable')).toHaveText('not sent (default: yes)');
  await expect(conn.factValue('serverReference')).toHaveText('not sent (default: none)');
});

test('the info panel shows the embedded broker’s CONNACK facts for the connection the app opens on start', async ({ page }) => {
  app = await startWebApp({ embeddedBroker: true });
  const ui = new AppPage(page);
  await ui.open(app.url);
  await expect(ui.status).toHaveAttribute('data-state', 'connected');
  const conn = new ConnectionPage(page);
  await conn.openInfo();

  await expect(conn.protocol).toHaveText('MQTT 5.0');
  await expect(conn.urls.first()).toHaveText(/mqtt:\/\/127\.0\.0\.1:\d+/);
  await expect(conn.factValue('reasonCode')).toHaveText('0x00 Success');
  await expect(conn.fact('wildcardSubscriptionAvailable')).toHaveAttribute('data-sent', 'true');
  await expect(conn.factValue('wildcardSubscriptionAvailable')).toHaveText('yes');
  await expect(conn.fact('receiveMaximum')).toHaveAttribute('data-sent', 'true');
  await expect(conn.factValue('receiveMaximum')).toHaveText(/^[\d,]+$/);
  await expect(conn.fact('maximumQoS')).toHaveAttribute('data-sent', 'false');
  await expect(conn.factValue('maximumQoS')).toHaveText('not sent (default: 2)');
});

test('the broker check in the connection details reports what the broker supports and how each answer was found', async ({ page }) => {
  app = await startWebApp({ embeddedBroker: true });
  const ui = new AppPage(page);
  await ui.open(app.url);
  await expect(ui.status).toHaveAttribute('data-state', 'connected');
  const conn = new ConnectionPage(page);
  await conn.openInfo();

  await expect(conn.brokerCheck).toHaveAttribute('data-state', 'idle');
  await conn.brokerCheckRun.click();
  await expect(conn.brokerCheck).toHaveAttribute('data-state', 'running');
  await expect(conn.brokerCheckRun).toBeDisabled();
  await expect(conn.brokerCheck).toHaveAttribute('data-state', 'done', { timeout: 60_000 });
  await expect(conn.brokerCheck.getByTestId('broker-check-report')).toHaveAttribute('data-url', /^mqtt:\/\/127\.0\.0\.1:\d+$/);
  await expect(conn.checkLine('MQTT versions accepted').getByTestId('broker-check-value')).toHaveText('5.0, 3.1.1, 3.1');
  await expect(conn.checkLine('MQTT versions accepted').getByTestId('broker-check-how')).toHaveText(/^test: connected with each version/);
  await expect(conn.checkLine('will delivery').getByTestId('broker-check-value')).toHaveText('delivered');
  await expect(conn.checkLine('receive maximum').getByTestId('broker-check-how')).toHaveText(/CONNACK property/);
  // The check ran beside the connection, which is still the one connected.
  await expect(ui.status).toHaveAttribute('data-state', 'connected');
  await expect(conn.brokerCheckRun).toHaveText('Check again');
});

test('a failover list connects to the first broker that answers and says which one is live', async ({ page }) => {
  broker = await startMosquitto();
  app = await startWebApp();
  const dead = `mqtt://127.0.0.1:${await freePort()}`;
  const { conn } = await connected(page, `${dead}, ${broker.url}`);
  await expect(conn.statusDetail).toContainText(`to ${broker.url} (broker 2 of 2)`);
  await conn.openInfo();
  await expect(conn.urls).toHaveCount(2);
  await expect(conn.urls.nth(0)).toHaveAttribute('data-live', 'false');
  await expect(conn.urls.nth(1)).toHaveAttribute('data-live', 'true');
  await expect(conn.urls.nth(1)).toContainText(`${broker.url}live`);
});

test('a stopped broker shows reconnecting with an attempt counter; messages published meanwhile are queued, then reach a subscriber', async ({ page }) => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'topiary-e2e-persist-'));
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  // Persistence keeps the outside subscriber's session across the restart, so it cannot miss the flush.
  broker = await startMosquitto({ config: ['persistence true', `persistence_location ${dataDir}/`, 'autosave_interval 1'] });
  app = await startWebApp();
  const { ui, conn } = await connected(page, broker.url);

  const received: string[] = [];
  const outside = await mqtt.connectAsync(broker.url, { clientId: 'e2e-outside', clean: false, protocolVersion: 4, reconnectPeriod: 100 });
  cleanups.push(() => outside.endAsync(true));
  outside.on('message', (topic, payload) => received.push(`${topic}=${payload.toString()}`));
  await outside.subscribeAsync('queued/#', { qos: 1 });

  await broker.kill();
  await expect(ui.status).toHaveAttribute('data-state', 'reconnecting');
  await expect(conn.reconnect).toHaveAttribute('data-attempt', /^[1-9]\d*$/);
  await expect(conn.reconnect).toContainText(/attempt \d+, (next try in \d+ s|trying now)/);

  // Published from the composer while the broker is away: the core queues them.
  const composer = new PublishPage(page);
  await composer.payloadForm.selectOption('text');
  await composer.qos.selectOption('1');
  for (const n of [1, 2]) {
    await composer.topic.fill(`queued/${n}`);
    await composer.setPayload(`m${n}`);
    await composer.publishButton.click();
    await expect(composer.result).toContainText('Queued');
  }
  await expect(conn.queued).toHaveAttribute('data-count', '2');
  await expect(conn.queued).toHaveText('2 messages queued');
  expect(received).toEqual([]);

  await broker.start();
  await expect(ui.status).toHaveAttribute('data-state', 'connected');
  await expect(conn.queued).toHaveCount(0);
  await expect.poll(() => received, { timeout: 15_000 }).toEqual(['queued/1=m1', 'queued/2=m2']);
});

test('the packet log shows the handshake, subscription and publishes live, filters them and exports JSON lines', async ({ page }) => {
  broker = await startMosquitto();
  app = await startWebApp();
  const { conn } = await connected(page, broker.url);
  await conn.openPacketLog();
  await expect.poll(() => conn.visibleTypes()).toEqual(expect.arrayContaining(['connect', 'connack', 'subscribe', 'suback']));
  // A row opens in full, properties and all.
  await conn.packetLog.locator('[data-testid="packet-row"][data-type="connack"]').click();
  await expect(conn.packetDetail).toContainText('"sessionPresent": false');
  await expect(conn.packetDetail).toContainText('"reasonCode": 0');

  // Live while open: a publish from outside appears without any action in the UI.
  const outside = await mqtt.connectAsync(broker.url);
  cleanups.push(() => outside.endAsync(true));
  await outside.publishAsync('log/alpha', 'hello', { qos: 1 });
  await outside.publishAsync('log/beta', 'x'.repeat(2048), { qos: 0, retain: true });
  const beta = conn.packetRows.filter({ hasText: 'log/beta' });
  await expect(beta).toHaveCount(1);
  await expect(beta).toHaveAttribute('data-direction', 'in');
  await expect(beta).toContainText('2 KB');
  // Retain As Published is on for MQTT 5, so the live forward keeps its retain flag.
  await expect(beta).toContainText('qos0 retain');
  await expect(conn.packetRows.filter({ hasText: 'log/alpha' })).toContainText('qos1');

  await conn.typeChip('publish').click();
  await expect.poll(() => conn.visibleTypes()).toEqual(['publish', 'publish']);
  await conn.packetText.fill('log/beta');
  await expect.poll(() => conn.visibleTypes()).toEqual(['publish']);
  await expect(conn.packetCount).toHaveAttribute('data-matched', '1');

  const download = page.waitForEvent('download');
  await conn.exportButton.click();
  const file = await (await download).path();
  const lines = (await readFile(file, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as { type: string; topic?: string; direction: string });
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatchObject({ type: 'publish', topic: 'log/beta', direction: 'in', payloadSize: 2048, retain: true });

  await conn.packetText.fill('');
  await conn.typeChip('all').click();
  await conn.packetDirection.selectOption('out');
  await expect.poll(async () => new Set(await conn.packetRows.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-direction'))))).toEqual(new Set(['out']));
  await expect.poll(() => conn.visibleTypes()).toEqual(expect.arrayContaining(['connect', 'subscribe']));
});

test('a long packet log renders only the rows on screen and fetches older ones when scrolled back', async ({ page }) => {
  broker = await startMosquitto();
  app = await startWebApp();
  const { conn } = await connected(page, broker.url);
  const outside = await mqtt.connectAsync(broker.url);
  cleanups.push(() => outside.endAsync(true));
  for (let i = 0; i < 2000; i++) outside.publish(`bulk/${i % 10}`, String(i), { qos: 0 });
  await conn.openPacketLog();
  await expect.poll(async () => Number(await conn.packetCount.getAttribute('data-total'))).toBeGreaterThanOrEqual(2004);
  // Following the tail: the newest publish is on screen, the handshake is not in the page at all.
  await expect(conn.packetRows.last()).toHaveAttribute('data-type', 'publish');
  expect(await conn.packetLog.locator('[data-testid^="packet-row"]').count()).toBeLessThan(200);
  await expect(conn.packetLog.locator('[data-testid="packet-row"][data-type="connect"]')).toHaveCount(0);

  await conn.packetList.evaluate((el) => el.scrollTo({ top: 0 }));
  await expect(conn.packetRows.first()).toHaveAttribute('data-seq', '1');
  await expect(conn.packetRows.first()).toHaveAttribute('data-type', 'connect');
  await expect(conn.follow).not.toBeChecked();
});
