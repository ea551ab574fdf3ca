import { expect, test } from '@playwright/test';
import mqtt, { type IPublishPacket, type MqttClient } from 'mqtt';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { startMosquitto, type Mosquitto } from '../src-main/test-support/mosquitto';
import { AppPage } from './pages/app-page';
import { PublishPage } from './pages/publish-page';
import { startWebApp, type WebApp } from './support/web-app';

let broker: Mosquitto;
let app: WebApp;
const outsiders: MqttClient[] = [];

test.beforeEach(async () => {
  broker = await startMosquitto();
  app = await startWebApp();
});

test.afterEach(async () => {
  await Promise.all(outsiders.splice(0).map((c) => c.endAsync().catch(() => undefined)));
  await app.stop({ removeData: true });
  await broker.stop();
});

async function outside(filter: string): Promise<{ client: MqttClient; messages: IPublishPacket[] }> {
  const client = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
  outsiders.push(client);
  const messages: IPublishPacket[] = [];
  client.on('message', (_t, _p, packet) => messages.push(packet));
  await client.subscribeAsync(filter, { qos: 2 });
  return { client, messages };
}

test('each illegal topic form is named as you type', async ({ page }) => {
  const ui = new AppPage(page);
  const composer = new PublishPage(page);
  await ui.open(app.url);
  await ui.connect(broker.url);
  const cases: [string, string][] = [
    ['a/+/b', 'single-level-wildcard'],
    ['a/#', 'multi-level-wildcard'],
    ['', 'empty'],
    ['a/{{nope}}', 'bad-placeholder'],
  ];
  for (const [topic, problem] of cases) {
    await composer.topic.fill(topic);
    await expect(composer.topicError).toHaveAttribute('data-problem', problem);
    await expect(composer.publishButton).toBeDisabled();
  }
  await composer.topic.fill('fine/{{counter}}');
  await expect(composer.topicError).toHaveCount(0);
  await expect(composer.publishButton).toBeEnabled();
});

test('a QoS 2 publish with MQTT 5 properties shows PUBCOMP and arrives with the properties', async ({ page }) => {
  const ui = new AppPage(page);
  const composer = new PublishPage(page);
  await ui.open(app.url);
  await ui.connect(broker.url);
  const sub = await outside('ui/props');
  await composer.topic.fill('ui/props');
  await composer.qos.selectOption('2');
  await composer.setPayload('{"n": {{counter}}}');
  await composer.openProperties();
  await page.getByTestId('prop-content-type').fill('application/json');
  await page.getByTestId('prop-expiry').fill('600');
  await composer.setUserProperty('site', 'north');
  await composer.publishButton.click();
  await expect(composer.result).toHaveAttribute('data-ack', 'PUBCOMP');
  await expect(composer.result).toContainText('PUBCOMP');
  await expect.poll(() => sub.messages.length).toBe(1);
  const got = sub.messages[0];
  expect(Buffer.from(got?.payload ?? '').toString()).toBe('{"n": 1}');
  expect(got?.properties?.contentType).toBe('application/json');
  expect(got?.properties?.userProperties).toEqual({ site: 'north' });
  // The send is in the history, one click from going again.
  await composer.history.locator('summary').click();
  await composer.history.getByTestId('history-resend').first().click();
  await expect.poll(() => sub.messages.length).toBe(2);
});

test('a hex payload is sent as bytes and a template help is at hand', async ({ page }) => {
  const ui = new AppPage(page);
  const composer = new PublishPage(page);
  await ui.open(app.url);
  await ui.connect(broker.url);
  const sub = await outside('ui/hex');
  await composer.topic.fill('ui/hex');
  await composer.payloadForm.selectOption('hex');
  await composer.setPayload('00 ff 10 80');
  // Ctrl/Cmd+Enter in the editor publishes.
  await page.keyboard.press('ControlOrMeta+Enter');
  await expect(composer.result).toContainText('4 B');
  await expect.poll(() => sub.messages.length).toBe(1);
  expect([...(sub.messages[0]?.payload ?? [])]).toEqual([0x00, 0xff, 0x10, 0x80]);
  await page.getByTestId('template-help').locator('summary').click();
  await expect(page.getByTestId('template-help')).toContainText('{{randomInt 1 10}}');
});

