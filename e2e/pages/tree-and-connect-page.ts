import { expect, type Locator, type Page } from '@playwright/test';
import { ExplorerPage } from './explorer-page';

/** The tree's context menu and keyboard, the composer's topic pin, and the connections list with its bar. */
export class TreeAndConnectPage extends ExplorerPage {
  readonly menu: Locator;
  readonly note: Locator;
  readonly retainedClear: Locator;
  readonly topicPin: Locator;
  readonly newConnection: Locator;
  readonly unsavedList: Locator;

  constructor(page: Page) {
    super(page);
    this.menu = page.getByTestId('topic-menu');
    this.note = page.getByTestId('tree-note');
    this.retainedClear = page.getByTestId('tree-clear-retained');
    this.topicPin = page.getByTestId('publish-topic-pin');
    this.newConnection = page.getByTestId('connect-new');
    this.unsavedList = page.getByTestId('live-connections');
  }

  /** Right-clicks a row and picks an item of its menu (copy-topic, copy-payload, publish, clear-retained, chart, filter). */
  async menuAction(path: string, item: string): Promise<void> {
    await this.row(path).click({ button: 'right' });
    await expect(this.menu).toHaveAttribute('data-path', path);
    await this.menu.getByTestId(`topic-menu-${item}`).click();
    await expect(this.menu).toBeHidden();
  }

  /** Expands a branch row with its twisty, as a user opening the way to a topic would. */
  async expand(path: string): Promise<void> {
    const row = this.row(path);
    if ((await row.getAttribute('aria-expanded')) !== 'true') await row.getByTestId('tree-toggle').click();
    await expect(row).toHaveAttribute('aria-expanded', 'true');
  }

  async clipboardText(): Promise<string> {
    return this.page.evaluate(() => navigator.clipboard.readText());
  }

  /** A connection of the list no profile owns (quick connect, embedded broker), by its name. */
  unsaved(name: string): Locator {
    return this.page.locator(`[data-testid="live-connection"][data-name="${name}"]`);
  }

  /** Quick-connects from the bar while another connection may be live: New connection first when one is shown. */
  async quickConnect(url: string, options: { username?: string } = {}): Promise<void> {
    if (await this.newConnection.isVisible()) await this.newConnection.click();
    await this.connect(url, options);
  }
}
