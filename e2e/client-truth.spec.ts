import { expect, test } from '@playwright/test';
import mqtt, { type IPublishPacket, type MqttClient } from 'mqtt';
import { createBroker, type Broker } from '../src-main/core/broker';
import { freePort } from '../src-main/test-support/free-port';
import { startMosquitto, type Mosquitto } from '../src-main/test-support/mosquitto';
import { AppPage } from './pages/app-page';
import { BrokerPage } from './pages/broker-page';
import { ConnectionPage } from './pages/connection-page';
import { ProfilesPage } from './pages/profiles-page';
import { PublishPage } from './pages/publish-page';
import { TruthPage } from './pages/truth-page';
import { startWebApp, type WebApp } from './support/web-app';

// The window shows the truth: refused subscriptions, whose error it is, the counter, a takeover, the assigned id.

let app: WebApp | undefined;
let mosquitto: Mosquitto | undefined;
let embedded: Broker | undefined;
const outsiders: MqttClient[] = [];

test.afterEach(async () => {
  for (const c of outsiders.splice(0)) c.end(true);
  await app?.stop({ removeData: true });
  await mosquitto?.stop();
  await embedded?.stop();
  app = undefined;
  mosquitto = undefined;
  embedded = undefined;
});

async function outside(url: string, options: mqtt.IClientOptions = {}): Promise<MqttClient> {
  const client = await mqtt.connectAsync(url, { reconnectPeriod: 0, ...options });
  client.on('error', () => undefined);
  outsiders.push(client);
  return client;
}

test('a subscription the broker refused at connect is shown as refused, and the empty tree says why', async ({ page }) => {
  embedded = createBroker({ listeners: [{ kind: 'tcp', host: '127.0.0.1', port: 0 }], acl: [{ scope: 'anonymous', access: 'readwrite', topic: 'open/#' }] });
  const [bound] = await embedded.start();
  app = await startWebApp();
  const ui = new AppPage(page);
  const truth = new TruthPage(page);
  await ui.open(app.url);
  await ui.connect(`mqtt://127.0.0.1:${bound!.port}`);
  await expect(truth.treeEmptyReason).toContainText('the broker refused every subscription');
  await expect(truth.treeEmptyReason).toContainText('The broker refused "#": Not authorized (0x87)');
});

test('a failed attempt’s error and credentials leave the bar once another connection is shown connected', async ({ page }) => {
  mosquitto = await startMosquitto();
  app = await startWebApp();
  const ui = new AppPage(page);
  const truth = new TruthPage(page);
  const profiles = new ProfilesPage(page);
  await ui.open(app.url);
  await profiles.ready();
  await profiles.create({ name: 'Good broker', url: mosquitto.url });
  await ui.brokerUrl.fill(`mqtt://127.0.0.1:${await freePort()}`);
  await truth.username.fill('bob');
  await truth.password.fill('not-for-this-one');
  await ui.connectButton.click();
  await expect(ui.connectionError).toContainText('nothing is listening');
  await profiles.connect('Good broker');
  await expect(ui.status).toHaveAttribute('data-state', 'connected');
  await expect(ui.connectionError).toHaveCount(0);
  await expect(ui.brokerUrl).toHaveValue(mosquitto.url);
  await expect(truth.username).toHaveValue('');
  await expect(truth.password).toHaveValue('');
});

