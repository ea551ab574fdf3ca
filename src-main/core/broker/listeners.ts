import { contractError } from '../../../shared/ipc/errors';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { WebSocketServer, type WebSocket } from 'ws';
import type { DtlsReliableServer, DtlsSessionInfo } from '../transport/dtls/dtls-endpoint';
import { ReliableUdpServer } from '../transport/udp/reliable-udp-endpoint';
import type { ReliableUdpSession } from '../transport/udp/reliable-udp-session';
import type { Transport } from './transport';
import { type BoundListener, type ListenerConfig, type PskDirectory, type TlsMaterial } from './types';

/** A listener that is accepting clients. */
export interface RunningListener {
  readonly bound: BoundListener;
  /** Datagram listeners only: open sessions and the datagrams dropped, by why. */
  datagramStats?(): DatagramListenerStats;
  close(): Promise<void>;
}

/** What a datagram listener has seen; malformed datagrams are dropped and counted, never answered. */
export interface DatagramListenerStats {
  readonly sessions: number;
  readonly malformed: number;
  readonly unknownSession: number;
  readonly refused: number;
  /** DTLS listeners: handshakes begun, established and failed, and sessions now secured. */
  readonly dtls?: { readonly handshakes: number; readonly established: number; readonly failed: number; readonly secure: number };
}

const DEFAULT_HOST = '127.0.0.1';

/**
 * Starts one listener; every accepted client is handed over as a Transport. `onRefused` hears of DTLS handshakes the
 * listener refused (unknown PSK identity, wrong key, a Finished that does not verify), which never become clients.
 */
export async function startListener(config: ListenerConfig, onTransport: (t: Transport) => void, onRefused?: (remoteAddress: string, message: string) => void): Promise<RunningListener> {
  const host = config.host ?? DEFAULT_HOST;
  switch (config.kind) {
    case 'tcp': {
      const server = createNetServer((socket) => onTransport(socketTransport('tcp', socket, undefined)));
      const port = await bind(server, config.port, host, config);
      return { bound: { kind: 'tcp', host, port, url: `mqtt://${urlHost(host)}:${port}` }, close: () => closeServer(server) };
    }
    case 'tls': {
      const server = createTlsServer(tlsOptions(config), (socket: TLSSocket) => {
        onTransport(socketTransport('tls', socket, certificateUsername(config, socket)));
      });
      // Failed handshakes (no or bad client certificate) are the client's problem, not a broker error.
      server.on('tlsClientError', () => undefined);
      const port = await bind(server, config.port, host, config);
      return { bound: { kind: 'tls', host, port, url: `mqtts://${urlHost(host)}:${port}` }, close: () => closeServer(server) };
    }
    case 'ws':
    case 'wss': {
      const path = config.path ?? '/mqtt';
      const http: HttpServer = config.kind === 'ws' ? createHttpServer() : createHttpsServer(tlsOptions(config));
      if (config.kind === 'wss') http.on('tlsClientError', () => undefined);
      const wss = new WebSocketServer({
        server: http,
        path,
        perMessageDeflate: false,
        handleProtocols: (protocols) => (protocols.has('mqtt') ? 'mqtt' : false),
      });
      wss.on('connection', (ws, req) => {
        const socket = req.socket as TLSSocket;
        const certUser = config.kind === 'wss' ? certificateUsername(config, socket) : undefined;
        onTransport(webSocketTransport(config.kind, ws, req.socket.remoteAddress ?? 'unknown', req.socket.remotePort ?? 0, certUser));
      });
      wss.on('error', () => undefined);
      const port = await bind(http, config.port, host, config);
      const scheme = config.kind;
      return {
        bound: { kind: config.kind, host, port, path, url: `${scheme}://${urlHost(host)}:${port}${path}` },
        close: async () => {
          await new Promise<void>((resolve) => wss.close(() => resolve()));
          await closeServer(http);
        },
      };
    }
    case 'udp':
    case 'dtls': {
      const { maxSessions, ...tuning } = config.udp ?? {};
      const psk = config.kind === 'dtls' ? pskDirectory(config.psk) : undefined;
      let server: ReliableUdpServer | DtlsReliableServer;
      try {
        const common = { host, port: config.port, ...(maxSessions ? { maxSessions } : {}), ...tuning };
        // Loaded on first use, as for clients (mqtt-datagram-client.ts): werift-dtls is slow to load.
        server = config.kind === 'udp' ? await ReliableUdpServer.listen(common) : await (await import('../transport/dtls/dtls-endpoint')).DtlsReliableServer.listen({ ...common, ...(config.cert ? { cert: config.cert.toString() } : {}), ...(config.key ? { key: config.key.toString() } : {}), ...(dtlsPsk(config) ? { psk: dtlsPsk(config)! } : {}) });
      } catch (e) {
        const errno = (e as NodeJS.ErrnoException).code;
        const reason = errno === 'EADDRINUSE' ? 'is already in use; choose another port or 0 for a free one' : `could not be opened (${(e as Error).message})`;
        throw contractError('LISTEN_FAILED', `The ${config.kind} listener on ${host}:${config.port} ${reason}.`, { errno, cause: (e as Error).message });
      }
      // A socket error (an ICMP report, a send to a vanished peer) concerns one peer, never the listener.
      server.on('error', () => undefined);
      server.on('refused', (error: Error, peer: string) => onRefused?.(peer, `DTLS handshake refused: ${error.message}`));
      const kind = config.kind;
      server.on('session', (session: ReliableUdpSession, peer: string, info?: DtlsSessionInfo) => {
        // A PSK that belongs to a broker user signs the session in as that user, as a client certificate's CN can.
        const pskUser = info?.pskIdentity !== undefined ? psk?.(info.pskIdentity)?.username : undefined;
        onTransport(streamTransport(kind, session, peer, pskUser, pskUser !== undefined ? info?.pskIdentity : undefined));
      });
      const bound = server.address().port;
      const scheme = kind === 'udp' ? 'mqtt-udp' : 'mqtts-dtls';
      return {
        bound: { kind, host, port: bound, url: `${scheme}://${urlHost(host)}:${bound}` },
        datagramStats: () => ({ sessions: server.sessionCount, ...server.stats, ...(kind === 'dtls' ? { dtls: { ...(server as DtlsReliableServer).dtlsStats, secure: (server as DtlsReliableServer).secureSessionCount } } : {}) }),
        close: () => server.close(),
      };
    }
  }
}

