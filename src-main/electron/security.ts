import type { Session, WebContents } from 'electron';

/**
 * The renderer's Content-Security-Policy. It must equal the meta tag in src-renderer/index.html
 * (a test compares them): where both apply, the browser enforces both.
 */
export const RENDERER_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; " +
  "worker-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'";

/** Response headers with our CSP in place of any policy the response carried. */
export function withContentSecurityPolicy(headers: Readonly<Record<string, readonly string[]>> | undefined): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  for (const [name, values] of Object.entries(headers ?? {})) {
    if (name.toLowerCase() !== 'content-security-policy') result[name] = [...values];
  }
  result['Content-Security-Policy'] = [RENDERER_CSP];
  return result;
}

/** Links the page may hand to the OS browser: web pages only, never file:, javascript: or custom schemes. */
export function isExternalLink(url: string): boolean {
  try {
    return new URL(url).protocol === 'https:';
  } catch {
    return false;
  }
}

/**
 * Locks one WebContents to the page it was loaded with: no navigation or redirects, no new
 * windows (https links go to the OS browser instead), no <webview>.
 */
export function guardWebContents(contents: WebContents, openExternal: (url: string) => void): void {
  const prevent = (event: { preventDefault(): void }): void => event.preventDefault();
  contents.on('will-navigate', prevent);
  contents.on('will-frame-navigate', prevent);
  contents.on('will-redirect', prevent);
  contents.on('will-attach-webview', prevent);
  contents.setWindowOpenHandler(({ url }) => {
    if (isExternalLink(url)) openExternal(url);
    return { action: 'deny' };
  });
}

/** Denies every permission (camera, notifications, clipboard, …) and serves every response with our CSP. */
export function guardSession(session: Session): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
  session.webRequest.onHeadersReceived((details, callback) => callback({ responseHeaders: withContentSecurityPolicy(details.responseHeaders) }));
}
