import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import mqtt from 'mqtt';
import { AppPage } from './pages/app-page';
import { BrokerPage } from './pages/broker-page';
import { ConnectionPage } from './pages/connection-page';
import { createBroker } from '../src-main/core/broker';
import { startMosquitto } from '../src-main/test-support/mosquitto';
import { startWebApp, type WebApp } from './support/web-app';

let app: WebApp;

test.beforeEach(async () => {
  app = await startWebApp({ embeddedBroker: true });
});

test.afterEach(async () => {
  await app.stop({ removeData: true });
});

test('on first start the embedded broker runs and the app is connected to it, with a live tree', async ({ page }) => {
  const ui = new AppPage(page);
  await ui.open(app.url);
  await expect(ui.status).toHaveAttribute('data-state', 'connected');
  await expect(ui.brokerUrl).toHaveValue(/^mqtt:\/\/127\.0\.0\.1:\d+$/);
  await expect(ui.row('$SYS')).toBeVisible();
  const live = page.locator('[data-testid="live-connection"][data-name="Embedded broker"]');
  await expect(live.getByTestId('live-connection-status')).toHaveAttribute('data-state', 'connected');
});

test('the broker is stopped and started from the UI, and a client that connects appears in the dashboard', async ({ page }) => {
  const ui = new AppPage(page);
  await ui.open(app.url);
  const broker = new BrokerPage(page);
  await broker.open();
  await expect(broker.state).toHaveText('Running');
  await expect(broker.listeners.first()).toHaveAttribute('data-url', /^mqtt:\/\/127\.0\.0\.1:\d+$/);

  await broker.stop.click();
  await expect(broker.state).toHaveText('Stopped');
  await broker.start.click();
  await expect(broker.state).toHaveText('Running');

  const client = await mqtt.connectAsync(await broker.tcpUrl(), { clientId: 'e2e-device-42', protocolVersion: 5 });
  await client.subscribeAsync('plant/#');
  await expect(broker.client('e2e-device-42')).toContainText('plant/# (QoS 0)');
  await expect(broker.log).toContainText('e2e-device-42 connected from 127.0.0.1');

  const kicked = new Promise<number | undefined>((resolve) => client.once('disconnect', (p) => resolve(p.reasonCode)));
  await broker.client('e2e-device-42').getByTestId('broker-client-disconnect').click();
  expect(await kicked).toBe(0x98);
  client.end(true);
  await expect(broker.client('e2e-device-42')).toHaveCount(0);
});

test('the dashboard sends clients to another server, and the app\'s own connection follows it and says why', async ({ page }) => {
  const elsewhere = createBroker({ listeners: [{ kind: 'tcp', port: 0, host: '127.0.0.1' }], sysInterval: 0 });
  const [bound] = await elsewhere.start();
  try {
    const ui = new AppPage(page);
    await ui.open(app.url);
    await expect(ui.status).toHaveAttribute('data-state', 'connected');
    const broker = new BrokerPage(page);
    await broker.open();
    await broker.redirectReference.fill(`127.0.0.1:${bound!.port}`);
    await broker.redirectPermanent.check();
    await broker.redirectApply.click();
    await expect(broker.redirectActive).toContainText(`Every client is sent to 127.0.0.1:${bound!.port} (0x9D server moved)`);

    const conn = new ConnectionPage(page);
    await conn.openInfo();
    await expect(conn.redirect).toContainText(`has moved for good (reason 0x9d); following its Server Reference to mqtt://127.0.0.1:${bound!.port}`);
    await expect(ui.status).toHaveAttribute('data-state', 'connected');
    await expect.poll(() => elsewhere.listClients().length).toBe(1);

    await broker.open();
    await broker.redirectStop.click();
    await expect(broker.redirectActive).toHaveCount(0);
  } finally {
    await elsewhere.stop();
  }
});