test('{{counter}} counts 1, 2, 3 per manual send and starts again when reset', async ({ page }) => {
  mosquitto = await startMosquitto();
  app = await startWebApp();
  const watcher = await outside(mosquitto.url);
  const seen: string[] = [];
  watcher.on('message', (_t, _p, packet: IPublishPacket) => seen.push(Buffer.from(packet.payload).toString()));
  await watcher.subscribeAsync('count/topic', { qos: 1 });
  const ui = new AppPage(page);
  const composer = new PublishPage(page);
  const truth = new TruthPage(page);
  await ui.open(app.url);
  await ui.connect(mosquitto.url);
  await composer.topic.fill('count/topic');
  await composer.setPayload('{"n": {{counter}}}');
  for (let i = 1; i <= 3; i++) {
    await composer.publishButton.click();
    await expect(composer.result).toHaveAttribute('data-counter', String(i));
  }
  await truth.templateHelp.locator('summary').click();
  await truth.counterReset.click();
  await composer.publishButton.click();
  await expect(composer.result).toHaveAttribute('data-counter', '1');
  await expect.poll(() => seen).toEqual(['{"n": 1}', '{"n": 2}', '{"n": 3}', '{"n": 1}']);
});

test('a session taken over stops reconnecting, says so, and is taken back with one click', async ({ page }) => {
  mosquitto = await startMosquitto();
  app = await startWebApp();
  const profiles = new ProfilesPage(page);
  const ui = new AppPage(page);
  const truth = new TruthPage(page);
  await ui.open(app.url);
  await profiles.ready();
  await profiles.newButton.click();
  await profiles.editor.getByTestId('profile-name-input').fill('Same id');
  await profiles.editor.getByTestId('profile-url').fill(mosquitto.url);
  await profiles.editor.getByTestId('profile-client-id').fill('same-id');
  await profiles.editor.getByTestId('profile-save').click();
  await profiles.connect('Same id');
  const other = await outside(mosquitto.url, { clientId: 'same-id' });
  await expect(ui.status).toHaveAttribute('data-state', 'error');
  await expect(ui.connectionError).toHaveAttribute('data-code', 'SESSION_TAKEN_OVER');
  await expect(ui.connectionError).toContainText('stopped reconnecting');
  // It stays stopped: the other client keeps the session.
  await expect(truth.takeSessionBack).toBeVisible();
  expect(other.connected).toBe(true);
  await truth.takeSessionBack.click();
  await expect(ui.status).toHaveAttribute('data-state', 'connected');
  await expect.poll(() => other.connected).toBe(false);
});

test('an empty client id is left to the broker, and the id it assigned is shown', async ({ page }) => {
  mosquitto = await startMosquitto();
  app = await startWebApp();
  const ui = new AppPage(page);
  const conn = new ConnectionPage(page);
  await ui.open(app.url);
  await ui.connect(mosquitto.url);
  await conn.openInfo();
  await expect(conn.clientId).toHaveText(/^auto-[0-9A-F-]+ assigned by the broker$/);
  await expect(conn.clientId).toHaveAttribute('data-assigned', 'true');
});

test('the broker dashboard’s rate chart never goes negative when a restart resets the counters, and its rates add up to what was sent', async ({ page }) => {
  app = await startWebApp({ embeddedBroker: true });
  const ui = new AppPage(page);
  const broker = new BrokerPage(page);
  await ui.open(app.url);
  await broker.open();
  const chart = page.getByTestId('broker-rate-chart');
  const counted = async (): Promise<number | null> => {
    const value = await chart.getAttribute('data-counted-in');
    return value === null ? null : Number(value);
  };
  const send = async (n: number): Promise<void> => {
    const publisher = await outside(await broker.tcpUrl());
    for (let i = 0; i < n; i++) publisher.publish('rate/x', String(i), { qos: 0 });
    await publisher.endAsync();
  };
  await send(500);
  await expect.poll(counted, { timeout: 15_000 }).toBe(500);
  await broker.stop.click();
  await expect(broker.state).toHaveText('Stopped');
  await broker.start.click();
  await expect(broker.state).toHaveText('Running');
  // After the restart the broker counts from 0 again: the chart must add the new messages, not subtract the old.
  await send(300);
  await expect.poll(counted, { timeout: 15_000 }).toBe(800);
  const lowest = await chart.getAttribute('data-min-rate');
  expect(lowest).not.toBeNull();
  expect(lowest).not.toBe('');
  expect(Number(lowest)).toBeGreaterThanOrEqual(0);
});
