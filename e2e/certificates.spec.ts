import { expect, test } from '@playwright/test';
import { X509Certificate } from 'node:crypto';
import { startMosquittoTls, type TlsMosquitto } from '../src-main/test-support/mosquitto';
import { createTestPki, type TestPki } from '../src-main/test-support/pki';
import mqtt from 'mqtt';
import { AppPage } from './pages/app-page';
import { CertificatesPage } from './pages/certificates-page';
import { ProfilesPage } from './pages/profiles-page';
import { startWebApp, type WebApp } from './support/web-app';

let pki: TestPki;
let broker: TlsMosquitto;
let app: WebApp;

test.beforeAll(async () => {
  pki = createTestPki();
  pki.openssl(['pkcs12', '-export', '-in', 'client.crt', '-inkey', 'client.key', '-certfile', 'root.crt', '-out', 'client.p12', '-passout', 'pass:p12-secret']);
  // Mutual TLS: the broker presents a certificate signed by the test root and requires one from the client.
  broker = await startMosquittoTls([
    { name: 'mtls', certfile: pki.path('direct.crt'), keyfile: pki.path('direct.key'), cafile: pki.path('root.crt'), requireCertificate: true },
  ]);
});

test.afterAll(async () => {
  await broker?.stop();
  pki?.cleanup();
});

test.beforeEach(async () => {
  app = await startWebApp();
});

test.afterEach(async () => {
  await app.stop({ removeData: true });
});

test('a PKCS#12 file imported in the UI asks for its password, shows its details, and passes a mutual-TLS broker test', async ({ page }) => {
  const ui = new AppPage(page);
  await ui.open(app.url);
  const certs = new CertificatesPage(page);
  await certs.open();

  await certs.importPasted('trusted-ca', pki.text('root.crt'));
  await expect(certs.rows('trusted-ca')).toHaveText(['Topiary Test Root']);

  await certs.startImport('client-identity');
  await certs.importFile.setInputFiles(pki.path('client.p12'));
  await expect(page.getByTestId('cert-import-staged')).toContainText('client.p12');
  await certs.importSubmit.click();
  await expect(certs.importError).toHaveAttribute('data-code', 'PASSPHRASE_REQUIRED');
  await certs.importPassphrase.fill('not-it');
  await certs.importSubmit.click();
  await expect(certs.importError).toHaveAttribute('data-code', 'WRONG_PASSPHRASE');
  await expect(certs.importError).not.toBeEmpty();
  await certs.importPassphrase.fill('p12-secret');
  await certs.importSubmit.click();

  const leaf = new X509Certificate(pki.read('client.crt'));
  await expect(certs.details).toBeVisible();
  await expect(page.getByTestId('cert-details-label')).toHaveText('topiary-client');
  await expect(certs.field('subject')).toHaveText('CN=topiary-client');
  await expect(certs.field('issuer')).toContainText('CN=Topiary Test Root');
  await expect(certs.field('key')).toHaveText('EC P-256');
  await expect(certs.field('signature')).toHaveText('sha256WithRSAEncryption');
  await expect(certs.field('usage')).toContainText('clientAuth');
  await expect(certs.field('serial')).toHaveText(leaf.serialNumber.toUpperCase());
  await expect(certs.field('sha1')).toHaveText(leaf.fingerprint);
  await expect(certs.field('sha256')).toHaveText(leaf.fingerprint256);
  await expect(certs.field('days')).toContainText('days remaining');
  await expect(page.getByTestId('cert-expiry')).toHaveAttribute('data-state', 'expiring');
  await expect(certs.row('topiary-client').getByTestId('cert-expiry-badge')).toContainText('expires in');
  const chain = page.getByTestId('cert-chain');
  await expect(chain).toHaveAttribute('data-trusted', 'true');
  await expect(chain.getByTestId('cert-chain-link')).toHaveCount(2);
  await expect(page.getByTestId('cert-pem')).toHaveValue(/BEGIN CERTIFICATE/);
  await expect(page.getByTestId('cert-pem')).not.toHaveValue(/PRIVATE KEY/);

  const port = broker.ports['mtls']!;
  await certs.testBroker({ host: '127.0.0.1', port, caLabels: ['Topiary Test Root'], useSystemCAs: false });
  await expect(certs.testResult).toHaveAttribute('data-ok', 'false');
  await expect(certs.testResult).toHaveAttribute('data-verdict', /client-certificate/);
  await expect(page.getByTestId('cert-test-fix')).toContainText('Fix:');

  await certs.testBroker({ host: '127.0.0.1', port, caLabels: [], useSystemCAs: false, identityLabel: 'topiary-client' });
  await expect(certs.testResult).toHaveAttribute('data-verdict', 'verified');
  await expect(certs.testResult).toHaveAttribute('data-ok', 'true');
});

