import type { Protocol } from 'electron';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { RENDERER_CSP } from './security';
import { RENDERER_MIME as MIME } from '../renderer-mime';

// The renderer is served from app://topiary/ rather than file://: a file:// page may read any file
// its path can name and shares an origin with every other local file; app:// is an origin of its
// own that serves the renderer folder and nothing else.

export const APP_SCHEME = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://topiary`;
export const RENDERER_URL = `${APP_ORIGIN}/index.html`;

/** Whether a URL is one of our renderer's own pages (for the IPC sender check). */
export function isAppUrl(url: string): boolean {
  return url.startsWith(`${APP_ORIGIN}/`);
}

/**
 * Registers app:// as a standard, secure scheme (its own origin, fetch and workers allowed, CSP
 * enforced). Electron accepts this only before the app is ready.
 */
export function registerAppScheme(protocol: Pick<Protocol, 'registerSchemesAsPrivileged'>): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } }]);
}

function refuse(status: number, text: string): Response {
  return new Response(text, { status, headers: { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' } });
}

/**
 * Answers app:// requests with files from the renderer folder only: another host, an escape by
 * `..` (plain or percent-encoded), a symlink leading out, or anything but GET is refused. Every
 * answer carries the renderer's CSP.
 */
export function createAppProtocolHandler(rendererDir: string): (request: Request) => Promise<Response> {
  const root = path.resolve(rendererDir);
  let realRoot: Promise<string> | undefined;
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return refuse(405, 'Method not allowed.');
    let url: URL;
    let relative: string;
    try {
      url = new URL(request.url);
      relative = decodeURIComponent(url.pathname).replace(/^\/+/, '');
    } catch {
      return refuse(400, 'Bad request.');
    }
    if (url.protocol !== `${APP_SCHEME}:` || url.host !== 'topiary') return refuse(404, 'Not found.');
    if (relative.includes('\0')) return refuse(400, 'Bad request.');
    const file = path.resolve(root, relative === '' ? 'index.html' : relative);
    if (!file.startsWith(root + path.sep)) return refuse(403, 'Forbidden.');
    try {
      // The real path too: a symlink inside the folder must not lead out of it.
      const [real, base] = await Promise.all([fs.realpath(file), (realRoot ??= fs.realpath(root))]);
      if (!real.startsWith(base + path.sep)) return refuse(403, 'Forbidden.');
      const info = await fs.stat(real);
      if (!info.isFile()) return refuse(404, 'Not found.');
      const body = request.method === 'HEAD' ? null : await fs.readFile(real);
      return new Response(body, {
        status: 200,
        headers: {
          'content-type': MIME[path.extname(real)] ?? 'application/octet-stream',
          'content-security-policy': RENDERER_CSP,
          'x-content-type-options': 'nosniff',
          'cache-control': 'no-store',
        },
      });
    } catch {
      return refuse(404, 'Not found.');
    }
  };
}

/** Serves the renderer on app:// for the default session; call once the app is ready. */
export function serveRenderer(protocol: Pick<Protocol, 'handle'>, rendererDir: string): void {
  protocol.handle(APP_SCHEME, createAppProtocolHandler(rendererDir));
}
