import { expect, type Locator, type Page } from '@playwright/test';
import { emptyEditor } from './code-editor';

/** The composer, as a user sees it. */
export class PublishPage {
  readonly topic: Locator;
  readonly topicError: Locator;
  readonly qos: Locator;
  readonly publishButton: Locator;
  readonly requestButton: Locator;
  readonly result: Locator;
  readonly error: Locator;
  readonly reply: Locator;
  readonly payloadForm: Locator;
  readonly encoding: Locator;
  readonly editor: Locator;
  readonly properties: Locator;
  readonly jobKind: Locator;
  readonly burstCount: Locator;
  readonly jobStart: Locator;
  readonly jobStop: Locator;
  readonly jobProgress: Locator;
  readonly jobReport: Locator;
  readonly history: Locator;
  readonly saved: Locator;

  constructor(readonly page: Page) {
    this.topic = page.getByTestId('publish-topic');
    this.topicError = page.getByTestId('publish-topic-error');
    this.qos = page.getByTestId('publish-qos');
    this.publishButton = page.getByTestId('publish-button');
    this.requestButton = page.getByTestId('request-button');
    this.result = page.getByTestId('publish-result');
    this.error = page.getByTestId('publish-error');
    this.reply = page.getByTestId('publish-reply');
    this.payloadForm = page.getByTestId('payload-form');
    this.encoding = page.getByTestId('payload-encoding');
    this.editor = page.getByTestId('payload-editor');
    this.properties = page.getByTestId('publish-properties');
    this.jobKind = page.getByTestId('job-kind');
    this.burstCount = page.getByTestId('job-burst-count');
    this.jobStart = page.getByTestId('job-start');
    this.jobStop = page.getByTestId('job-stop');
    this.jobProgress = page.getByTestId('job-progress');
    this.jobReport = page.getByTestId('job-report');
    this.history = page.getByTestId('publish-history');
    this.saved = page.getByTestId('saved-messages');
  }

  /** Waits until Monaco has loaded (it loads lazily, after the first paint). */
  async editorReady(): Promise<void> {
    await expect(this.editor.locator('.monaco-editor').first()).toBeVisible();
  }

  /** Replaces the payload text the way a user would: select all, type. */
  async setPayload(text: string): Promise<void> {
    await emptyEditor(this.editor);
    await this.page.keyboard.insertText(text);
  }

  async editorText(): Promise<string> {
    await this.editorReady();
    return (await this.editor.locator('.view-lines').first().innerText()).replace(/\u00a0/g, ' ');
  }

  async openProperties(): Promise<void> {
    if ((await this.properties.getAttribute('open')) === null) await this.properties.locator('summary').click();
  }

  async setUserProperty(key: string, value: string): Promise<void> {
    await this.openProperties();
    await this.page.getByTestId('prop-user-add').click();
    await this.page.getByTestId('prop-user-key').last().fill(key);
    await this.page.getByTestId('prop-user-value').last().fill(value);
  }
}
