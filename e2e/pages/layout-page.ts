import { expect, type Locator, type Page } from '@playwright/test';

/** A control that sticks out of its pane, or a toolbar whose controls no longer share one row. */
export interface LayoutProblem {
  readonly what: string;
  readonly detail: string;
}

/** The window's panes, splitters, composer buttons and theme, with checks of element boxes. */
export class LayoutPage {
  readonly paneConnections: Locator;
  readonly paneTree: Locator;
  readonly paneInspector: Locator;
  readonly paneComposer: Locator;
  readonly splitterTree: Locator;
  readonly composerEnlarge: Locator;
  readonly composerMaximize: Locator;
  readonly themeSwitcher: Locator;

  constructor(readonly page: Page) {
    this.paneConnections = page.getByTestId('pane-connections');
    this.paneTree = page.getByTestId('pane-tree');
    this.paneInspector = page.getByTestId('pane-inspector');
    this.paneComposer = page.getByTestId('pane-composer');
    this.splitterTree = page.getByTestId('splitter-tree');
    this.composerEnlarge = page.getByTestId('composer-enlarge');
    this.composerMaximize = page.getByTestId('composer-maximize');
    this.themeSwitcher = page.getByTestId('theme-switcher');
  }

  async width(locator: Locator): Promise<number> {
    const box = await locator.boundingBox();
    if (!box) throw new Error('not rendered');
    return box.width;
  }

  async height(locator: Locator): Promise<number> {
    const box = await locator.boundingBox();
    if (!box) throw new Error('not rendered');
    return box.height;
  }

  /** Drags a splitter sideways (dx) or up and down (dy) with the mouse, in small steps as a hand would. */
  async drag(splitter: Locator, dx: number, dy = 0): Promise<void> {
    const box = await splitter.boundingBox();
    if (!box) throw new Error('splitter not rendered');
    const x = box.x + box.width / 2;
    const y = box.y + box.height / 2;
    await this.page.mouse.move(x, y);
    await this.page.mouse.down();
    await this.page.mouse.move(x + dx, y + dy, { steps: 8 });
    await this.page.mouse.up();
  }

  async chooseTheme(theme: 'light' | 'dark' | 'system'): Promise<void> {
    await this.themeSwitcher.click();
    await this.page.getByTestId(`theme-${theme}`).click();
    await expect(this.page.locator('html')).toHaveAttribute('data-theme-setting', theme);
  }

