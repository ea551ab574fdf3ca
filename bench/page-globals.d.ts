/**
 * The browser names used by the callbacks the benchmarks hand to page.evaluate(), which run in Chromium. The bench
 * project is checked against Node's types rather than the DOM library, because the DOM library changes the Web
 * Crypto and Buffer types of the core the benchmarks import; so only what those callbacks use is declared here.
 */
interface HTMLElement {
  readonly textContent: string | null;
  scrollTop: number;
  getAttribute(name: string): string | null;
  getBoundingClientRect(): { readonly top: number; readonly left: number };
  closest(selector: string): HTMLElement | null;
  click(): void;
}

/** Each callback casts it to the fields it keeps on the page. */
declare const window: unknown;

declare const document: {
  querySelector<E extends HTMLElement = HTMLElement>(selector: string): E | null;
  elementFromPoint(x: number, y: number): HTMLElement | null;
};

declare function requestAnimationFrame(callback: (time: number) => void): number;
