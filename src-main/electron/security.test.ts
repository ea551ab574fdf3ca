import type { Session, WebContents } from 'electron';
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { guardSession, guardWebContents, isExternalLink, RENDERER_CSP, withContentSecurityPolicy } from './security';

// Stand-ins for WebContents and Session with just the methods the guards call.

class FakeContents extends EventEmitter {
  openHandler: ((details: { url: string }) => { action: string }) | undefined;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }): void {
    this.openHandler = handler;
  }
  /** Emits an event the way Electron does and says whether a listener prevented it. */
  attempt(event: string): boolean {
    let prevented = false;
    this.emit(event, { preventDefault: () => (prevented = true) }, 'https://example.com/');
    return prevented;
  }
}

describe('guardWebContents', () => {
  const guarded = () => {
    const contents = new FakeContents();
    const opened: string[] = [];
    guardWebContents(contents as unknown as WebContents, (url) => opened.push(url));
    return { contents, opened };
  };

  it('blocks navigation, frame navigation, redirects and webviews', () => {
    const { contents } = guarded();
    for (const event of ['will-navigate', 'will-frame-navigate', 'will-redirect', 'will-attach-webview']) {
      expect(contents.attempt(event), event).toBe(true);
    }
  });

  it('denies every new window and hands only https links to the OS browser', () => {
    const { contents, opened } = guarded();
    for (const url of ['https://mqtt.org/', 'http://example.com/', 'file:///etc/passwd', 'javascript:alert(1)', 'topiary://x']) {
      expect(contents.openHandler?.({ url })).toEqual({ action: 'deny' });
    }
    expect(opened).toEqual(['https://mqtt.org/']);
  });
});

describe('isExternalLink', () => {
  it('accepts https URLs and rejects other schemes and garbage', () => {
    expect(isExternalLink('https://github.com/')).toBe(true);
    expect(isExternalLink('HTTPS://github.com/')).toBe(true);
    expect(isExternalLink('http://github.com/')).toBe(false);
    expect(isExternalLink('smb://host/share')).toBe(false);
    expect(isExternalLink('not a url')).toBe(false);
  });
});

describe('withContentSecurityPolicy', () => {
  it('replaces any policy the response carried, whatever its header case, and keeps the other headers', () => {
    const headers = withContentSecurityPolicy({ 'content-security-policy': ["default-src *"], 'Content-Type': ['text/html'] });
    expect(headers).toEqual({ 'Content-Type': ['text/html'], 'Content-Security-Policy': [RENDERER_CSP] });
  });

  it('adds the policy to a response without headers', () => {
    expect(withContentSecurityPolicy(undefined)).toEqual({ 'Content-Security-Policy': [RENDERER_CSP] });
  });

  it('matches the meta policy in the renderer page', () => {
    const html = readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), '../../src-renderer/index.html'), 'utf8');
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1];
    expect(meta?.replace(/\s+/g, ' ').trim()).toBe(RENDERER_CSP);
  });
});

describe('guardSession', () => {
  it('denies permission requests and checks, and sets the CSP on every response', () => {
    let requestHandler: ((contents: unknown, permission: string, callback: (granted: boolean) => void) => void) | undefined;
    let checkHandler: (() => boolean) | undefined;
    let deviceHandler: (() => boolean) | undefined;
    let headersListener: ((details: { responseHeaders?: Record<string, string[]> }, callback: (response: unknown) => void) => void) | undefined;
    const fake = {
      setPermissionRequestHandler: (handler: typeof requestHandler) => (requestHandler = handler),
      setPermissionCheckHandler: (handler: typeof checkHandler) => (checkHandler = handler),
      setDevicePermissionHandler: (handler: typeof deviceHandler) => (deviceHandler = handler),
      webRequest: { onHeadersReceived: (listener: typeof headersListener) => (headersListener = listener) },
    };
    guardSession(fake as unknown as Session);

    const answers: boolean[] = [];
    for (const permission of ['media', 'notifications', 'clipboard-read', 'geolocation']) requestHandler?.(null, permission, (granted) => answers.push(granted));
    expect(answers).toEqual([false, false, false, false]);
    expect(checkHandler?.()).toBe(false);
    expect(deviceHandler?.()).toBe(false);

    let response: unknown;
    headersListener?.({ responseHeaders: { 'Content-Type': ['text/html'] } }, (r) => (response = r));
    expect(response).toEqual({ responseHeaders: { 'Content-Type': ['text/html'], 'Content-Security-Policy': [RENDERER_CSP] } });
  });
});