test('a pasted key that belongs to another certificate is refused with a clear error', async ({ page }) => {
  const ui = new AppPage(page);
  await ui.open(app.url);
  const certs = new CertificatesPage(page);
  await certs.open();
  await certs.startImport('client-identity');
  await certs.importText.fill(pki.text('client.crt') + pki.text('server.key'));
  await certs.importSubmit.click();
  await expect(certs.importError).toHaveAttribute('data-code', 'KEY_MISMATCH');
  await expect(certs.rows()).toHaveCount(0);
});

test('a generated local CA signs a server certificate for localhost and 127.0.0.1, and deleting asks first', async ({ page }) => {
  const ui = new AppPage(page);
  await ui.open(app.url);
  const certs = new CertificatesPage(page);
  await certs.open();

  await page.getByTestId('cert-open-generate').click();
  await page.getByTestId('cert-generate-cn').fill('Workbench CA');
  await page.getByTestId('cert-generate-submit').click();
  await expect(page.getByTestId('cert-details-label')).toHaveText('Workbench CA');

  await page.getByTestId('cert-open-generate').click();
  await page.getByTestId('cert-generate-server').check();
  await expect(page.getByTestId('cert-generate-sans')).toHaveValue('localhost, 127.0.0.1');
  await page.getByTestId('cert-generate-submit').click();
  await expect(page.getByTestId('cert-details-label')).toHaveText('localhost');
  await expect(certs.field('sans')).toHaveText('DNS:localhost, IP:127.0.0.1');
  await expect(certs.field('issuer')).toContainText('Workbench CA');
  await expect(certs.rows('server-identity')).toHaveCount(1);

  await page.getByTestId('cert-open-roots').click();
  await expect(page.getByTestId('cert-system-source')).toContainText('roots');
  expect(Number(await page.getByTestId('cert-system-roots').getAttribute('data-count'))).toBeGreaterThan(10);
  await certs.row('localhost').click();

  await page.getByTestId('cert-delete').click();
  await expect(page.getByTestId('cert-delete-confirm')).toContainText('Delete "localhost"');
  await page.getByTestId('cert-delete-confirm-button').click();
  await expect(certs.rows('server-identity')).toHaveCount(0);
  await expect(certs.rows('trusted-ca')).toHaveCount(1);
});