function tlsOptions(c: TlsMaterial): import('node:tls').TlsOptions {
  return {
    key: c.key,
    cert: c.cert,
    ca: c.ca,
    requestCert: !!c.requireClientCertificate || !!c.useCertificateCnAsUsername,
    rejectUnauthorized: !!c.requireClientCertificate,
  };
}

function certificateUsername(c: TlsMaterial, socket: TLSSocket): string | undefined {
  if (!c.useCertificateCnAsUsername || !socket.authorized) return undefined;
  const cn = socket.getPeerCertificate()?.subject?.CN;
  return Array.isArray(cn) ? cn[0] : cn || undefined;
}

/** The keys as the DTLS server takes them: a fixed map as it is (the server checks its hex), a directory as a lookup of keys. */
function dtlsPsk(config: ListenerConfig): Readonly<Record<string, string>> | ((identity: string) => Buffer | undefined) | undefined {
  if (config.kind !== 'dtls' || config.psk === undefined) return undefined;
  const psk = config.psk;
  return typeof psk === 'function' ? (identity) => psk(identity)?.key : psk;
}

/** A listener's pre-shared keys as one lookup, whether given as a fixed map (identity → hex) or as a lookup already. */
function pskDirectory(psk: Readonly<Record<string, string>> | PskDirectory | undefined): PskDirectory | undefined {
  if (psk === undefined || typeof psk === 'function') return psk;
  return (identity) => (Object.hasOwn(psk, identity) ? { key: Buffer.from(psk[identity]!, 'hex') } : undefined);
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

function bind(server: NetServer, port: number, host: string, config: ListenerConfig): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException): void => {
      const reason = e.code === 'EADDRINUSE' ? 'is already in use; choose another port or 0 for a free one' : `could not be opened (${e.code ?? e.message})`;
      reject(contractError('LISTEN_FAILED', `The ${config.kind} listener on ${host}:${port} ${reason}.`, { errno: e.code, cause: e.message }));
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : port);
    });
  });
}

function closeServer(server: NetServer): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Bytes joined into one write at most: a batch of small packets leaves as a few large writes. */
const COALESCE_BYTES = 64 * 1024;

