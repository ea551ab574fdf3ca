import { expect, test } from '@playwright/test';
import mqtt from 'mqtt';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { everyFileText } from '../src-main/test-support/every-file-text';
import { startMosquitto, startTlsBroker, type Mosquitto, type TlsBroker } from '../src-main/test-support/mosquitto';
import { AppPage } from './pages/app-page';
import { ProfilesPage } from './pages/profiles-page';
import { startWebApp, type WebApp } from './support/web-app';

const PASSWORD = 'e2e-tls-password-5521';


test.describe('connection profiles', () => {
  let tlsBroker: TlsBroker | undefined;
  let plainBroker: Mosquitto | undefined;
  let app: WebApp | undefined;

  test.afterEach(async () => {
    await app?.stop({ removeData: true });
    await tlsBroker?.stop();
    await plainBroker?.stop();
    app = undefined;
    tlsBroker = undefined;
    plainBroker = undefined;
  });

  test('a TLS profile created in the UI survives a restart with its sealed password and connects again', async ({ page }) => {
    tlsBroker = await startTlsBroker({ username: 'e2e-user', password: PASSWORD });
    app = await startWebApp();
    const ui = new AppPage(page);
    const profiles = new ProfilesPage(page);
    await ui.open(app.url);
    await profiles.ready();
    await expect(profiles.secretStoreInfo).toHaveAttribute('data-kind', 'encrypted-file');

    await profiles.create({ name: 'Secure plant', folder: 'Plant', url: tlsBroker.url, username: 'e2e-user', password: PASSWORD, caPem: tlsBroker.caPem });
    await expect(profiles.folder('Plant')).toContainText('Secure plant');
    await profiles.connect('Secure plant');
    await expect(ui.status).toHaveAttribute('data-state', 'connected');
    await expect(profiles.row('Secure plant')).toHaveAttribute('data-active', 'true');

    const outside = await mqtt.connectAsync(tlsBroker.url, { username: 'e2e-user', password: PASSWORD, ca: tlsBroker.caPem });
    await outside.publishAsync('plant/tls/check', 'ok', { qos: 1, retain: true });
    await outside.endAsync();
    await expect(ui.row('plant')).toBeVisible();

    const userDataDir = app.userDataDir;
    await app.stop();
    const files = await everyFileText(userDataDir);
    expect(files).toContain('Secure plant');
    expect(files).not.toContain(PASSWORD);

    app = await startWebApp({ userDataDir });
    await ui.open(app.url);
    await profiles.ready();
    await expect(profiles.row('Secure plant')).toHaveAttribute('data-state', 'disconnected');
    await profiles.row('Secure plant').getByTestId('profile-edit').click();
    await expect(profiles.editor.getByTestId('profile-password-stored')).toBeVisible();
    await expect(profiles.editor.getByTestId('profile-password')).toHaveValue('');
    await expect(profiles.editor.getByTestId('profile-tls-ca')).toHaveValue(tlsBroker.caPem);
    await profiles.editor.getByTestId('profile-cancel').click();

    await profiles.connect('Secure plant');
    await expect(ui.status).toHaveAttribute('data-state', 'connected');
    await expect(ui.row('plant')).toBeVisible();
    expect(await everyFileText(userDataDir)).not.toContain(PASSWORD);
  });

  test('two profiles connect at once, each with its own tree, and switching between them is instant', async ({ page }) => {
    plainBroker = await startMosquitto();
    const second = await startMosquitto();
    try {
      app = await startWebApp();
      const ui = new AppPage(page);
      const profiles = new ProfilesPage(page);
      await ui.open(app.url);
      await profiles.ready();
      await profiles.create({ name: 'North', url: plainBroker.url });
      await profiles.create({ name: 'South', url: second.url });

      for (const [broker, topic] of [
        [plainBroker, 'north/only'],
        [second, 'south/only'],
      ] as const) {
        const outside = await mqtt.connectAsync(broker.url);
        await outside.publishAsync(topic, 'x', { retain: true, qos: 1 });
        await outside.endAsync();
      }

      await profiles.connect('North');
      await profiles.connect('South');
      await expect(profiles.row('South')).toHaveAttribute('data-active', 'true');
      await expect(ui.row('south')).toBeVisible();
      await expect(ui.row('north')).toHaveCount(0);

      await profiles.row('North').getByTestId('profile-activate').click();
      await expect(profiles.row('North')).toHaveAttribute('data-active', 'true');
      await expect(ui.row('north')).toBeVisible();
      await expect(ui.row('south')).toHaveCount(0);
      await expect(profiles.row('South')).toHaveAttribute('data-state', 'connected');

      await profiles.row('South').getByTestId('profile-disconnect').click();
      await expect(profiles.row('South')).toHaveAttribute('data-state', 'disconnected');
      await expect(profiles.row('North')).toHaveAttribute('data-state', 'connected');
    } finally {
      await second.stop();
    }
  });

  test('profiles can be duplicated, reordered, deleted, exported with or without secrets, imported (MQTT Explorer settings too) and dragged between folders', async ({ page }) => {
    app = await startWebApp();
    const profiles = new ProfilesPage(page);
    await new AppPage(page).open(app.url);
    await profiles.ready();
    await profiles.create({ name: 'Alpha', url: 'mqtt://127.0.0.1:1', username: 'alpha', password: 'alpha-export-pw' });
    await profiles.row('Alpha').getByTestId('profile-duplicate').click();
    await expect(profiles.row('Alpha (copy)')).toBeVisible();
    const names = profiles.panel.locator('[data-testid="profile-folder"][data-folder=""] [data-testid="profile-name"]');
    await expect(names).toHaveText(['Alpha', 'Alpha (copy)']);
    await profiles.row('Alpha (copy)').getByTestId('profile-move-up').click();
    await expect(names).toHaveText(['Alpha (copy)', 'Alpha']);
    await profiles.row('Alpha (copy)').getByTestId('profile-delete').click();
    await profiles.row('Alpha (copy)').getByTestId('profile-delete-confirm').click();
    await expect(names).toHaveText(['Alpha']);

    const plainExport = await profiles.exportText({ withSecrets: false });
    expect(plainExport).toContain('"alpha"');
    expect(plainExport).not.toContain('alpha-export-pw');
    const fullExport = await profiles.exportText({ withSecrets: true });
    expect(fullExport).toContain('alpha-export-pw');
    await profiles.importInput.setInputFiles({ name: 'export.json', mimeType: 'application/json', buffer: Buffer.from(plainExport) });
    await expect(profiles.importSummary).toHaveAttribute('data-imported', '1');
    await expect(names).toHaveText(['Alpha', 'Alpha']);

    await profiles.importForeignInput.setInputFiles(path.resolve(__dirname, '../src-main/test-support/fixtures/importers/mqtt-explorer-settings.json'));
    await expect(profiles.importSummary).toHaveAttribute('data-imported', '3');
    await expect(profiles.folder('MQTT Explorer').getByTestId('profile-name')).toHaveText(['test.mosquitto.org', 'Secure plant', 'Lab over WSS']);

    await profiles.row('Alpha').first().dragTo(profiles.folder('MQTT Explorer').getByTestId('profile-folder-title'));
    await expect(profiles.folder('MQTT Explorer').getByTestId('profile-name')).toHaveText(['test.mosquitto.org', 'Secure plant', 'Lab over WSS', 'Alpha']);
    await profiles.row('Lab over WSS').dragTo(profiles.row('test.mosquitto.org'));
    await expect(profiles.folder('MQTT Explorer').getByTestId('profile-name')).toHaveText(['Lab over WSS', 'test.mosquitto.org', 'Secure plant', 'Alpha']);
    await expect(names).toHaveText(['Alpha']);
  });

  test('a damaged profiles file is reported in the panel and kept aside, and new profiles still save', async ({ page }) => {
    const userDataDir = await mkdtemp(path.join(os.tmpdir(), 'topiary-e2e-'));
    await writeFile(path.join(userDataDir, 'profiles.json'), '{"format":"topiary-profiles","version":1,"profiles":[{');
    app = await startWebApp({ userDataDir });
    const profiles = new ProfilesPage(page);
    await new AppPage(page).open(app.url);
    await profiles.ready();
    await expect(page.getByTestId('profiles-notice')).toHaveAttribute('data-code', 'PROFILES_FILE_CORRUPT');
    await expect(page.getByTestId('profiles-notice')).toContainText('profiles.json.corrupt-');
    await profiles.create({ name: 'Fresh', url: 'mqtt://127.0.0.1:1' });
    const kept = (await readdir(userDataDir)).filter((name) => name.startsWith('profiles.json.corrupt-'));
    expect(kept).toHaveLength(1);
    expect(await readFile(path.join(userDataDir, kept[0] as string), 'utf8')).toContain('"profiles":[{');
  });

  test('a DTLS quick connect is told to add a CA or a key; a profile with a pre-shared key checks the key as typed, keeps it sealed, and connects as the broker user', async ({ page }) => {
    const KEY = 'e2e0a11ce0123456789abcdef0123456';
    // The built library's broker (the app's engine) in a process of its own: the test runner's TypeScript loader cannot
    // load werift's modules. Its DTLS listener has a throwaway certificate and the pre-shared key; it prints its URL, then
    // the user of each client that signs in.
    const script = `
      const { createBroker } = require(${JSON.stringify(path.resolve(__dirname, '../dist/lib/index.cjs'))});
      const { execFileSync } = require('node:child_process');
      const fs = require('node:fs');
      const dir = fs.mkdtempSync(require('node:path').join(require('node:os').tmpdir(), 'topiary-e2e-dtls-'));
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/CN=127.0.0.1', '-days', '1', '-keyout', dir + '/key.pem', '-out', dir + '/cert.pem'], { stdio: 'ignore' });
      const [cert, pem] = [fs.readFileSync(dir + '/cert.pem'), fs.readFileSync(dir + '/key.pem')];
      fs.rmSync(dir, { recursive: true, force: true });
      const key = Buffer.from(${JSON.stringify(KEY)}, 'hex');
      createBroker({ allowAnonymous: false, listeners: [{ kind: 'dtls', port: 0, host: '127.0.0.1', cert, key: pem, psk: (id) => (id === 'device-7-dtls' ? { key, username: 'device-7' } : undefined) }] }).then((b) => {
        b.on('event', (e) => { if (e.type === 'client.connected') console.log('user ' + e.username); });
        console.log('url ' + b.url);
      }, (e) => { console.error(e); process.exit(1); });`;
    const brokerProcess = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    brokerProcess.on('error', () => undefined);
    let brokerOutput = '';
    brokerProcess.stdout.on('data', (d: Buffer) => (brokerOutput += d.toString()));
    try {
      // The app starts while the broker does.
      app = await startWebApp();
      await expect.poll(() => brokerOutput, { timeout: 10_000 }).toMatch(/^url /m);
      const url = /^url (\S+)$/m.exec(brokerOutput)![1]!;
      const ui = new AppPage(page);
      const profiles = new ProfilesPage(page);
      await ui.open(app.url);
      await profiles.ready();
      // A quick connect with the URL alone has nothing to secure the session with, and is told what to add.
      await ui.brokerUrl.fill(url);
      await ui.connectButton.click();
      const quickError = page.getByTestId('connection-error');
      await expect(quickError).toHaveAttribute('data-code', 'TLS_ERROR');
      await expect(quickError).toContainText('no trusted CA and no pre-shared key');
      await expect(quickError).toContainText('choose "Pre-shared key" in a connection profile');

      await profiles.newButton.click();
      const field = (id: string) => profiles.editor.getByTestId(id);
      await field('profile-name-input').fill('DTLS device');
      await field('profile-url').fill(url);
      await field('profile-tls-auth').selectOption('psk');
      await expect(field('profile-tls-ca')).toHaveCount(0);
      await field('profile-tls-psk-identity').fill('device-7-dtls');
      await field('profile-tls-psk').fill('abc');
      await expect(field('profile-tls-psk-error')).toHaveText('A pre-shared key is whole bytes, two hex digits each: this one has 3 digits.');
      await expect(field('profile-save')).toBeDisabled();
      await field('profile-tls-psk').fill(KEY);
      await expect(field('profile-tls-psk-error')).toHaveCount(0);
      await field('profile-save').click();
      await expect(profiles.editor).toBeHidden();

      await profiles.connect('DTLS device');
      await expect(ui.status).toHaveAttribute('data-state', 'connected');
      await expect.poll(() => brokerOutput).toMatch(/^user device-7$/m);

      await profiles.row('DTLS device').getByTestId('profile-edit').click();
      await expect(field('profile-tls-auth')).toHaveValue('psk');
      await expect(field('profile-tls-psk-identity')).toHaveValue('device-7-dtls');
      await expect(field('profile-tls-psk-stored')).toBeVisible();
      await expect(field('profile-tls-psk')).toHaveValue('');
      await field('profile-cancel').click();
      expect(await everyFileText(app.userDataDir)).not.toContain(KEY);
    } finally {
      brokerProcess.kill();
    }
  });
});
