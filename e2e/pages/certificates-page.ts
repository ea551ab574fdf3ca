import { expect, type Locator, type Page } from '@playwright/test';

/** The certificates workspace, as a user sees it. */
export class CertificatesPage {
  readonly tab: Locator;
  readonly panel: Locator;
  readonly list: Locator;
  readonly details: Locator;
  readonly importKind: Locator;
  readonly importFile: Locator;
  readonly importText: Locator;
  readonly importPassphrase: Locator;
  readonly importSubmit: Locator;
  readonly importError: Locator;
  readonly testResult: Locator;

  constructor(readonly page: Page) {
    this.tab = page.getByTestId('workspace-certificates');
    this.panel = page.getByTestId('certificates-panel');
    this.list = page.getByTestId('cert-list');
    this.details = page.getByTestId('cert-details');
    this.importKind = page.getByTestId('cert-import-kind');
    this.importFile = page.getByTestId('cert-import-file');
    this.importText = page.getByTestId('cert-import-text');
    this.importPassphrase = page.getByTestId('cert-import-passphrase');
    this.importSubmit = page.getByTestId('cert-import-submit');
    this.importError = page.getByTestId('cert-import-error');
    this.testResult = page.getByTestId('cert-test-result');
  }

  async open(): Promise<void> {
    await this.tab.click();
    await expect(this.list).toHaveAttribute('data-loaded', 'true');
  }

  rows(kind?: string): Locator {
    return kind ? this.list.locator(`[data-testid="cert-row"][data-kind="${kind}"]`) : this.list.getByTestId('cert-row');
  }

  row(label: string): Locator {
    return this.rows().filter({ hasText: label });
  }

  async startImport(kind: 'trusted-ca' | 'client-identity' | 'server-identity'): Promise<void> {
    await this.page.getByTestId('cert-open-import').click();
    await this.importKind.selectOption(kind);
  }

  /** Pastes PEM text and imports it; waits for the new entry's details. */
  async importPasted(kind: 'trusted-ca' | 'client-identity' | 'server-identity', pem: string): Promise<void> {
    await this.startImport(kind);
    await this.importText.fill(pem);
    await this.importSubmit.click();
    await expect(this.details).toBeVisible();
  }

  /** Drops files onto the import area the way a file manager would (a real drop event carrying Files). */
  async dropFiles(files: readonly { readonly name: string; readonly text: string }[]): Promise<void> {
    const zone = this.page.getByTestId('cert-import-drop');
    const dataTransfer = await this.page.evaluateHandle((list) => {
      const dt = new DataTransfer();
      for (const f of list) dt.items.add(new File([f.text], f.name));
      return dt;
    }, files);
    await zone.dispatchEvent('dragover', { dataTransfer });
    await zone.dispatchEvent('drop', { dataTransfer });
  }

  field(name: string): Locator {
    return this.details.getByTestId(`cert-${name}`);
  }

  /** Fills the broker test form and runs it; waits for the verdict. */
  async testBroker(options: { host: string; port: number; caLabels: readonly string[]; useSystemCAs: boolean; identityLabel?: string }): Promise<void> {
    await this.page.getByTestId('cert-open-test').click();
    await this.page.getByTestId('cert-test-host').fill(options.host);
    await this.page.getByTestId('cert-test-port').fill(String(options.port));
    await this.page.getByTestId('cert-test-system').setChecked(options.useSystemCAs);
    for (const label of options.caLabels) {
      await this.page.locator('label', { hasText: label }).getByTestId('cert-test-ca').check();
    }
    await this.page.getByTestId('cert-test-identity').selectOption({ label: options.identityLabel ?? 'none' });
    await this.page.getByTestId('cert-test-run').click();
    await expect(this.testResult).toBeVisible({ timeout: 15_000 });
  }
}