test('retained messages are browsed and a subtree deleted, gone for a new subscriber', async ({ page }) => {
  const ui = new AppPage(page);
  await ui.open(app.url);
  const broker = new BrokerPage(page);
  await broker.open();
  const url = await broker.tcpUrl();
  const publisher = await mqtt.connectAsync(url);
  for (const t of ['lab/a', 'lab/b/c', 'keep/x']) await publisher.publishAsync(t, `value ${t}`, { retain: true, qos: 1 });
  await publisher.endAsync();

  await expect(page.locator('[data-testid="broker-retained-row"][data-topic="lab/b/c"]')).toContainText('value lab/b/c');
  await page.locator('[data-testid="broker-retained-row"][data-topic="lab/a"]').getByRole('button', { name: 'Delete subtree' }).click();
  await expect(page.getByTestId('broker-retained-note')).toHaveText('Deleted 1 retained message under lab/a.');
  await expect(page.locator('[data-testid="broker-retained-row"][data-topic="lab/a"]')).toHaveCount(0);

  const subscriber = await mqtt.connectAsync(url);
  const seen: string[] = [];
  subscriber.on('message', (topic) => seen.push(topic));
  await subscriber.subscribeAsync('#');
  await expect.poll(() => seen.sort()).toEqual(['keep/x', 'lab/b/c']);
  await subscriber.endAsync();
});

test('quick local TLS makes a TLS listener and a profile that connects on the first try', async ({ page }) => {
  const ui = new AppPage(page);
  await ui.open(app.url);
  const broker = new BrokerPage(page);
  await broker.open();
  await page.getByTestId('broker-quick-tls').click();
  await expect(page.getByTestId('broker-quick-tls-note')).toContainText(/listens on mqtts:\/\/localhost:\d+/);
  await expect(page.locator('[data-testid="broker-listener"][data-url^="mqtts://127.0.0.1:"]')).toBeVisible();

  await page.getByTestId('workspace-explorer').click();
  const row = page.locator('[data-testid="profile-row"][data-name="Embedded broker (TLS)"]');
  await expect(row).toBeVisible();
  await row.getByTestId('profile-connect').click();
  await expect(row.getByTestId('profile-status')).toHaveAttribute('data-state', 'connected');
});

test('a bridge set up in the UI brings a remote broker\'s topics into the tree under a prefix', async ({ page }) => {
  const remote = await startMosquitto();
  try {
    const ui = new AppPage(page);
    await ui.open(app.url);
    const broker = new BrokerPage(page);
    await broker.open();
    await page.getByTestId('broker-add-bridge').click();
    const editor = page.getByTestId('broker-bridge-editor');
    await editor.getByTestId('bridge-name').fill('site');
    await editor.getByTestId('bridge-url').fill(remote.url);
    await editor.getByTestId('bridge-topics').fill('sensors/# sideways');
    await expect(editor.getByTestId('bridge-topics-error')).toContainText('direction must be in, out or both');
    await editor.getByTestId('bridge-topics').fill('sensors/# in 1 site/ ""');
    await expect(editor.getByTestId('bridge-topics-error')).toHaveCount(0);
    await page.getByTestId('broker-save').click();
    await expect(page.locator('[data-testid="broker-bridge"][data-name="site"]')).toHaveAttribute('data-state', 'connected');

    const publisher = await mqtt.connectAsync(remote.url);
    await publisher.publishAsync('sensors/boiler', '71.5', { qos: 1, retain: true });
    await publisher.endAsync();
    await page.getByTestId('workspace-explorer').click();
    await expect(ui.row('site')).toBeVisible();
    await ui.openTopic('site/sensors/boiler');
    await expect(ui.inspectorPayload).toHaveText('71.5');
  } finally {
    await remote.stop();
  }
});

