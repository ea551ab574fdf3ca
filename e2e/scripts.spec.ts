import { expect, test } from '@playwright/test';
import mqtt from 'mqtt';
import { startMosquitto, type Mosquitto } from '../src-main/test-support/mosquitto';
import { ScriptsPage } from './pages/scripts-page';
import { startWebApp, type WebApp } from './support/web-app';

let broker: Mosquitto;
let app: WebApp;

test.beforeEach(async () => {
  broker = await startMosquitto();
  app = await startWebApp();
});

test.afterEach(async () => {
  await app.stop({ removeData: true });
  await broker.stop();
});

async function opened(page: import('@playwright/test').Page): Promise<ScriptsPage> {
  const ui = new ScriptsPage(page);
  await ui.open(app.url);
  await ui.connect(broker.url);
  return ui;
}

test('a decoder written in Monaco and bound to a filter decodes the matching topics in the tree and the inspector', async ({ page }) => {
  const ui = await opened(page);
  await ui.workspaceTab.click();
  await ui.addBinding.click();
  await ui.bindingFilter.fill('lab/+/reading');
  await ui.bindingKind.selectOption('script');
  // The editor knows the script API's types: a misspelt method is flagged as you type.
  await ui.typeScript('return msg.jsn();');
  await expect(ui.scriptProblems).toContainText("Property 'jsn' does not exist on type 'TopiaryMessage'", { timeout: 30_000 });
  await ui.typeScript("const r = msg.json();\nreturn 'T=' + r.t + ' C';");
  // The editor knows the script API: no problem is reported for `msg.json()` or the top-level return.
  await expect(ui.scriptProblems.locator('li')).toHaveCount(0);
  await ui.bindingSave.click();
  await expect(ui.bindingRow('lab/+/reading')).toBeVisible();
  await expect(ui.bindingProblem).toBeHidden();

  const outside = await mqtt.connectAsync(broker.url);
  await outside.publishAsync('lab/1/reading', JSON.stringify({ t: 21.5 }), { qos: 1 });
  await outside.publishAsync('lab/2/reading', JSON.stringify({ t: 19 }), { qos: 1 });
  await outside.publishAsync('lab/1/raw', JSON.stringify({ t: 5 }), { qos: 1 });

  await ui.explorerTab.click();
  await expect(ui.totals).toHaveText('3 topics · 3 messages');
  await ui.openTopic('lab/1/reading');
  await ui.row('lab/2').getByTestId('tree-toggle').click();
  await expect(ui.row('lab/1/reading').locator('.preview')).toHaveText(' = T=21.5 C');
  await expect(ui.row('lab/2/reading').locator('.preview')).toHaveText(' = T=19 C');
  // Not bound: the raw value.
  await expect(ui.row('lab/1/raw').locator('.preview')).toHaveText(' = {"t":5}');
  await expect(ui.inspectorPayload).toHaveText('T=21.5 C');

  // A new message is decoded as it arrives, in the tree and in the inspector.
  await outside.publishAsync('lab/1/reading', JSON.stringify({ t: 22.25 }), { qos: 1 });
  await expect(ui.row('lab/1/reading').locator('.preview')).toHaveText(' = T=22.25 C');
  await expect(ui.inspectorPayload).toHaveText('T=22.25 C');
  await outside.endAsync();
});

test('a script with a syntax error is kept, shown with its line and column, and not put in force', async ({ page }) => {
  const ui = await opened(page);
  await ui.workspaceTab.click();
  await ui.addBinding.click();
  await ui.bindingFilter.fill('bad/#');
  await ui.typeScript('const a = 1;\nreturn a +* 2;');
  // Monaco's own check, as you type.
  await expect(ui.scriptProblems.locator('li').first()).toContainText('line 2, column');
  await ui.bindingSave.click();
  // The sandbox's verdict on the saved binding.
  await expect(ui.bindingProblem).toContainText(/line 2, column \d+: SyntaxError/);
  await expect(ui.bindingRow('bad/#').getByTestId('binding-row-problem')).toBeVisible();

  const outside = await mqtt.connectAsync(broker.url);
  await outside.publishAsync('bad/x', 'plain', { qos: 1 });
  await outside.endAsync();
  await ui.explorerTab.click();
  await ui.openTopic('bad/x');
  await expect(ui.inspectorPayload).toHaveText('plain');
});
