import { expect, test, type Page } from '@playwright/test';
import mqtt from 'mqtt';
import path from 'node:path';
import { AppPage } from '../pages/app-page';
import { startWebApp, type WebApp } from '../support/web-app';

// The README's screenshots: web mode with its embedded broker, a little live data, light and dark, at three window sizes.
const assets = path.resolve(__dirname, '../../assets');
const SIZES = [
  { width: 1280, height: 800, suffix: '' },
  { width: 1024, height: 700, suffix: '-1024x700' },
  { width: 1920, height: 1080, suffix: '-1920x1080' },
] as const;

let app: WebApp;
let client: mqtt.MqttClient;
let ticker: NodeJS.Timeout | undefined;

test.beforeAll(async () => {
  app = await startWebApp({ embeddedBroker: true });
});

test.afterAll(async () => {
  if (ticker) clearInterval(ticker);
  await client?.endAsync();
  await app.stop({ removeData: true });
});

async function feed(page: Page): Promise<void> {
  const brokerUrl = await page.getByTestId('broker-url').inputValue();
  client = await mqtt.connectAsync(brokerUrl, { clientId: 'plant-gateway', protocolVersion: 5 });
  const retained = { qos: 1 as const, retain: true };
  await client.publishAsync('plant/line-1/oven/temperature', JSON.stringify({ celsius: 212.4, setpoint: 215, heating: true, ts: '2026-12-07T06:00:00Z' }), retained);
  await client.publishAsync('plant/line-1/oven/status', 'running', retained);
  await client.publishAsync('plant/line-1/conveyor/speed', JSON.stringify({ mps: 0.82 }), retained);
  await client.publishAsync('plant/line-2/press/cycles', JSON.stringify({ count: 18422, faults: 0 }), retained);
  await client.publishAsync('home/living-room/lamp', JSON.stringify({ on: true, brightness: 70 }), retained);
  await client.publishAsync('home/garden/soil-moisture', '41', retained);
  let n = 0;
  // A slow steady stream, so the tree shows live counts and recent changes.
  ticker = setInterval(() => {
    n++;
    client.publish('plant/line-1/oven/temperature', JSON.stringify({ celsius: 212 + Math.round(Math.sin(n / 3) * 30) / 10, setpoint: 215, heating: true, ts: new Date().toISOString() }));
    client.publish('home/garden/soil-moisture', String(40 + (n % 4)));
  }, 500);
}

test('the README screenshots, light and dark, at 1280×800, 1024×700 and 1920×1080', async ({ page }) => {
  const ui = new AppPage(page);
  await page.setViewportSize({ width: 1280, height: 800 });
  await ui.open(app.url);
  await expect(ui.status).toHaveAttribute('data-state', 'connected');
  await feed(page);
  await ui.openTopic('plant/line-1/oven/temperature');
  await expect(ui.inspectorPayload).toContainText('celsius');
  await ui.publishTopic.fill('plant/line-1/oven/setpoint');
  await ui.setPayload('{"celsius": 215, "ramp": "slow", "by": "topiary"}');
  await page.mouse.move(0, 0);

  for (const theme of ['dark', 'light'] as const) {
    await page.getByTestId('theme-switcher').click();
    await page.getByTestId(`theme-${theme}`).click();
    await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
    // No focus ring or open tooltip on the theme button in the pictures.
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await expect(page.locator('.tooltip')).toHaveCount(0);
    for (const size of SIZES) {
      await page.setViewportSize({ width: size.width, height: size.height });
      await page.mouse.move(0, 0);
      // The Monaco theme and the panes settle on the next frames.
      await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
      await page.screenshot({ path: path.join(assets, `screenshot-${theme}${size.suffix}.png`) });
    }
    // The other workspaces, for a look before committing (not used by the README).
    await page.setViewportSize({ width: 1280, height: 800 });
    for (const workspace of ['broker', 'certificates', 'history'] as const) {
      await page.getByTestId(`workspace-${workspace}`).click();
      await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
      await page.screenshot({ path: path.join('test-results', `workspace-${workspace}-${theme}.png`) });
    }
    await page.getByTestId('workspace-explorer').click();
  }
});