  /** The elements matching a selector (a menu's items, say) whose label wraps onto a second line. */
  async wrappedLabels(selector: string): Promise<readonly string[]> {
    return this.page.locator(selector).evaluateAll((els) =>
      els
        .filter((el) => {
          const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
          for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            const range = document.createRange();
            range.selectNodeContents(node);
            if (new Set(Array.from(range.getClientRects()).filter((r) => r.width > 0).map((r) => Math.round(r.top / 3))).size > 1) return true;
          }
          return false;
        })
        .map((el) => (el.textContent ?? '').trim()),
    );
  }

  /**
   * Controls (buttons, inputs, selects) that stick out of the viewport or of the pane or bar holding them, and
   * toolbars whose visible controls do not share one row (one starts below where another ends), selects too narrow
   * for the option they show, and buttons whose label wraps.
   */
  async problems(toolbars: readonly string[]): Promise<readonly LayoutProblem[]> {
    return this.page.evaluate((toolbarSelectors) => {
      const found: { what: string; detail: string }[] = [];
      const visible = (el: Element): boolean => {
        const r = el.getBoundingClientRect();
        const style = getComputedStyle(el);
        // Chromium still lays out what a closed <details> hides, so its content is skipped by hand.
        const hiddenInDetails = el.closest('details:not([open])') !== null && el.closest('summary') === null && el.tagName !== 'DETAILS';
        return r.width > 0 && r.height > 0 && style.visibility !== 'hidden' && style.display !== 'none' && !hiddenInDetails;
      };
      const name = (el: Element): string =>
        `${el.tagName.toLowerCase()}${el.getAttribute('data-testid') ? `[${el.getAttribute('data-testid')}]` : ''} "${(el.getAttribute('aria-label') ?? el.textContent ?? '').trim().slice(0, 30)}"`;
      // A label that wraps: one of its text nodes lays out on more than one line.
      const wraps = (el: Element): boolean => {
        const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          if ((node.textContent ?? '').trim() === '') continue;
          const range = document.createRange();
          range.selectNodeContents(node);
          const tops = new Set(Array.from(range.getClientRects()).filter((r) => r.width > 0).map((r) => Math.round(r.top / 3)));
          if (tops.size > 1) return true;
        }
        return false;
      };
      const vw = document.documentElement.clientWidth;
      const vh = document.documentElement.clientHeight;
      for (const el of Array.from(document.querySelectorAll('.app button, .app input:not([type="file"]), .app select'))) {
        if (!visible(el)) continue;
        const r = el.getBoundingClientRect();
        // Hidden by a scrolling ancestor (a long form scrolled inside its pane) is fine; sticking out is not.
        const container = el.closest('[data-panel], header, .connect-bar, .connection-drawer, main');
        if (r.left < -0.5 || r.right > vw + 0.5) found.push({ what: 'outside the viewport', detail: `${name(el)} spans x ${r.left}..${r.right} of ${vw}` });
        if (el.closest('header, .connect-bar') && (r.top < -0.5 || r.bottom > vh + 0.5)) {
          found.push({ what: 'outside the viewport', detail: `${name(el)} spans y ${r.top}..${r.bottom} of ${vh}` });
        }
        if (container) {
          const c = container.getBoundingClientRect();
          if (r.left < c.left - 0.5 || r.right > c.right + 0.5) found.push({ what: 'sticks out of its pane', detail: `${name(el)} x ${r.left}..${r.right}, pane ${c.left}..${c.right}` });
        }
      }
      // A select narrower than its chosen option cuts the text short: a copy sized to its content says how wide it must be.
      for (const el of Array.from(document.querySelectorAll<HTMLSelectElement>('.app select'))) {
        if (!visible(el)) continue;
        const copy = el.cloneNode(true) as HTMLSelectElement;
        copy.selectedIndex = el.selectedIndex;
        copy.removeAttribute('data-testid');
        copy.style.cssText = 'position:absolute;visibility:hidden;field-sizing:content;width:auto;min-width:0;max-width:none;flex:none';
        el.parentElement!.appendChild(copy);
        const needed = copy.getBoundingClientRect().width;
        copy.remove();
        const has = el.getBoundingClientRect().width;
        if (needed > has + 0.5) found.push({ what: 'select text clipped', detail: `${name(el)} shows "${el.selectedOptions[0]?.text ?? ''}" in ${Math.round(has)} px, needs ${Math.round(needed)} px` });
      }
      for (const el of Array.from(document.querySelectorAll('.app button, .app .file-button'))) {
        if (visible(el) && wraps(el)) found.push({ what: 'label wraps inside its control', detail: name(el) });
      }
      for (const selector of toolbarSelectors) {
        for (const bar of Array.from(document.querySelectorAll(selector))) {
          if (!visible(bar)) continue;
          const controls = Array.from(bar.querySelectorAll('button, input:not([type="checkbox"]):not([type="file"]), select')).filter(
            (el) => visible(el) && !el.closest('.error, [role="alert"], .confirm, .tooltip, details[open] > :not(summary)'),
          );
          if (controls.length < 2) continue;
          const rects = controls.map((el) => el.getBoundingClientRect());
          const lowestTop = Math.max(...rects.map((r) => r.top));
          const highestBottom = Math.min(...rects.map((r) => r.bottom));
          if (lowestTop >= highestBottom) {
            found.push({ what: 'toolbar wraps to a second row', detail: `${selector}: ${controls.map((el, i) => `${name(el)}@${Math.round(rects[i]!.top)}`).join(', ')}` });
          }
        }
      }
      return found;
    }, toolbars);
  }
}
