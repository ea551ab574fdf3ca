import { expect, type Locator, type Page } from '@playwright/test';
import { emptyEditor } from './code-editor';

/** The main window, as a user sees it. */
export class AppPage {
  readonly brokerUrl: Locator;
  readonly username: Locator;
  readonly protocolVersion: Locator;
  readonly connectButton: Locator;
  readonly status: Locator;
  readonly connectionError: Locator;
  readonly tree: Locator;
  readonly inspector: Locator;
  readonly inspectorPayload: Locator;
  readonly publishTopic: Locator;
  readonly publishQos: Locator;
  readonly publishRetain: Locator;
  readonly publishButton: Locator;
  readonly publishResult: Locator;
  readonly publishTopicError: Locator;
  readonly payloadEditor: Locator;

  constructor(readonly page: Page) {
    this.brokerUrl = page.getByTestId('broker-url');
    this.username = page.getByTestId('username');
    this.protocolVersion = page.getByTestId('protocol-version');
    this.connectButton = page.getByTestId('connect-button');
    this.status = page.getByTestId('connection-status');
    this.connectionError = page.getByTestId('connection-error');
    this.tree = page.getByTestId('topic-tree');
    this.inspector = page.getByTestId('inspector');
    this.inspectorPayload = page.getByTestId('inspector-payload');
    this.publishTopic = page.getByTestId('publish-topic');
    this.publishQos = page.getByTestId('publish-qos');
    this.publishRetain = page.getByTestId('publish-retain');
    this.publishButton = page.getByTestId('publish-button');
    this.publishResult = page.getByTestId('publish-result');
    this.publishTopicError = page.getByTestId('publish-topic-error');
    this.payloadEditor = page.getByTestId('payload-editor');
  }

  /** How long the window may take to be ready after loading; the expect default when undefined. */
  protected readonly readyTimeoutMs: number | undefined = undefined;

  async open(url: string): Promise<void> {
    await this.page.goto(url);
    await expect(this.page.locator('body[data-ready="true"]')).toBeAttached(this.readyTimeoutMs === undefined ? {} : { timeout: this.readyTimeoutMs });
  }

  /** Connects from the bar (as a user named `username`, when given) and waits until connected. */
  async connect(url: string, options: { readonly username?: string } = {}): Promise<void> {
    await this.brokerUrl.fill(url);
    if (options.username) await this.username.fill(options.username);
    await this.connectButton.click();
    await expect(this.status).toHaveAttribute('data-state', 'connected');
  }

  row(path: string): Locator {
    return this.tree.locator(`[data-testid="tree-row"][data-path="${path}"]`);
  }

  /** Expands each ancestor of a topic, then selects the topic. */
  async openTopic(topic: string): Promise<void> {
    const levels = topic.split('/');
    for (let i = 1; i < levels.length; i++) {
      const ancestor = levels.slice(0, i).join('/');
      const row = this.row(ancestor);
      await expect(row).toBeVisible();
      if ((await row.getAttribute('aria-expanded')) !== 'true') await row.getByTestId('tree-toggle').click();
      await expect(row).toHaveAttribute('aria-expanded', 'true');
    }
    await this.row(topic).click();
    await expect(this.inspector).toHaveAttribute('data-topic', topic);
  }

  /** Replaces the payload editor's text the way a user would: select all, type. */
  async setPayload(text: string): Promise<void> {
    await emptyEditor(this.payloadEditor);
    await this.page.keyboard.insertText(text);
  }
}
