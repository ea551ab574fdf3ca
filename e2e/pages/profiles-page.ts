import { expect, type Locator, type Page } from '@playwright/test';

/** What a new profile's form gets; secrets and TLS only when given. */
export interface ProfileFormInput {
  readonly name: string;
  readonly folder?: string;
  readonly url: string;
  readonly username?: string;
  readonly password?: string;
  readonly caPem?: string;
  /** An MQTT 5 enhanced authentication method (SCRAM-SHA-…); a password in CONNECT when absent. */
  readonly authMethod?: string;
}

/** The connections panel and the profile editor, as a user sees them. */
export class ProfilesPage {
  readonly panel: Locator;
  readonly newButton: Locator;
  readonly editor: Locator;
  readonly secretStoreInfo: Locator;
  readonly importInput: Locator;
  readonly importForeignInput: Locator;
  readonly importSummary: Locator;

  constructor(readonly page: Page) {
    this.panel = page.getByTestId('connections-panel');
    this.newButton = page.getByTestId('profiles-new');
    this.editor = page.getByTestId('profile-editor');
    this.secretStoreInfo = page.getByTestId('secret-store-info');
    this.importInput = page.getByTestId('profiles-import');
    this.importForeignInput = page.getByTestId('profiles-import-foreign');
    this.importSummary = page.getByTestId('import-summary');
  }

  async ready(): Promise<void> {
    await expect(this.panel).toHaveAttribute('data-ready', 'true');
  }

  row(name: string): Locator {
    return this.panel.locator(`[data-testid="profile-row"][data-name="${name}"]`);
  }

  folder(name: string): Locator {
    return this.panel.locator(`[data-testid="profile-folder"][data-folder="${name}"]`);
  }

  async create(input: ProfileFormInput): Promise<void> {
    await this.newButton.click();
    await expect(this.editor).toBeVisible();
    const field = (id: string): Locator => this.editor.getByTestId(id);
    await field('profile-name-input').fill(input.name);
    if (input.folder) await field('profile-folder-input').fill(input.folder);
    await field('profile-url').fill(input.url);
    if (input.username) await field('profile-username').fill(input.username);
    if (input.password) await field('profile-password').fill(input.password);
    if (input.authMethod) await field('profile-auth-method').selectOption(input.authMethod);
    if (input.caPem) await field('profile-tls-ca').fill(input.caPem);
    await field('profile-save').click();
    await expect(this.editor).toBeHidden();
    await expect(this.row(input.name)).toBeVisible();
  }

  /** Clicks Export and returns the downloaded file's text. */
  async exportText({ withSecrets }: { withSecrets: boolean }): Promise<string> {
    await this.page.getByTestId('profiles-export-secrets').setChecked(withSecrets);
    const [download] = await Promise.all([this.page.waitForEvent('download'), this.page.getByTestId('profiles-export').click()]);
    const stream = await download.createReadStream();
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }

  async connect(name: string): Promise<void> {
    await this.row(name).getByTestId('profile-connect').click();
    await expect(this.row(name)).toHaveAttribute('data-state', 'connected');
  }
}
