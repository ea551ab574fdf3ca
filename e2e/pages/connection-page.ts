import { expect, type Locator, type Page } from '@playwright/test';

/** The connection drawer (info and packet log) and the status line beside the connect bar's badge. */
export class ConnectionPage {
  readonly detailsToggle: Locator;
  /** Why a broker sent the connection to another server, when one did. */
  readonly redirect: Locator;
  readonly drawer: Locator;
  readonly statusDetail: Locator;
  readonly reconnect: Locator;
  readonly queued: Locator;
  readonly info: Locator;
  readonly clientId: Locator;
  readonly protocol: Locator;
  readonly urls: Locator;
  readonly packetLog: Locator;
  readonly packetRows: Locator;
  readonly packetList: Locator;
  readonly follow: Locator;
  readonly packetDetail: Locator;
  readonly packetCount: Locator;
  readonly packetText: Locator;
  readonly packetDirection: Locator;
  readonly exportButton: Locator;
  readonly brokerCheck: Locator;
  readonly brokerCheckRun: Locator;

  constructor(readonly page: Page) {
    this.detailsToggle = page.getByTestId('connection-details');
    this.drawer = page.getByTestId('connection-drawer');
    this.statusDetail = page.getByTestId('connection-status-detail');
    this.reconnect = this.statusDetail.getByTestId('connection-reconnect');
    this.queued = this.statusDetail.getByTestId('connection-queued');
    this.info = page.getByTestId('connection-info');
    this.clientId = this.info.getByTestId('info-client-id');
    this.protocol = this.info.getByTestId('info-protocol');
    this.urls = this.info.getByTestId('info-url');
    this.redirect = this.info.getByTestId('info-redirect');
    this.packetLog = page.getByTestId('packet-log');
    this.packetRows = this.packetLog.getByTestId('packet-row');
    this.packetList = this.packetLog.getByTestId('packet-list');
    this.follow = this.packetLog.getByTestId('packet-follow');
    this.packetDetail = this.packetLog.getByTestId('packet-detail');
    this.packetCount = this.packetLog.getByTestId('packet-count');
    this.packetText = this.packetLog.getByTestId('packet-text');
    this.packetDirection = this.packetLog.getByTestId('packet-direction');
    this.exportButton = this.packetLog.getByTestId('packet-export');
    this.brokerCheck = this.info.getByTestId('broker-check');
    this.brokerCheckRun = this.brokerCheck.getByTestId('broker-check-run');
  }

  /** Opens the drawer from the connect bar, which lives in the Explorer: from another workspace, go there first. */
  private async openDrawer(): Promise<void> {
    if (await this.drawer.isVisible()) return;
    if (!(await this.detailsToggle.isVisible())) await this.page.getByTestId('workspace-explorer').click();
    await this.detailsToggle.click();
  }

  async openInfo(): Promise<void> {
    await this.openDrawer();
    await this.drawer.getByTestId('drawer-tab-info').click();
    await expect(this.info).toBeVisible();
  }

  async openPacketLog(): Promise<void> {
    await this.openDrawer();
    await this.drawer.getByTestId('drawer-tab-packets').click();
    await expect(this.packetLog).toBeVisible();
  }

  /** One CONNACK fact row, by its key (maximumQoS, retainAvailable, ...). */
  fact(key: string): Locator {
    return this.info.getByTestId(`fact-${key}`);
  }

  factValue(key: string): Locator {
    return this.fact(key).getByTestId('fact-value');
  }

  /** One line of the broker check's report, by its name ("MQTT versions accepted", "will delivery", ...). */
  checkLine(name: string): Locator {
    return this.brokerCheck.locator(`[data-testid="broker-check-line"][data-name="${name}"]`);
  }

  typeChip(type: string): Locator {
    return this.packetLog.getByTestId(`packet-type-${type}`);
  }

  /** Packet types of the rows on screen, top to bottom. */
  async visibleTypes(): Promise<string[]> {
    return this.packetRows.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-type') ?? ''));
  }
}
