import { expect, type Locator, type Page } from '@playwright/test';

/** The Broker workspace: the embedded broker's controls and dashboard. */
export class BrokerPage {
  readonly tab: Locator;
  readonly state: Locator;
  readonly start: Locator;
  readonly stop: Locator;
  readonly listeners: Locator;
  readonly clients: Locator;
  readonly retained: Locator;
  readonly log: Locator;

  constructor(readonly page: Page) {
    this.tab = page.getByTestId('workspace-broker');
    this.state = page.getByTestId('broker-state');
    this.start = page.getByTestId('broker-start');
    this.stop = page.getByTestId('broker-stop');
    this.listeners = page.getByTestId('broker-listener');
    this.clients = page.getByTestId('broker-clients');
    this.retained = page.getByTestId('broker-retained');
    this.log = page.getByTestId('broker-log');
  }

  async open(): Promise<void> {
    await this.tab.click();
    await expect(this.page.getByTestId('broker-panel')).toBeVisible();
  }

  client(clientId: string): Locator {
    return this.page.locator(`[data-testid="broker-client"][data-client-id="${clientId}"]`);
  }

  /** The mqtt:// URL of the first listener. */
  async tcpUrl(): Promise<string> {
    const url = await this.listeners.first().getAttribute('data-url');
    if (!url) throw new Error('no listener shown');
    return url;
  }
}
