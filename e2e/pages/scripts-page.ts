import type { Locator, Page } from '@playwright/test';
import { emptyEditor } from './code-editor';
import { ExplorerPage } from './explorer-page';

/** The Scripts workspace (decoder bindings, responders, simulations) beside the explorer, as a user drives them. */
export class ScriptsPage extends ExplorerPage {
  readonly workspaceTab: Locator;
  readonly explorerTab: Locator;
  readonly addBinding: Locator;
  readonly bindingFilter: Locator;
  readonly bindingKind: Locator;
  readonly bindingSave: Locator;
  readonly scriptEditor: Locator;
  readonly scriptProblems: Locator;
  readonly bindingProblem: Locator;

  constructor(page: Page) {
    super(page);
    this.workspaceTab = page.getByTestId('workspace-scripts');
    this.explorerTab = page.getByTestId('workspace-explorer');
    this.addBinding = page.getByTestId('binding-add');
    this.bindingFilter = page.getByTestId('binding-filter');
    this.bindingKind = page.getByTestId('binding-kind');
    this.bindingSave = page.getByTestId('binding-save');
    this.scriptEditor = page.getByTestId('script-editor');
    this.scriptProblems = page.getByTestId('script-problems');
    this.bindingProblem = page.getByTestId('binding-problem');
  }

  bindingRow(filter: string): Locator {
    return this.page.locator(`[data-testid="binding-row"][data-filter="${filter}"]`);
  }

  /** Replaces the script's text by typing it, key by key, as a user would (Monaco's auto-closing included). */
  async typeScript(text: string, options: { readonly keepSuggestions?: boolean } = {}): Promise<void> {
    await emptyEditor(this.scriptEditor, 30_000);
    await this.page.keyboard.type(text);
    // A suggestion list left open would take the next Enter or click.
    if (options.keepSuggestions !== true) await this.page.keyboard.press('Escape');
  }

  /** The script editor's text as Monaco holds it. */
  async scriptText(): Promise<string> {
    return (await this.scriptEditor.locator('.view-lines').innerText()).replace(/\u00a0/g, ' ');
  }
}