test('a burst of 100,000 QoS 1 messages completes, all acknowledged, while the page keeps reacting', async ({ page }) => {
  test.setTimeout(120_000);
  const ui = new AppPage(page);
  const composer = new PublishPage(page);
  await ui.open(app.url);
  await ui.connect(broker.url);
  await composer.topic.fill('burst/ui');
  await composer.qos.selectOption('1');
  await composer.setPayload('{"i": 1}');
  await composer.jobKind.selectOption('burst');
  await composer.burstCount.fill('100000');
  await composer.jobStart.click();
  await expect(composer.jobProgress).toHaveAttribute('data-state', 'running');
  // The page still handles input during the burst: typing a wildcard shows its error at once.
  await composer.topic.fill('burst/+');
  await expect(composer.topicError).toHaveAttribute('data-problem', 'single-level-wildcard', { timeout: 2_000 });
  await composer.topic.fill('burst/ui');
  await expect(composer.topicError).toHaveCount(0, { timeout: 2_000 });
  await composer.openProperties();
  await expect(page.getByTestId('prop-content-type')).toBeVisible({ timeout: 2_000 });
  await expect(composer.jobProgress).toHaveAttribute('data-state', 'done', { timeout: 100_000 });
  await expect(composer.jobProgress).toHaveAttribute('data-acknowledged', '100000');
  await expect(composer.jobReport).toContainText('0 failed');
});

test('a request gets the matching reply from a responder, with its latency', async ({ page }) => {
  const ui = new AppPage(page);
  const composer = new PublishPage(page);
  await ui.open(app.url);
  await ui.connect(broker.url);
  const responder = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
  outsiders.push(responder);
  await responder.subscribeAsync('svc/time', { qos: 1 });
  responder.on('message', (_t, payload, packet) => {
    const p = packet.properties;
    if (p?.responseTopic) void responder.publishAsync(p.responseTopic, `pong:${payload.toString()}`, { qos: 1, properties: { correlationData: p.correlationData } });
  });
  await composer.topic.fill('svc/time');
  await composer.payloadForm.selectOption('text');
  await composer.setPayload('ping');
  await composer.openProperties();
  await page.getByTestId('prop-response-topic').fill('svc/time/reply');
  await composer.requestButton.click();
  await expect(composer.reply).toContainText('Reply on svc/time/reply after');
  await expect(page.getByTestId('publish-reply-payload')).toHaveText('pong:ping');
});

test('the draft survives a restart of the app', async ({ page }) => {
  const ui = new AppPage(page);
  const composer = new PublishPage(page);
  await ui.open(app.url);
  await composer.topic.fill('draft/kept');
  await composer.setPayload('{"kept": true}');
  const file = path.join(app.userDataDir, 'composer', 'composer.json');
  await expect.poll(async () => (await readFile(file, 'utf8').catch(() => '')).includes('draft/kept') && (await readFile(file, 'utf8')).includes('kept\\": true')).toBe(true);
  const dir = app.userDataDir;
  await app.stop();
  app = await startWebApp({ userDataDir: dir });
  await ui.open(app.url);
  await expect(composer.topic).toHaveValue('draft/kept');
  await expect.poll(() => composer.editorText()).toContain('"kept": true');
});

test('Format lays out JSON, and XML and YAML modes are offered', async ({ page }) => {
  const ui = new AppPage(page);
  const composer = new PublishPage(page);
  await ui.open(app.url);
  await composer.setPayload('{"a":1,"b":[1,2]}');
  await page.getByTestId('format-button').click();
  await expect.poll(() => composer.editorText()).toContain('"a": 1,\n');
  await expect(page.getByTestId('publish-language').locator('option')).toHaveText(['JSON', 'Text', 'XML', 'YAML']);
});

test('a saved message is sent again with one click', async ({ page }) => {
  const ui = new AppPage(page);
  const composer = new PublishPage(page);
  await ui.open(app.url);
  await ui.connect(broker.url);
  const sub = await outside('ui/saved');
  await composer.topic.fill('ui/saved');
  await composer.payloadForm.selectOption('text');
  await composer.setPayload('n={{counter}}');
  await composer.saved.locator('summary').click();
  await page.getByTestId('save-name').fill('Counter');
  await page.getByTestId('save-button').click();
  await expect(composer.saved.getByTestId('saved-item')).toContainText('Counter');
  await composer.topic.fill('somewhere/else');
  await composer.saved.getByTestId('saved-send').click();
  await expect.poll(() => sub.messages.map((m) => Buffer.from(m.payload).toString())).toEqual(['n=1']);
});

test('the topic field offers completions from the live topic tree', async ({ page }) => {
  const ui = new AppPage(page);
  const composer = new PublishPage(page);
  await ui.open(app.url);
  await ui.connect(broker.url);
  const pub = await mqtt.connectAsync(broker.url);
  outsiders.push(pub);
  await pub.publishAsync('plant/line-1/temp', '20', { qos: 1 });
  await pub.publishAsync('plant/line-2/temp', '21', { qos: 1 });
  await expect(ui.row('plant')).toBeVisible();
  await composer.topic.fill('plant/line');
  const options = page.getByTestId('publish-topic-suggestions').locator('option');
  await expect.poll(async () => options.evaluateAll((els) => els.map((e) => (e as HTMLOptionElement).value))).toEqual(['plant/line-1/', 'plant/line-2/']);
});
