// The two ends of reliable UDP on node:dgram: a client that opens one session to a server, and a server that maps
// sessions from each peer's address and port (RELIABILITY.md, "Sessions").
import { createSocket, type Socket } from 'node:dgram';
import { randomInt } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { isIPv6 } from 'node:net';
import { decodeDatagram } from './datagram';
import { ReliableUdpSession, resolveReliableUdpOptions, type ReliableUdpOptions } from './reliable-udp-session';

export interface ReliableUdpClientOptions extends Partial<ReliableUdpOptions> {
  readonly host: string;
  readonly port: number;
}

/**
 * Starts a session to a reliable-UDP server and returns it at once, as MQTT.js wants its stream: datagrams written
 * before the socket is connected wait for it, and a failure to connect destroys the session with a clear error.
 */
export function connectReliableUdpSession({ host, port, ...options }: ReliableUdpClientOptions): ReliableUdpSession {
  const resolved = resolveReliableUdpOptions(options);
  const socket = createSocket(isIPv6(host) ? 'udp6' : 'udp4');
  let connected = false;
  const early: Buffer[] = [];
  const session = new ReliableUdpSession(
    randomInt(1, 0xffffffff),
    (bytes) => {
      if (connected) socket.send(bytes);
      else early.push(bytes);
    },
    resolved,
  );
  let heard = false;
  socket.on('message', (bytes) => {
    const d = decodeDatagram(bytes);
    if (!d) return;
    heard = true;
    session.receive(d);
  });
  socket.on('error', (error: NodeJS.ErrnoException) => {
    // ICMP "port unreachable" surfaces as ECONNREFUSED. Before the server ever answered it means nothing listens
    // there (say so now rather than after every retransmission); later, retransmission decides when the peer is gone.
    if (error.code === 'ECONNREFUSED') {
      if (!heard) session.destroy(Object.assign(new Error(`Nothing accepts UDP on ${host}:${port} (port unreachable)`), { code: 'ECONNREFUSED' }));
      return;
    }
    session.destroy(connected ? error : Object.assign(new Error(`Could not open a UDP socket to ${host}:${port}: ${error.message}`), { code: error.code }));
  });
  // A connected socket hears only its server: datagrams from anyone else never reach the session.
  socket.connect(port, host, () => {
    connected = true;
    for (const bytes of early.splice(0)) socket.send(bytes);
  });
  session.once('close', () => {
    try {
      socket.close();
    } catch {
      // Already closed by a failed connect.
    }
  });
  return session;
}

/** Opens a session to a reliable-UDP server once its socket is connected; the returned stream carries the MQTT bytes. */
export async function openReliableUdpSession(options: ReliableUdpClientOptions): Promise<ReliableUdpSession> {
  const session = connectReliableUdpSession(options);
  await new Promise<void>((resolve) => setImmediate(resolve));
  if (session.destroyed) throw (session.errored as Error | null) ?? new Error(`Could not open a UDP socket to ${options.host}:${options.port}`);
  return session;
}

export interface ReliableUdpServerOptions extends Partial<ReliableUdpOptions> {
  readonly host: string;
  /** 0 picks a free port; read it from `address()`. */
  readonly port: number;
  /** Open sessions at most; DATA from further new peers is dropped (UDP sources are cheap to forge). */
  readonly maxSessions?: number;
}

export const DEFAULT_MAX_UDP_SESSIONS = 1_000;
/** Peers whose ended session the server remembers, so late copies of its opening datagram are dropped. */
const ENDED_SESSIONS_REMEMBERED = 10_000;

/** Accepts reliable-UDP sessions on one socket; emits 'session' with each new ReliableUdpSession (and the peer as address:port), 'error' on socket errors. */
export class ReliableUdpServer extends EventEmitter {
  /** Datagrams dropped, by why: not a valid datagram, of no open session, or from a new peer beyond maxSessions. */
  readonly stats = { malformed: 0, unknownSession: 0, refused: 0 };
  private readonly sessions = new Map<string, ReliableUdpSession>();
  /**
   * The id of the last session that ended, per recent peer: a retransmitted copy of its opening DATA that arrives
   * after the close must not open it again (a zombie holding a slot, and replaying an MQTT CONNECT).
   */
  private readonly ended = new Map<string, number>();

