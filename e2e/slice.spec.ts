import { expect, test } from '@playwright/test';
import mqtt from 'mqtt';
import { freePort } from '../src-main/test-support/free-port';
import { AppPage } from './pages/app-page';
import { eachTestAppWithMosquitto } from './support/app-with-mosquitto';

const env = eachTestAppWithMosquitto();

test('a message published by an outside client appears in the tree and its payload shows', async ({ page }) => {
  const ui = new AppPage(page);
  await ui.open(env.app.url);
  await ui.connect(env.broker.url);

  const outside = await mqtt.connectAsync(env.broker.url);
  await outside.publishAsync('plant/line-1/temperature', JSON.stringify({ celsius: 21.5, ok: true }), { qos: 1, retain: true });
  await outside.publishAsync('plant/line-1/status', 'running');
  await outside.endAsync();

  await expect(ui.row('plant')).toBeVisible();
  await ui.openTopic('plant/line-1/temperature');
  await expect(ui.inspectorPayload).toHaveText(JSON.stringify({ celsius: 21.5, ok: true }, null, 2));
  await expect(page.getByTestId('inspector-format')).toHaveText('json');
  await expect(page.getByTestId('inspector-qos')).toHaveText('1');
  await expect(page.getByTestId('inspector-retain')).toHaveText('yes');
  await expect(ui.row('plant/line-1/status')).toContainText('running');
});

test('binary payloads show as a hex dump', async ({ page }) => {
  const ui = new AppPage(page);
  await ui.open(env.app.url);
  await ui.connect(env.broker.url);
  const outside = await mqtt.connectAsync(env.broker.url);
  await outside.publishAsync('device/blob', Buffer.from([0x00, 0xff, 0x10, 0x80, 0x41]));
  await outside.endAsync();
  await ui.openTopic('device/blob');
  await expect(page.getByTestId('inspector-format')).toHaveText('hex');
  await expect(ui.inspectorPayload).toContainText('00 ff 10 80 41');
});

test('a message published from the UI reaches an outside subscriber', async ({ page }) => {
  const ui = new AppPage(page);
  await ui.open(env.app.url);
  await ui.connect(env.broker.url);

  const outside = await mqtt.connectAsync(env.broker.url);
  await outside.subscribeAsync('ui/out', { qos: 1 });
  const received = new Promise<{ payload: string; qos: number; retain: boolean }>((resolve) => {
    outside.on('message', (_topic, payload, packet) => resolve({ payload: payload.toString(), qos: packet.qos, retain: packet.retain }));
  });

  await ui.publishTopic.fill('ui/out');
  await ui.publishQos.selectOption('1');
  await ui.setPayload('{"from":"topiary"}');
  await ui.publishButton.click();
  await expect(ui.publishResult).toContainText('packet');
  expect(await received).toEqual({ payload: '{"from":"topiary"}', qos: 1, retain: false });
  await outside.endAsync();
});

test('a wildcard in the publish topic is refused with a clear sentence', async ({ page }) => {
  const ui = new AppPage(page);
  await ui.open(env.app.url);
  await ui.connect(env.broker.url);
  await ui.publishTopic.fill('sensors/+/temp');
  await expect(ui.publishTopicError).toContainText('cannot contain the wildcards');
  await expect(ui.publishButton).toBeDisabled();
});

test('the payload editor marks invalid JSON as you type', async ({ page }) => {
  const ui = new AppPage(page);
  await ui.open(env.app.url);
  await ui.setPayload('{"broken": ');
  await expect(ui.payloadEditor).not.toHaveAttribute('data-markers', '0');
  await expect(ui.payloadEditor.locator('.squiggly-error').first()).toBeVisible();
  await ui.setPayload('{"fixed": true}');
  await expect(ui.payloadEditor).toHaveAttribute('data-markers', '0');
});

test('a malformed URL is explained before connecting', async ({ page }) => {
  const ui = new AppPage(page);
  await ui.open(env.app.url);
  await ui.brokerUrl.fill('localhost:1883');
  await expect(page.getByTestId('url-error')).toContainText('has no scheme');
  await expect(ui.connectButton).toBeDisabled();
  await ui.brokerUrl.fill('http://localhost:1883');
  await expect(page.getByTestId('url-error')).toContainText('Unsupported scheme');
});

test('a refused connection shows CONNECTION_FAILED with what to check', async ({ page }) => {
  const ui = new AppPage(page);
  await ui.open(env.app.url);
  const closedPort = await freePort();
  await ui.brokerUrl.fill(`mqtt://127.0.0.1:${closedPort}`);
  await ui.connectButton.click();
  await expect(ui.connectionError).toHaveAttribute('data-code', 'CONNECTION_FAILED');
  await expect(ui.connectionError).toContainText('Connection refused');
  await expect(ui.status).toHaveAttribute('data-state', 'disconnected');
});