/**
 * A batch's packets joined into writes of up to COALESCE_BYTES (a larger packet goes on its own, uncopied). A
 * subscription's retained messages are one batch of thousands of small packets, and a stream write per packet (its
 * bookkeeping, then a writev of thousands of pieces) cost far more than copying the bytes once.
 */
export function coalesce(chunks: readonly Buffer[]): Buffer[] {
  const out: Buffer[] = [];
  let group: Buffer[] = [];
  let groupBytes = 0;
  const close = (): void => {
    if (group.length === 1) out.push(group[0]!);
    else if (group.length > 1) out.push(Buffer.concat(group, groupBytes));
    group = [];
    groupBytes = 0;
  };
  for (const c of chunks) {
    if (c.length >= COALESCE_BYTES) {
      close();
      out.push(c);
      continue;
    }
    if (groupBytes + c.length > COALESCE_BYTES) close();
    group.push(c);
    groupBytes += c.length;
  }
  close();
  return out;
}

function socketTransport(kind: 'tcp' | 'tls', socket: Socket, certUser: string | undefined): Transport {
  socket.setNoDelay(true);
  socket.on('error', () => undefined);
  return {
    kind,
    remoteAddress: `${socket.remoteAddress ?? 'unknown'}:${socket.remotePort ?? 0}`,
    certificateUsername: certUser,
    write(chunks) {
      if (socket.destroyed) return;
      if (chunks.length === 1) {
        socket.write(chunks[0]!);
        return;
      }
      const joined = coalesce(chunks);
      if (joined.length === 1) {
        socket.write(joined[0]!);
        return;
      }
      socket.cork();
      for (const c of joined) socket.write(c);
      socket.uncork();
    },
    bufferedBytes: () => socket.writableLength,
    end() {
      socket.end();
      // A peer that never reads must not keep the socket half-open forever.
      setTimeout(() => socket.destroy(), 2000).unref();
    },
    destroy: () => socket.destroy(),
    pause: () => socket.pause(),
    resume: () => socket.resume(),
    onData: (cb) => socket.on('data', cb),
    onClose: (cb) => socket.on('close', cb),
  };
}

/** A session of a datagram listener: a Duplex that ends on idle expiry, on its peer's CLOSE or when unreachable. */
function streamTransport(kind: 'udp' | 'dtls', stream: ReliableUdpSession, remoteAddress: string, pskUser: string | undefined, pskIdentity: string | undefined): Transport {
  stream.on('error', () => undefined);
  return {
    kind,
    remoteAddress,
    certificateUsername: pskUser,
    ...(pskIdentity !== undefined ? { pskIdentity } : {}),
    write(chunks, total) {
      if (stream.destroyed || stream.writableEnded) return;
      // One write per batch: the session sends it as one message, so a batch's packets share datagrams.
      stream.write(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks as Buffer[], total));
    },
    bufferedBytes: () => stream.writableLength,
    end() {
      stream.end();
      // A peer that stopped acknowledging must not keep the session forever.
      setTimeout(() => stream.destroy(), 2000).unref();
    },
    destroy: () => stream.destroy(),
    pause: () => stream.pause(),
    resume: () => stream.resume(),
    onData: (cb) => stream.on('data', cb),
    onClose: (cb) => stream.on('close', cb),
  };
}

function webSocketTransport(kind: 'ws' | 'wss', ws: WebSocket, address: string, port: number, certUser: string | undefined): Transport {
  ws.on('error', () => undefined);
  return {
    kind,
    remoteAddress: `${address}:${port}`,
    certificateUsername: certUser,
    write(chunks, total) {
      if (ws.readyState !== ws.OPEN) return;
      ws.send(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks as Buffer[], total), { binary: true });
    },
    bufferedBytes: () => ws.bufferedAmount,
    end: () => ws.close(),
    destroy: () => ws.terminate(),
    pause: () => ws.pause(),
    resume: () => ws.resume(),
    onData: (cb) =>
      ws.on('message', (data, isBinary) => {
        // MQTT over WebSocket is binary only (MQTT-6.0.0-1).
        if (!isBinary) {
          ws.close(1003, 'MQTT needs binary frames');
          return;
        }
        cb(Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data));
      }),
    onClose: (cb) => ws.on('close', cb),
  };
}