test('users and access rules set in the UI decide who may connect and what they may read', async ({ page }) => {
  const ui = new AppPage(page);
  await ui.open(app.url);
  // The warning below names Topiary's own connection: it must be connected before the rule is previewed.
  await expect(ui.status).toHaveAttribute('data-state', 'connected');
  const broker = new BrokerPage(page);
  await broker.open();
  await page.getByTestId('broker-user-name').fill('plc-7');
  await page.getByTestId('broker-user-password').fill('s3cret');
  await page.getByTestId('broker-user-save').click();
  await expect(page.locator('[data-testid="broker-user"][data-username="plc-7"]')).toBeVisible();
  await page.getByTestId('broker-acl').fill('user plc-7\ntopic readwrite plant/7/#\nbogus');
  await page.getByTestId('broker-acl-apply').click();
  await expect(page.getByTestId('broker-access-message')).toContainText('Line 3');
  await page.getByTestId('broker-acl').fill('user plc-7\ntopic readwrite plant/7/#');
  await page.getByTestId('broker-acl-apply').click();
  // The rule leaves anonymous clients, Topiary's own connection among them, without access: confirmed knowingly.
  await expect(page.getByTestId('broker-access-warning')).toContainText("Topiary's own connection");
  await page.getByTestId('broker-access-confirm').click();
  await expect(page.getByTestId('broker-access-message')).toHaveText('Access rules applied.');

  const url = await broker.tcpUrl();
  const plc = await mqtt.connectAsync(url, { username: 'plc-7', password: 's3cret', protocolVersion: 5 });
  await plc.subscribeAsync('plant/7/#');
  await expect(plc.subscribeAsync('plant/8/#')).rejects.toThrow(/Not authorized/);
  await plc.endAsync();
  await expect(mqtt.connectAsync(url, { username: 'plc-7', password: 'wrong', protocolVersion: 5, reconnectPeriod: 0 })).rejects.toThrow(/Bad User Name or Password/i);
});

test('a DTLS pre-shared key is set for a user, shown only as set, refused when malformed, and removed', async ({ page }) => {
  const ui = new AppPage(page);
  await ui.open(app.url);
  const broker = new BrokerPage(page);
  await broker.open();
  const key = '5eed0123456789abcdef0123456789ab';
  await page.getByTestId('broker-user-name').fill('sensor-9');
  await page.getByTestId('broker-user-password').fill('s3cret');
  // A password hash alone is quickest to make; the key does not depend on the sign-in methods.
  for (const m of ['SCRAM-SHA-1', 'SCRAM-SHA-256', 'SCRAM-SHA-512']) await page.getByTestId(`broker-user-method-${m}`).uncheck();
  await page.getByTestId('broker-user-save').click();
  await expect(page.locator('[data-testid="broker-user"][data-username="sensor-9"]')).toBeVisible();

  await page.getByTestId('broker-psk-identity').fill('sensor-9-dtls');
  await page.getByTestId('broker-psk-key').fill('not-hex');
  await page.getByTestId('broker-psk-save').click();
  await expect(broker.accessMessage).toHaveAttribute('data-state', 'error');
  await expect(broker.accessMessage).toContainText('A pre-shared key is 1–64 bytes written in hex');

  await page.getByTestId('broker-psk-key').fill(key);
  await page.getByTestId('broker-psk-save').click();
  const psk = page.locator('[data-testid="broker-user"][data-username="sensor-9"] [data-testid="broker-psk"][data-identity="sensor-9-dtls"]');
  await expect(psk).toContainText('set');
  await expect(page.getByTestId('broker-psk-key')).toHaveValue('');
  // The key is never shown back, anywhere on the page.
  expect(await page.content()).not.toContain(key);

  await psk.getByTestId('broker-psk-remove').click();
  await expect(psk).toHaveCount(0);
  await expect(broker.accessMessage).toContainText('Removed the pre-shared key sensor-9-dtls');
});

