import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import { WebSocketServer } from 'ws';
import type { Wire } from '../../shared/ipc/wire';
import { createSocketWire } from './socket-wire';
import { RENDERER_MIME as MIME } from '../renderer-mime';

export interface WebHostOptions {
  /** Folder holding the built renderer (index.html and assets). */
  readonly rendererDir: string;
  /** Called for every accepted page connection. */
  readonly attach: (wire: Wire) => () => void;
  readonly host?: string;
  readonly port?: number;
  /** Fixed token for tests; a random one otherwise. */
  readonly token?: string;
  /**
   * Told about every error on a socket, request or response (a peer resetting its connection,
   * a malformed request); none of them ends the process. Logs the unusual ones by default.
   */
  readonly onError?: (where: string, error: Error) => void;
}

export interface WebHost {
  readonly url: string;
  readonly origin: string;
  readonly port: number;
  readonly token: string;
  close(): Promise<void>;
}

/** Largest frame a page may send; a publish of a 50 MB payload fits. */
const MAX_FRAME_BYTES = 300 * 1024 * 1024;

/** Where the page checks its token; the token travels in a header, never in a logged request line. */
export const LINK_PATH = '/link';
export const LINK_TOKEN_HEADER = 'x-topiary-token';

/** How long a refused upgrade's socket may stay half-open. */
const REFUSED_SOCKET_TIMEOUT_MS = 10_000;

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

/** Errors a peer causes by going away; routine on any server, so not worth a log line. */
const ROUTINE_CODES: ReadonlySet<string> = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ETIMEDOUT', 'ERR_STREAM_PREMATURE_CLOSE']);

/** Whether an error only says that a peer went away (reset, closed early, timed out). */
export function isPeerGone(error: Error): boolean {
  return ROUTINE_CODES.has((error as NodeJS.ErrnoException).code ?? '');
}

function logUnusual(where: string, error: Error): void {
  if (!isPeerGone(error)) console.error(`topiary web: ${where}: ${error.message}`);
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

  const onError = options.onError ?? logUnusual;
  const refuse = (res: ServerResponse, status: number, text: string): void => {
    if (res.headersSent) return void res.destroy();
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(text);
  };

  // The page asks here whether its token still opens this core, before (re)opening its socket:
  // a browser hides why a WebSocket upgrade was refused, and the page must say so when it was.
  const answerLink = (req: IncomingMessage, res: ServerResponse): void => {
    const presented = req.headers[LINK_TOKEN_HEADER];
    const ok = typeof presented === 'string' && sameToken(presented, token);
    res.writeHead(ok ? 204 : 401, { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
    res.end();
  };

  const serveFile = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!hostAllowed(req.headers.host ?? '')) return refuse(res, 421, 'Unknown host.');
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'Method not allowed.');
    let urlPath: string;
    try {
      urlPath = decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/');
    } catch {
      return refuse(res, 400, 'Bad request.');
    }
    const relative = urlPath === '/' ? 'index.html' : urlPath.replace(/^\/+/, '');
    if (urlPath === LINK_PATH) return answerLink(req, res);
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
    // pipeline destroys both ends on any error (a file gone mid-read, a page that went away).
    pipeline(createReadStream(file), res, (error) => {
      if (error) onError('response', error);
    });
  };

  const server = createServer((req, res) => {
    req.on('error', (error) => onError('request', error));
    res.on('error', (error) => onError('response', error));
    serveFile(req, res).catch((error: unknown) => {
      onError('request', error instanceof Error ? error : new Error(String(error)));
      refuse(res, 500, 'Internal error.');
    });
  });
  // A malformed request or a reset before one was read: answer 400 if the socket still can, else drop it.
  server.on('clientError', (error, socket) => {
    onError('client', error);
    if (socket.writable && !isPeerGone(error)) socket.write('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    socket.destroy();
  });
  server.on('error', (error) => onError('server', error));
  const sockets = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
  sockets.on('error', (error) => onError('websocket server', error));

  server.on('upgrade', (req, socket, head) => {
    // Node hands the raw socket over without an error listener: a peer resetting it after our
    // refusal would otherwise be an unhandled ECONNRESET that ends the process.
    socket.on('error', (error) => {
      onError('upgrade', error);
      socket.destroy();
    });
    const reject = (status: number, text: string): void => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      // The peer closes its end; one that never does is dropped.
      (socket as Socket).setTimeout(REFUSED_SOCKET_TIMEOUT_MS, () => socket.destroy());
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
