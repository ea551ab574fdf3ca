import { expect, test } from '@playwright/test';
import mqtt from 'mqtt';
import { ScriptsPage } from './pages/scripts-page';
import { eachTestAppWithMosquitto } from './support/app-with-mosquitto';

const env = eachTestAppWithMosquitto();

async function opened(page: import('@playwright/test').Page): Promise<ScriptsPage> {
  const ui = new ScriptsPage(page);
  await ui.open(env.app.url);
  await ui.connect(env.broker.url);
  return ui;
}

test('a decoder written in Monaco and bound to a filter decodes the matching topics in the tree and the inspector', async ({ page }) => {
  const ui = await opened(page);
  await ui.workspaceTab.click();
  await ui.addBinding.click();
  await ui.bindingFilter.fill('lab/+/reading');
  await ui.bindingKind.selectOption('script');
  // The editor knows the script API's types: it completes `msg.` with the message's members.
  await ui.typeScript('return msg.', { keepSuggestions: true });
  await expect(page.locator('.monaco-editor .suggest-widget')).toContainText('json', { timeout: 30_000 });
  // It checks types too: a member the message does not have is marked, even in what the script returns.
  await ui.typeScript('return msg.zzz;');
  await expect(ui.scriptProblems.locator('li').first()).toContainText(/line 1, column 12: Property 'zzz' does not exist on type 'TopiaryMessage'/);
  await expect(ui.scriptEditor.locator('.squiggly-error')).not.toHaveCount(0);
  await ui.typeScript("const r = msg.json();\nreturn 'T=' + r.t + ' C';");
  // The editor knows the script API: no problem is reported for `msg.json()` or the top-level return.
  await expect(ui.scriptProblems.locator('li')).toHaveCount(0);
  await ui.bindingSave.click();
  await expect(ui.bindingRow('lab/+/reading')).toBeVisible();
  await expect(ui.bindingProblem).toBeHidden();

  const outside = await mqtt.connectAsync(env.broker.url);
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
  await expect(ui.scriptProblems.locator('li').first()).toContainText('line 2, column', { timeout: 30_000 });
  await ui.bindingSave.click();
  // The sandbox's verdict on the saved binding.
  await expect(ui.bindingProblem).toContainText(/line 2, column \d+: SyntaxError/);
  await expect(ui.bindingRow('bad/#').getByTestId('binding-row-problem')).toBeVisible();

  const outside = await mqtt.connectAsync(env.broker.url);
  await outside.publishAsync('bad/x', 'plain', { qos: 1 });
  await outside.endAsync();
  await ui.explorerTab.click();
  await ui.openTopic('bad/x');
  await expect(ui.inspectorPayload).toHaveText('plain');
});

test('a simulation started from the window shows its rate, and its Sparkplug B edge node’s NBIRTH is decoded by the inspector', async ({ page }) => {
  const ui = await opened(page);
  await ui.workspaceTab.click();
  await page.getByTestId('scripts-section-simulations').click();
  // Beyond the window's limit: a sentence, nothing started.
  await page.getByTestId('simulation-scenario').selectOption('sparkplug');
  await page.getByTestId('simulation-devices').fill('2001');
  await page.getByTestId('simulation-url').fill(env.broker.url);
  await page.getByTestId('simulation-start').click();
  await expect(page.getByTestId('scripts-section-error')).toContainText('at most 2,000 simulated devices');
  await expect(page.getByTestId('simulation-row')).toHaveCount(0);

  await page.getByTestId('simulation-devices').fill('2');
  await page.getByTestId('simulation-rate').fill('5');
  await page.getByTestId('simulation-prefix').fill('edge');
  await page.getByTestId('simulation-start').click();
  const row = page.getByTestId('simulation-row');
  await expect(row).toHaveAttribute('data-state', 'running');
  await expect(row.getByTestId('simulation-connected')).toHaveText('2/2 connected');
  await expect.poll(async () => Number(await row.getByTestId('simulation-rate-now').getAttribute('data-rate')), { timeout: 15_000 }).toBeGreaterThan(4);

  await ui.explorerTab.click();
  await ui.openTopic('spBv1.0/topiary-sim/NBIRTH/edge-1');
  await expect(page.getByTestId('inspector-format')).toHaveText('sparkplug');
  await expect(ui.inspectorPayload).toContainText('bdSeq');
  await expect(ui.inspectorPayload).toContainText('Topiary simulated edge node');

  await ui.workspaceTab.click();
  await row.getByTestId('simulation-stop').click();
  // Started from the window, it was saved: stopped, it stays in the list, named after what it publishes.
  await expect(row).toHaveAttribute('data-state', 'stopped');
  await expect(row).toHaveAttribute('data-name', 'sparkplug × 2');
  await expect(row.getByTestId('simulation-plan')).toHaveText(`2 devices at 5/s each, ${env.broker.url}`);
});