  private constructor(
    private readonly socket: Socket | undefined,
    private readonly sendTo: (bytes: Buffer, address: string, port: number) => void,
    private readonly options: ReliableUdpOptions,
    private readonly maxSessions: number,
  ) {
    super();
    socket?.on('message', (bytes, peer) => this.deliver(bytes, peer.address, peer.port));
    socket?.on('error', (error) => {
      if (this.listenerCount('error') > 0) this.emit('error', error);
    });
  }

  /**
   * A server over another datagram channel (DTLS): it owns no socket, is handed each peer's datagrams through
   * deliver(), and sends through sendTo.
   */
  static over(sendTo: (bytes: Buffer, address: string, port: number) => void, { maxSessions = DEFAULT_MAX_UDP_SESSIONS, ...options }: Partial<ReliableUdpOptions> & { readonly maxSessions?: number } = {}): ReliableUdpServer {
    return new ReliableUdpServer(undefined, sendTo, resolveReliableUdpOptions(options), maxSessions);
  }

  /** Binds a server socket. */
  static async listen({ host, port, maxSessions = DEFAULT_MAX_UDP_SESSIONS, ...options }: ReliableUdpServerOptions): Promise<ReliableUdpServer> {
    const resolved = resolveReliableUdpOptions(options);
    if (!Number.isInteger(maxSessions) || maxSessions <= 0) throw new RangeError(`maxSessions must be a positive integer, not ${maxSessions}`);
    const socket = await bindUdpSocket(host, port, 'UDP');
    return new ReliableUdpServer(socket, (bytes, address, p) => socket.send(bytes, p, address), resolved, maxSessions);
  }

  address(): { readonly address: string; readonly port: number } {
    if (!this.socket) throw new Error('This reliable-UDP server runs over another channel and has no socket of its own');
    return this.socket.address();
  }

  /** Open sessions, for tests and the dashboard. */
  get sessionCount(): number {
    return this.sessions.size;
  }

  /** Ends every session and closes the socket. */
  async close(): Promise<void> {
    for (const session of this.sessions.values()) session.endWith('closed');
    this.sessions.clear();
    const socket = this.socket;
    if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()));
  }

  /** Hands the server one datagram from a peer. */
  deliver(bytes: Buffer, address: string, port: number): void {
    const d = decodeDatagram(bytes);
    if (!d) {
      this.stats.malformed++;
      return;
    }
    const key = `${address}|${port}`;
    let session = this.sessions.get(key);
    // Only the first DATA of a session (seq 0) opens or replaces one: a late datagram of a session that has ended
    // must not leave a zombie session behind, and a reordered one of an old session must not replace its successor.
    const opening = d.type === 'data' && d.seq === 0;
    if (opening && this.ended.get(key) === d.sessionId) {
      this.stats.unknownSession++;
      return;
    }
    if (session && session.sessionId !== d.sessionId) {
      if (!opening) {
        this.stats.unknownSession++;
        return;
      }
      // The client restarted on the same address and port: its old session is over.
      this.sessions.delete(key);
      session.endWith('replaced');
      session = undefined;
    }
    if (!session) {
      if (!opening) {
        this.stats.unknownSession++;
        return;
      }
      if (this.sessions.size >= this.maxSessions) {
        this.stats.refused++;
        return;
      }
      const created = new ReliableUdpSession(d.sessionId, (out) => this.sendTo(out, address, port), this.options);
      this.sessions.set(key, created);
      created.once('close', () => {
        if (this.sessions.get(key) === created) this.sessions.delete(key);
        this.ended.delete(key);
        this.ended.set(key, created.sessionId);
        // Oldest first: a late copy of an opening datagram comes within seconds, long before this many peers ended.
        if (this.ended.size > ENDED_SESSIONS_REMEMBERED) this.ended.delete(this.ended.keys().next().value!);
      });
      session = created;
      // The address and port travel too, so a server wrapping this one (DTLS) can tell which peer it was.
      this.emit('session', created, `${address}:${port}`, address, port);
    }
    session.receive(d);
  }
}

/** A UDP socket bound to host:port; a failure names what was to listen there and keeps the errno ("port in use"). */
export async function bindUdpSocket(host: string, port: number, what: string): Promise<Socket> {
  const socket = createSocket(isIPv6(host) ? 'udp6' : 'udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, host, () => {
      socket.off('error', reject);
      resolve();
    });
  }).catch((error: NodeJS.ErrnoException) => {
    socket.close();
    throw Object.assign(new Error(`Could not listen for ${what} on ${host}:${port}: ${error.message}`), { code: error.code });
  });
  return socket;
}
