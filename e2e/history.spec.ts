import { expect, test } from '@playwright/test';
import mqtt from 'mqtt';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startMosquitto, type Mosquitto } from '../src-main/test-support/mosquitto';
import { HistoryPage } from './pages/history-page';
import { startWebApp, type WebApp } from './support/web-app';

let first: Mosquitto;
let second: Mosquitto;
let app: WebApp;
let outDir: string;
const children: ChildProcess[] = [];

test.beforeEach(async () => {
  first = await startMosquitto();
  second = await startMosquitto();
  outDir = await mkdtemp(path.join(os.tmpdir(), 'topiary-e2e-history-'));
});

test.afterEach(async () => {
  for (const child of children.splice(0)) child.kill('SIGTERM');
  await app.stop({ removeData: true });
  await first.stop();
  await second.stop();
  await rm(outDir, { recursive: true, force: true });
});

/** An outside publisher's burst: 20 JSON readings, one of them an alarm carrying MQTT 5 properties. */
async function publishBurst(url: string, from: number): Promise<void> {
  const client = await mqtt.connectAsync(url, { protocolVersion: 5 });
  for (let i = from; i < from + 20; i++) {
    const alarm = i === from + 7;
    await client.publishAsync(`plant/line${i % 2}/temp`, JSON.stringify({ n: i, state: alarm ? 'overheat' : 'ok' }), {
      qos: 1,
      ...(alarm ? { properties: { contentType: 'application/json', userProperties: { site: 'north' } } } : {}),
    });
  }
  await client.endAsync();
}

