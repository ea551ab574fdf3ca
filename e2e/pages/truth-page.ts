import type { Locator, Page } from '@playwright/test';

/** What the window says about a connection's truth: the empty tree's reason, a takeover, the publish counter. */
export class TruthPage {
  readonly treeEmptyReason: Locator;
  readonly takeSessionBack: Locator;
  readonly username: Locator;
  readonly password: Locator;
  readonly counterReset: Locator;
  readonly templateHelp: Locator;

  constructor(readonly page: Page) {
    this.treeEmptyReason = page.getByTestId('tree-empty-reason');
    this.takeSessionBack = page.getByTestId('take-session-back');
    this.username = page.getByTestId('username');
    this.password = page.getByTestId('password');
    this.counterReset = page.getByTestId('counter-reset');
    this.templateHelp = page.getByTestId('template-help');
  }
}
