import { expect, test, type Page } from '@playwright/test';
import mqtt from 'mqtt';
import { AppPage } from './pages/app-page';
import { PublishPage } from './pages/publish-page';
import { eachTestAppWithMosquitto } from './support/app-with-mosquitto';

// The composer's payload script (issue #17 §3): previewed, then sent, as a subscriber outside Topiary sees it.

const env = eachTestAppWithMosquitto();

async function setScript(page: Page, text: string): Promise<void> {
  const editor = page.getByTestId('payload-script').locator('.monaco-editor').first();
  await expect(editor).toBeVisible({ timeout: 30_000 });
  await editor.click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(text);
}

test('a payload computed by a script is previewed, then sent with {{counter}} filled in, and a broken script says where', async ({ page }) => {
  const ui = new AppPage(page);
  const composer = new PublishPage(page);
  await ui.open(env.app.url);
  await ui.connect(env.broker.url);
  const outside = await mqtt.connectAsync(env.broker.url, { protocolVersion: 5 });
  const received: string[] = [];
  outside.on('message', (_topic, payload) => received.push(payload.toString()));
  await outside.subscribeAsync('ui/script', { qos: 1 });

  await composer.topic.fill('ui/script');
  await composer.setPayload('{"n": {{counter}}}');
  await page.getByTestId('payload-script-enabled').check();
  await setScript(page, 'const v = msg.json();\nreturn { n: v.n, square: v.n * v.n };');

  await page.getByTestId('payload-script-preview').click();
  await expect(page.getByTestId('payload-script-payload')).toHaveText('{"n":1,"square":1}');
  // The preview sent nothing.
  expect(received).toEqual([]);

  await composer.publishButton.click();
  await expect(composer.result).toBeVisible();
  await composer.publishButton.click();
  await expect.poll(() => received).toEqual(['{"n":1,"square":1}', '{"n":2,"square":4}']);

  await setScript(page, 'const a = 1;\nreturn a +;');
  await page.getByTestId('payload-script-preview').click();
  await expect(page.getByTestId('payload-script-error')).toContainText('(line 2, column');
  await expect(page.getByTestId('payload-script-error')).toHaveAttribute('data-code', 'PAYLOAD_ERROR');
  await outside.endAsync();
});
