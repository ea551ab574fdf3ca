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
  readonly acl: Locator;
  readonly aclApply: Locator;
  readonly accessWarning: Locator;
  readonly accessConfirm: Locator;
  readonly accessCancel: Locator;
  readonly accessMessage: Locator;
  readonly redirectReference: Locator;
  readonly redirectPermanent: Locator;
  readonly redirectApply: Locator;
  readonly redirectStop: Locator;
  readonly redirectActive: Locator;

  constructor(readonly page: Page) {
    this.tab = page.getByTestId('workspace-broker');
    this.state = page.getByTestId('broker-state');
    this.start = page.getByTestId('broker-start');
    this.stop = page.getByTestId('broker-stop');
    this.listeners = page.getByTestId('broker-listener');
    this.clients = page.getByTestId('broker-clients');
    this.retained = page.getByTestId('broker-retained');
    this.log = page.getByTestId('broker-log');
    this.acl = page.getByTestId('broker-acl');
    this.aclApply = page.getByTestId('broker-acl-apply');
    this.accessWarning = page.getByTestId('broker-access-warning');
    this.accessConfirm = page.getByTestId('broker-access-confirm');
    this.accessCancel = page.getByTestId('broker-access-cancel');
    this.accessMessage = page.getByTestId('broker-access-message');
    this.redirectReference = page.getByTestId('broker-redirect-reference');
    this.redirectPermanent = page.getByTestId('broker-redirect-permanent');
    this.redirectApply = page.getByTestId('broker-redirect-apply');
    this.redirectStop = page.getByTestId('broker-redirect-stop');
    this.redirectActive = page.getByTestId('broker-redirect-active');
  }

  async open(): Promise<void> {
    await this.tab.click();
    await expect(this.page.getByTestId('broker-panel')).toBeVisible();
  }

  client(clientId: string): Locator {
    return this.page.locator(`[data-testid="broker-client"][data-client-id="${clientId}"]`);
  }

  /** One client in the access-change warning. */
  accessLoss(clientId: string): Locator {
    return this.page.locator(`[data-testid="broker-access-loss"][data-client-id="${clientId}"]`);
  }

  /** The warning's line about Topiary's own connection. */
  get ownAccessLoss(): Locator {
    return this.page.locator('[data-testid="broker-access-loss"][data-topiary="true"]');
  }

  /** The mqtt:// URL of the first listener. */
  async tcpUrl(): Promise<string> {
    const url = await this.listeners.first().getAttribute('data-url');
    if (!url) throw new Error('no listener shown');
    return url;
  }
}
