import { expect, type Locator, type Page } from '@playwright/test';
import { ExplorerPage } from './explorer-page';

/** The History workspace: recording, search, results, export and replay. */
export class HistoryPage extends ExplorerPage {
  readonly view: Locator;
  readonly summary: Locator;
  readonly results: Locator;
  readonly detail: Locator;
  readonly exportFile: Locator;
  readonly exportProgress: Locator;
  readonly replayProgress: Locator;

  constructor(page: Page) {
    super(page);
    this.view = page.getByTestId('history-view');
    this.summary = page.getByTestId('history-summary');
    this.results = page.getByTestId('history-results');
    this.detail = page.getByTestId('history-detail');
    this.exportFile = page.getByTestId('history-export-file');
    this.exportProgress = page.getByTestId('history-export-progress');
    this.replayProgress = page.getByTestId('history-replay-progress');
  }

  async show(): Promise<void> {
    await this.page.getByTestId('workspace-history').click();
    await expect(this.view).toBeVisible();
  }

  async showExplorer(): Promise<void> {
    await this.page.getByTestId('workspace-explorer').click();
  }

  /** Turns recording on for the connection with this name (the broker URL for an ad-hoc connection). */
  async record(connectionName: string): Promise<void> {
    const toggle = this.page.locator(`[data-testid="history-record-toggle"][data-connection="${connectionName}"]`);
    // Checked once the core says it records (the box follows the core, not the click).
    await toggle.click();
    await expect(toggle).toBeChecked();
  }

  async search(fields: { readonly filters?: string; readonly text?: string; readonly regex?: string }): Promise<void> {
    await this.page.getByTestId('history-filters').fill(fields.filters ?? '');
    await this.page.getByTestId('history-text').fill(fields.text ?? '');
    await this.page.getByTestId('history-regex').fill(fields.regex ?? '');
    await this.page.getByTestId('history-search-run').click();
  }

  resultRows(): Locator {
    return this.results.getByTestId('history-result');
  }
}