test('a simulation imported with the profiles arrives stopped in the Scripts workspace, and starts when asked', async ({ page }) => {
  const ui = await opened(page);
  const file = {
    format: 'topiary-profiles-export',
    version: 1,
    profiles: [],
    simulations: [
      { name: 'Plant meters', url: env.broker.url, source: { kind: 'template', topic: 'plant/{device}/kwh', payload: '{{counter}}' }, devices: 3, perSecond: 5, prefix: 'meter' },
      { name: 'Toaster', source: { kind: 'scenario', name: 'toaster' }, devices: 1 },
    ],
  };
  await page.getByTestId('profiles-import').setInputFiles({ name: 'plant.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(file)) });
  const summary = page.getByTestId('import-summary');
  await expect(summary.getByTestId('import-summary-scripts')).toHaveText(', with 1 simulation (stopped)');
  await expect(summary).toContainText('Simulation 2 ("Toaster") (There is no scenario "toaster"');

  await ui.workspaceTab.click();
  await page.getByTestId('scripts-section-simulations').click();
  const row = page.locator('[data-testid="simulation-row"][data-name="Plant meters"]');
  await expect(row).toHaveAttribute('data-state', 'stopped');
  await expect(row.getByTestId('simulation-plan')).toHaveText(`3 devices at 5/s each, ${env.broker.url}`);
  await row.getByTestId('simulation-run').click();
  await expect(row).toHaveAttribute('data-state', 'running');
  await expect(row.getByTestId('simulation-connected')).toHaveText('3/3 connected');
  await ui.explorerTab.click();
  await expect(ui.row('plant')).toBeVisible();
  await ui.workspaceTab.click();
  await row.getByTestId('simulation-stop').click();
  await expect(row).toHaveAttribute('data-state', 'stopped');
  // Edited in the form, the saved simulation changes in place.
  await row.getByTestId('simulation-edit').click();
  await expect(page.getByTestId('simulation-topic')).toHaveValue('plant/{device}/kwh');
  await page.getByTestId('simulation-devices').fill('2');
  await page.getByTestId('simulation-save').click();
  await expect(row.getByTestId('simulation-plan')).toHaveText(`2 devices at 5/s each, ${env.broker.url}`);
  await expect(page.getByTestId('simulation-row')).toHaveCount(1);
});

test('an auto-responder added in the window answers requests and counts them', async ({ page }) => {
  const ui = await opened(page);
  await ui.workspaceTab.click();
  await page.getByTestId('scripts-section-responders').click();
  await page.getByTestId('responder-filter').fill('ask/+');
  await page.getByTestId('responder-topic').fill('answer/here');
  await page.getByTestId('responder-body').fill('pong {{counter}}');
  await page.getByTestId('responder-save').click();
  const rule = page.locator('[data-testid="responder-row"][data-filter="ask/+"]');
  await expect(rule).toBeVisible();

  const outside = await mqtt.connectAsync(env.broker.url);
  const answers: string[] = [];
  outside.on('message', (_topic, payload) => answers.push(payload.toString()));
  await outside.subscribeAsync('answer/here', { qos: 1 });
  await outside.publishAsync('ask/1', 'ping', { qos: 1 });
  await outside.publishAsync('ask/2', 'ping', { qos: 1 });
  await expect.poll(() => answers).toEqual(['pong 1', 'pong 2']);
  await expect(rule.getByTestId('responder-counters')).toHaveAttribute('data-responded', '2');
  await outside.endAsync();
});