test('dropped files are imported, an expired CA is flagged in the list, and an identity exports as a PKCS#12 file that opens with its password', async ({ page }) => {
  const ui = new AppPage(page);
  await ui.open(app.url);
  const certs = new CertificatesPage(page);
  await certs.open();

  await certs.startImport('trusted-ca');
  await certs.dropFiles([{ name: 'expired.crt', text: pki.text('expired.crt') }]);
  await expect(page.getByTestId('cert-import-staged')).toContainText('expired.crt');
  await certs.importSubmit.click();
  await expect(page.getByTestId('cert-expiry')).toHaveAttribute('data-state', 'expired');
  const expiredRow = certs.row('localhost expired');
  await expect(expiredRow).toHaveAttribute('data-expiry', 'expired');
  await expect(expiredRow.getByTestId('cert-expiry-badge')).toHaveText('expired');

  // A profile that trusts the expired CA carries the warning in the connections list too.
  const expiredId = await expiredRow.getAttribute('data-id');
  const profilesFile = { format: 'topiary-profiles-export', version: 1, profiles: [{ name: 'Old plant', folder: '', options: { url: 'mqtts://127.0.0.1:8883', tls: { caIds: [expiredId] } } }] };
  await page.getByTestId('workspace-explorer').click();
  const profiles = new ProfilesPage(page);
  await profiles.ready();
  await profiles.importInput.setInputFiles({ name: 'old.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(profilesFile)) });
  await expect(profiles.row('Old plant').getByTestId('profile-certificate-warning')).toHaveText('certificate expired');
  await certs.open();

  await certs.startImport('client-identity');
  await certs.dropFiles([
    { name: 'client.crt', text: pki.text('client.crt') },
    { name: 'client.key', text: pki.text('client.key') },
  ]);
  await certs.importSubmit.click();
  await expect(page.getByTestId('cert-details-label')).toHaveText('topiary-client');

  await page.getByTestId('cert-pkcs12-password').fill('export-pw');
  const download = page.waitForEvent('download');
  await page.getByTestId('cert-export-pkcs12').click();
  const file = await download;
  expect(file.suggestedFilename()).toBe('topiary-client.p12');
  const saved = pki.path('exported.p12');
  await file.saveAs(saved);
  const dump = pki.openssl(['pkcs12', '-in', saved, '-passin', 'pass:export-pw', '-nokeys', '-clcerts']);
  expect(dump).toContain('CN = topiary-client');
});

test('a profile that names a CA and an identity imported in the UI connects to a mutual-TLS mosquitto, and deleting them names that profile', async ({ page }) => {
  const ui = new AppPage(page);
  await ui.open(app.url);
  const certs = new CertificatesPage(page);
  await certs.open();
  await certs.importPasted('trusted-ca', pki.text('root.crt'));
  await certs.startImport('client-identity');
  await certs.importFile.setInputFiles(pki.path('client.p12'));
  await certs.importSubmit.click();
  await certs.importPassphrase.fill('p12-secret');
  await certs.importSubmit.click();
  await expect(page.getByTestId('cert-details-label')).toHaveText('topiary-client');
  const caId = await certs.row('Topiary Test Root').getAttribute('data-id');
  const identityId = await certs.row('topiary-client').getAttribute('data-id');

  // The profile editor has no store picker yet, so the profile arrives as a Topiary profiles file naming the entries.
  const port = broker.ports['mtls']!;
  const profilesFile = {
    format: 'topiary-profiles-export',
    version: 1,
    profiles: [{ name: 'Plant mTLS', folder: '', options: { url: `mqtts://127.0.0.1:${port}`, tls: { caIds: [caId], identityId, systemCa: false } } }],
  };
  await page.getByTestId('workspace-explorer').click();
  const profiles = new ProfilesPage(page);
  await profiles.ready();
  await profiles.importInput.setInputFiles({ name: 'plant.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(profilesFile)) });
  await expect(profiles.row('Plant mTLS')).toBeVisible();
  await profiles.connect('Plant mTLS');

  const outside = await mqtt.connectAsync(`mqtts://127.0.0.1:${port}`, { ca: pki.text('root.crt'), cert: pki.text('client.crt'), key: pki.text('client.key') });
  await outside.publishAsync('plant/secure/temperature', '21.5', { qos: 1, retain: true });
  await outside.endAsync();
  await expect(ui.row('plant')).toBeVisible();

  await certs.open();
  await certs.row('topiary-client').click();
  await expect(page.getByTestId('cert-details')).toContainText('used by Plant mTLS');
  await page.getByTestId('cert-delete').click();
  await expect(page.getByTestId('cert-delete-confirm')).toContainText('"topiary-client" is used by "Plant mTLS"');
  await expect(page.getByTestId('cert-delete-confirm-button')).toHaveText('Delete anyway');
});
