import type { Locator, Page } from '@playwright/test';

/** What covers the window when it has no live core behind it. */
export class CoreLinkPage {
  readonly lost: Locator;
  readonly tokenRejected: Locator;
  readonly noToken: Locator;

  constructor(readonly page: Page) {
    this.lost = page.getByTestId('core-lost');
    this.tokenRejected = page.getByTestId('core-token-rejected');
    this.noToken = page.getByTestId('core-no-token');
  }
}
