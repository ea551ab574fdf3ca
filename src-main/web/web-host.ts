import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { WebSocketServer } from 'ws';
import type { Wire } from '../../shared/ipc/wire';
import { createSocketWire } from './socket-wire';

export interface WebHostOptions {
  /** Folder holding the built renderer (index.html and assets). */
  readonly rendererDir: string;
  /** Called for every accepted page connection. */
  readonly attach: (wire: Wire) => () => void;
  readonly host?: string;
  readonly port?: number;
  /** Fixed token for tests; a random one otherwise. */
  readonly token?: string;
}

export interface WebHost {
  readonly url: string;
  readonly origin: string;
  readonly port: number;
  readonly token: string;
  close(): Promise<void>;
}

const MIME: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ttf': 'font/ttf',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
};

/** Largest frame a page may send; a publish of a 50 MB payload fits. */
const MAX_FRAME_BYTES = 300 * 1024 * 1024;

function contentSecurityPolicy(): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    // Monaco injects its styles at run time.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "worker-src 'self' blob:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Serves the renderer and carries the contract over a WebSocket. Only the page this process
 * served may talk to the core: the socket must come from our own origin and present the
 * per-launch token, and requests must name our own host (no DNS rebinding).
 */
export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const token = options.token ?? randomBytes(24).toString('base64url');
  const bindHost = options.host ?? '127.0.0.1';
  const root = path.resolve(options.rendererDir);
  const loopbackOnly = bindHost === '127.0.0.1' || bindHost === 'localhost' || bindHost === '::1';
  let allowedHosts = new Set<string>();
  // Bound to loopback, only loopback names are accepted (no DNS rebinding); bound wider by the
  // user's choice, any name is, and the origin must match it. The token is required either way.
  const hostAllowed = (host: string): boolean => !loopbackOnly || allowedHosts.has(host);
  const originAllowed = (origin: string, host: string): boolean => hostAllowed(host) && origin === `http://${host}`;

  const refuse = (res: ServerResponse, status: number, text: string): void => {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(text);
  };

  const serveFile = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!hostAllowed(req.headers.host ?? '')) return refuse(res, 421, 'Unknown host.');
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'Method not allowed.');
    const urlPath = decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/');
    const relative = urlPath === '/' ? 'index.html' : urlPath.replace(/^\/+/, '');
    const file = path.resolve(root, relative);
    if (file !== root && !file.startsWith(root + path.sep)) return refuse(res, 403, 'Forbidden.');
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) return refuse(res, 404, 'Not found.');
    res.writeHead(200, {
      'content-type': MIME[path.extname(file)] ?? 'application/octet-stream',
      'content-length': info.size,
      'content-security-policy': contentSecurityPolicy(),
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cross-origin-opener-policy': 'same-origin',
      'cache-control': 'no-store',
    });
    if (req.method === 'HEAD') return void res.end();
    createReadStream(file).pipe(res);
  };

  const server = createServer((req, res) => {
    serveFile(req, res).catch(() => refuse(res, 500, 'Internal error.'));
  });
  const sockets = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });

  server.on('upgrade', (req, socket, head) => {
    const reject = (status: number, text: string): void => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    const [pathname, query = ''] = (req.url ?? '').split('?');
    if (pathname !== '/ipc') return reject(404, 'Not Found');
    const host = req.headers.host ?? '';
    if (!hostAllowed(host)) return reject(421, 'Misdirected Request');
    if (!originAllowed(req.headers.origin ?? '', host)) return reject(403, 'Forbidden');
    const presented = new URLSearchParams(query).get('token') ?? '';
    if (!sameToken(presented, token)) return reject(401, 'Unauthorized');
    sockets.handleUpgrade(req, socket, head, (ws) => {
      const wire = createSocketWire(ws);
      const detach = options.attach(wire);
      wire.onClose(detach);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, bindHost, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  allowedHosts = new Set(['127.0.0.1', 'localhost', '[::1]'].map((n) => `${n}:${port}`));
  const origin = `http://${loopbackOnly || bindHost === '0.0.0.0' || bindHost === '::' ? '127.0.0.1' : bindHost}:${port}`;

  return {
    url: `${origin}/#token=${token}`,
    origin,
    port,
    token,
    async close() {
      for (const client of sockets.clients) client.terminate();
      sockets.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