/** mosquitto_sub on the second broker: the outside witness of a replay. */
async function witness(broker: Mosquitto, filter: string): Promise<{ readonly lines: () => string[] }> {
  let out = '';
  let err = '';
  const child = spawn('/usr/bin/mosquitto_sub', ['-h', '127.0.0.1', '-p', String(broker.port), '-V', 'mqttv5', '-t', filter, '-F', '%t %p'], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  child.on('error', (e) => (err += e.message));
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  // Subscribed once a probe comes through (it prints each message as it arrives).
  const probe = await mqtt.connectAsync(broker.url);
  await expect
    .poll(
      async () => {
        await probe.publishAsync('copy/probe', 'probe');
        return out.includes('copy/probe probe');
      },
      { message: `mosquitto_sub receives: ${err}`, timeout: 15_000 },
    )
    .toBe(true);
  await probe.endAsync();
  return { lines: () => out.split('\n').filter((l) => l.startsWith('copy/') && l !== 'copy/probe probe') };
}

test('records a burst, restarts, finds it by a payload search, exports it and replays it to a second broker that mosquitto_sub watches', async ({ page }) => {
  test.setTimeout(150_000);
  app = await startWebApp();
  let ui = new HistoryPage(page);
  await ui.open(app.url);
  await ui.connect(first.url);
  await ui.show();
  await expect(ui.summary).toContainText('not recording');
  await ui.record(first.url);
  await expect(ui.summary).toContainText('recording 1 connection');
  // Recording is shown where the user looks, whichever workspace is open.
  await expect(page.getByTestId('recording-indicator')).toBeVisible();
  await publishBurst(first.url, 0);
  await expect.poll(async () => Number(await ui.summary.getAttribute('data-messages')), { timeout: 20_000 }).toBe(20);
  await page.screenshot({ path: path.join('test-results', 'history-1-recording.png') });

  // Restart the app on the same user-data folder: the store is still there.
  const userDataDir = app.userDataDir;
  await app.stop();
  app = await startWebApp({ userDataDir });
  ui = new HistoryPage(page);
  await ui.open(app.url);
  await ui.show();
  await expect(ui.summary).toHaveAttribute('data-messages', '20');

  // A payload text search finds the one alarm; picking it shows its payload and MQTT 5 properties.
  await ui.search({ text: 'overheat' });
  await expect(ui.resultRows()).toHaveCount(1);
  await ui.resultRows().first().click();
  await expect(ui.detail.getByTestId('inspector-format')).toHaveText('json');
  await expect(ui.detail.getByTestId('inspector-payload')).toContainText('"state": "overheat"');
  await expect(ui.detail.getByTestId('prop-content-type')).toHaveText('application/json');
  await expect(ui.detail.getByTestId('prop-user')).toHaveText('site: north');
  // A regular expression and a topic filter narrow the same way.
  await ui.search({ filters: 'plant/line1/#', regex: '"n":1[0-9]' });
  await expect(ui.results).toHaveAttribute('data-count', '5');
  await expect(ui.resultRows().first()).toHaveAttribute('data-topic', 'plant/line1/temp');
  await ui.search({ filters: 'plant/#' });
  await expect(ui.results).toHaveAttribute('data-count', '20');
  await page.screenshot({ path: path.join('test-results', 'history-2-search.png') });

  // Export the search as NDJSON, streamed by the core to the file asked for.
  const file = path.join(outDir, 'burst.ndjson');
  await ui.exportFile.fill(file);
  await page.getByTestId('history-export').click();
  await expect(ui.exportProgress).toHaveAttribute('data-state', 'done');
  await expect(ui.exportProgress).toHaveAttribute('data-exported', '20');
  const exported = (await readFile(file, 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { topic: string; payload: string; payloadEncoding: string });
  expect(exported).toHaveLength(20);
  expect(exported[0]).toMatchObject({ topic: 'plant/line0/temp', payloadEncoding: 'utf8', payload: '{"n":0,"state":"ok"}' });

  // Replay the search to a second broker, under copy/, as fast as it takes them: mosquitto_sub sees all of them.
  const sub = await witness(second, 'copy/#');
  await ui.showExplorer();
  await ui.connect(second.url);
  await ui.show();
  await page.getByTestId('history-replay-target').selectOption({ label: second.url });
  await page.getByTestId('history-replay-speed').selectOption('max');
  await page.getByTestId('history-replay-prefix').fill('copy/');
  await page.getByTestId('history-replay').click();
  await expect(ui.replayProgress).toHaveAttribute('data-state', 'done');
  await expect(ui.replayProgress).toHaveAttribute('data-sent', '20');
  await expect.poll(() => sub.lines().length).toBe(20);
  expect(sub.lines()[0]).toBe('copy/plant/line0/temp {"n":0,"state":"ok"}');
  expect(sub.lines()[7]).toBe('copy/plant/line1/temp {"n":7,"state":"overheat"}');
  await page.screenshot({ path: path.join('test-results', 'history-3-export-replay.png') });
});

test("the inspector's history reaches back into the store for messages older than it remembers, with their properties", async ({ page }) => {
  test.setTimeout(120_000);
  app = await startWebApp();
  let ui = new HistoryPage(page);
  await ui.open(app.url);
  await ui.connect(first.url);
  await ui.show();
  await ui.record(first.url);
  await publishBurst(first.url, 0);
  await expect.poll(async () => Number(await ui.summary.getAttribute('data-messages')), { timeout: 20_000 }).toBe(20);

  // After a restart the explorer remembers nothing of the earlier burst; the store does.
  const userDataDir = app.userDataDir;
  await app.stop();
  app = await startWebApp({ userDataDir });
  ui = new HistoryPage(page);
  await ui.open(app.url);
  await ui.connect(first.url);
  await ui.show();
  await ui.record(first.url);
  await ui.showExplorer();
  const client = await mqtt.connectAsync(first.url, { protocolVersion: 5 });
  await client.publishAsync('plant/line1/temp', '{"n":99,"state":"ok"}', { qos: 1, properties: { userProperties: { shift: 'night' } } });
  await client.endAsync();
  await ui.openTopic('plant/line1/temp');
  await page.getByTestId('tab-history').click();
  await expect(page.getByTestId('history-item')).toHaveCount(1);
  // The remembered message shows its own MQTT 5 properties.
  await page.getByTestId('history-item').first().click();
  await expect(page.getByTestId('history-item-detail').getByTestId('prop-user')).toHaveText('shift: night');

  await page.getByTestId('older-messages-load').click();
  await expect(page.getByTestId('older-message')).toHaveCount(10);
  await expect(page.getByTestId('older-messages-load')).toHaveCount(0);
  // Newest first: message 19 of the burst, then 17, …; the alarm (7) keeps its properties.
  await expect(page.getByTestId('older-message').first()).toContainText('{"n":19,"state":"ok"}');
  const alarm = page.getByTestId('older-message').filter({ hasText: 'overheat' });
  await alarm.getByRole('button').click();
  await expect(alarm.getByTestId('prop-user')).toHaveText('site: north');
  await page.screenshot({ path: path.join('test-results', 'history-4-older-messages.png') });
});
