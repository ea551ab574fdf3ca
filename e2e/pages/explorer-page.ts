import { expect, type Locator, type Page } from '@playwright/test';
import { AppPage } from './app-page';

/** The explorer side of the window: tree toolbar, tree and inspector, as a user drives them. */
export class ExplorerPage extends AppPage {
  readonly totals: Locator;
  readonly filter: Locator;
  readonly filterMode: Locator;
  readonly filterError: Locator;
  readonly pauseButton: Locator;
  readonly gauge: Locator;
  readonly chart: Locator;
  readonly historyList: Locator;

  constructor(page: Page) {
    super(page);
    this.totals = page.getByTestId('tree-totals');
    this.filter = page.getByTestId('tree-filter');
    this.filterMode = page.getByTestId('tree-filter-mode');
    this.filterError = page.getByTestId('tree-filter-error');
    this.pauseButton = page.getByTestId('tree-pause');
    this.gauge = page.getByTestId('buffer-gauge');
    this.chart = page.getByTestId('chart');
    this.historyList = page.getByTestId('history-list');
  }

  /** Room for a loaded machine: the renderer bundle (Monaco included) can take a while. */
  protected override readonly readyTimeoutMs = 30_000;

  async filterBy(mode: 'substring' | 'regex' | 'wildcard', pattern: string): Promise<void> {
    await this.filterMode.selectOption(mode);
    await this.filter.fill(pattern);
  }

  /** Paths of the rows the tree shows now, top to bottom. */
  async visiblePaths(): Promise<string[]> {
    const rows = this.tree.locator('[data-testid="tree-row"]');
    const items = await rows.evaluateAll((els) =>
      els
        .map((el) => ({ path: el.getAttribute('data-path') ?? '', top: new DOMMatrixReadOnly(getComputedStyle(el).transform).m42 }))
        .sort((a, b) => a.top - b.top)
        .map((r) => r.path),
    );
    return items;
  }

  async expectVisiblePaths(paths: readonly string[]): Promise<void> {
    await expect.poll(() => this.visiblePaths()).toEqual(paths);
  }

  property(name: string): Locator {
    return this.inspector.getByTestId(`prop-${name}`);
  }
}