test('importing a password file with an old $6$ hash says which user to re-hash, and that user still logs in', async ({ page }) => {
  const ui = new AppPage(page);
  await ui.open(app.url);
  const broker = new BrokerPage(page);
  await broker.open();
  const dir = mkdtempSync(join(tmpdir(), 'topiary-e2e-passwd-'));
  try {
    const file = join(dir, 'passwd');
    execFileSync('mosquitto_passwd', ['-H', 'sha512', '-c', '-b', file, 'legacy-plc', 'old-secret']);
    await page.getByTestId('broker-users-import').setInputFiles(file);
    await expect(broker.accessMessage).toHaveAttribute('data-state', 'warning');
    await expect(broker.accessMessage).toContainText('Imported 1 user from passwd.');
    await expect(broker.accessMessage).toContainText('user "legacy-plc"');
    await expect(broker.accessMessage).toContainText('re-hash');
    await expect(page.locator('[data-testid="broker-user"][data-username="legacy-plc"]')).toBeVisible();
    const plc = await mqtt.connectAsync(await broker.tcpUrl(), { username: 'legacy-plc', password: 'old-secret', reconnectPeriod: 0 });
    await plc.endAsync();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an ACL rule that would lock out anonymous clients is listed first, naming Topiary\'s own connection, and applied only when confirmed', async ({ page }) => {
  const ui = new AppPage(page);
  await ui.open(app.url);
  await expect(ui.status).toHaveAttribute('data-state', 'connected');
  const broker = new BrokerPage(page);
  await broker.open();
  const sensor = await mqtt.connectAsync(await broker.tcpUrl(), { clientId: 'e2e-sensor', reconnectPeriod: 0 });
  try {
    await sensor.subscribeAsync('cmd/#');
    await expect(broker.client('e2e-sensor')).toContainText('cmd/#');

    await broker.acl.fill('user bob\ntopic readwrite bob/#\n');
    await broker.aclApply.click();
    await expect(broker.accessWarning).toContainText("Topiary's own connection is among them");
    await expect(broker.ownAccessLoss).toContainText('Topiary\'s own connection "Embedded broker" (anonymous)');
    await expect(broker.ownAccessLoss).toContainText('Stops receiving on #, $SYS/#.');
    await expect(broker.accessLoss('e2e-sensor')).toContainText('Stops receiving on cmd/#.');

    // Cancel leaves the broker as it was: anonymous clients still subscribe to everything.
    await broker.accessCancel.click();
    await expect(broker.accessWarning).toHaveCount(0);
    await expect(broker.accessMessage).toHaveText('Nothing was changed.');
    expect((await sensor.subscribeAsync('#'))[0]?.qos).toBe(0);

    await broker.aclApply.click();
    await broker.accessConfirm.click();
    await expect(broker.accessMessage).toHaveText('Access rules applied.');
    // MQTT 3.1.1 refuses with 0x80, which MQTT.js reports as an error.
    await expect(sensor.subscribeAsync('other/#')).rejects.toThrow(/Subscribe error/);
  } finally {
    sensor.end(true);
  }
});

test('turning anonymous clients off first says that Topiary\'s own connection would be refused at its next login', async ({ page }) => {
  const ui = new AppPage(page);
  await ui.open(app.url);
  await expect(ui.status).toHaveAttribute('data-state', 'connected');
  const broker = new BrokerPage(page);
  await broker.open();
  await page.getByTestId('broker-anonymous').uncheck();
  await page.getByTestId('broker-save').click();
  await expect(broker.ownAccessLoss).toContainText('Topiary\'s own connection "Embedded broker" (anonymous)');
  await expect(broker.ownAccessLoss).toContainText('Its next login is refused: anonymous logins would be refused.');
  await broker.accessCancel.click();
  await expect(broker.accessWarning).toHaveCount(0);
  // Nothing was saved: a new anonymous client still gets in.
  const guest = await mqtt.connectAsync(await broker.tcpUrl(), { reconnectPeriod: 0 });
  await guest.endAsync();
});
