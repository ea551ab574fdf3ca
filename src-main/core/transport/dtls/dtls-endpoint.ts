// mqtts-dtls: the reliable-UDP layer (RELIABILITY.md) inside DTLS 1.2 records. DTLS secures datagrams but neither
// retransmits nor orders application data, so the same reliability layer as mqtt-udp runs inside it: each reliable-UDP
// datagram is one DTLS application record. DTLS itself comes from werift-dtls (certificates, ECDHE-ECDSA/RSA with
// AES-128-GCM); werift-dtls 0.5.8 verifies nothing about the peer's certificate and carries no chain, so the client
// verifies it here and certificate-chain.ts carries the intermediates.
import { createSocket, type Socket } from 'node:dgram';
import { X509Certificate } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { isIPv6 } from 'node:net';
// The package's `main` names a file its tarball lacks; this is its real entry (NOTES.md).
import { DtlsClient, DtlsServer, HashAlgorithm, SignatureAlgorithm } from 'werift-dtls/lib/dtls/src/index.js';
import { decodeDatagram } from '../udp/datagram';
import { DtlsError, keepServerChain, pemCertificates, sendChainFrom, verifyServerCertificate } from './certificate-chain';
import { DtlsPskAlert, PskDtlsClient } from './psk-client';
import { PskDtlsServer, type PskLookup } from './psk-server';
import { bindUdpSocket, ReliableUdpServer } from '../udp/reliable-udp-endpoint';
import { ReliableUdpSession, resolveReliableUdpOptions, type ReliableUdpOptions } from '../udp/reliable-udp-session';

export { DtlsError, verifyServerCertificate };

/** DTLS records carry the reliable-UDP datagrams, so each must fit one UDP datagram with DTLS's overhead (~ 29–64 bytes). */
export const DTLS_DEFAULT_MTU = 1_400;

/** A datagram channel werift-dtls sends through and is fed from (its Transport interface). */
interface WeriftTransport {
  readonly type: 'udp';
  onData: (data: Buffer) => void;
  send: (data: Buffer) => Promise<void>;
  close: () => Promise<void>;
  closed: boolean;
}

function channel(send: (data: Buffer) => void): WeriftTransport {
  return {
    type: 'udp',
    onData: () => undefined,
    send: async (data) => send(data),
    close: async () => undefined,
    closed: false,
  };
}

/** Which signature the server's key makes, as werift-dtls must be told. */
function signatureFor(certPem: string): { hash: number; signature: number } {
  const type = new X509Certificate(certPem).publicKey.asymmetricKeyType;
  if (type === 'ec') return { hash: HashAlgorithm.sha256_4, signature: SignatureAlgorithm.ecdsa_3 };
  if (type === 'rsa') return { hash: HashAlgorithm.sha256_4, signature: SignatureAlgorithm.rsa_1 };
  throw new Error(`DTLS needs an EC (P-256) or RSA server key, not ${type ?? 'this key type'}`);
}

export interface DtlsServerOptions extends Partial<ReliableUdpOptions> {
  readonly host: string;
  readonly port: number;
  /** PEM certificate (then any intermediate CAs, sent after it) and key; optional when `psk` is given. */
  readonly cert?: string;
  readonly key?: string;
  /**
   * Pre-shared keys for TLS_PSK_WITH_AES_128_GCM_SHA256 (psk-server.ts): identity → key (hex), or a lookup asked at
   * each handshake, so keys added or removed while the listener runs apply to the next handshake.
   */
  readonly psk?: Readonly<Record<string, string>> | PskLookup;
  readonly maxSessions?: number;
  /** A peer whose handshake has not finished in this time is forgotten. */
  readonly handshakeTimeoutMs?: number;
}

/** What a DTLS listener knows of a session's peer beyond its address. */
export interface DtlsSessionInfo {
  /** The PSK identity the peer's handshake used (and proved it holds the key of). */
  readonly pskIdentity?: string;
}

/** The server's side of a certificate handshake, read once from the PEM: werift's options, and the intermediates (DER). */
interface ServerCertificate {
  readonly werift: { readonly cert: string; readonly key: string; readonly signatureHash: never } | Record<string, never>;
  readonly chain: readonly Buffer[];
}

interface Peer {
  readonly transport: WeriftTransport;
  readonly dtls: DtlsServer;
  connected: boolean;
  timer: NodeJS.Timeout;
}

/** A DTLS listener: one DTLS session per peer address and port, reliable UDP inside; emits 'session' like ReliableUdpServer. */
export class DtlsReliableServer extends EventEmitter {
  /** Handshakes begun, finished, failed; datagrams dropped before a handshake could use them. */
  readonly dtlsStats = { handshakes: 0, established: 0, failed: 0 };

  private constructor(
    private readonly socket: Socket,
    private readonly inner: ReliableUdpServer,
    private readonly options: DtlsServerOptions,
    // Shared with the inner server, which sends through each peer's DTLS session.
    private readonly peers: Map<string, Peer>,
    private readonly certificate: ServerCertificate,
  ) {
    super();
    // The third argument says how the peer proved itself: the PSK identity it used, if any.
    inner.on('session', (session: ReliableUdpSession, peer: string, address: string, port: number) => {
      const dtls = this.peers.get(`${address}|${port}`)?.dtls;
      const info: DtlsSessionInfo = dtls instanceof PskDtlsServer && dtls.pskIdentity !== undefined ? { pskIdentity: dtls.pskIdentity } : {};
      this.emit('session', session, peer, info);
    });
    socket.on('message', (bytes, rinfo) => this.onDatagram(bytes, rinfo.address, rinfo.port));
    socket.on('error', () => undefined);
  }

  static async listen(options: DtlsServerOptions): Promise<DtlsReliableServer> {
    const { host, port, cert, key, psk, maxSessions, handshakeTimeoutMs: _h, ...reliable } = options;
    if (!cert !== !key) throw new Error('A DTLS listener needs both a certificate and its key, or neither (PSK only).');
    if (cert) signatureFor(cert);
    else if (!psk) throw new Error('A DTLS listener needs a certificate and key, or pre-shared keys (psk).');
    for (const [identity, hex] of typeof psk === 'function' ? [] : Object.entries(psk ?? {})) {
      if (!/^(?:[0-9a-fA-F]{2}){1,64}$/.test(hex)) throw new Error(`The pre-shared key for DTLS identity "${identity}" must be 1–64 bytes written in hex.`);
    }
    const tuning = resolveReliableUdpOptions({ mtu: DTLS_DEFAULT_MTU, ...reliable });
    const socket = await bindUdpSocket(host, port, 'DTLS');
    const peers = new Map<string, Peer>();
    const inner = ReliableUdpServer.over((bytes, address, p) => {
      const peer = peers.get(`${address}|${p}`);
      if (peer?.connected) void peer.dtls.send(bytes).catch(() => undefined);
    }, { ...tuning, ...(maxSessions ? { maxSessions } : {}) });
    const [leaf, ...intermediates] = cert ? pemCertificates(cert) : [];
    const certificate: ServerCertificate = {
      werift: leaf && key ? { cert: leaf, key, signatureHash: signatureFor(leaf) as never } : {},
      chain: intermediates.map((pem) => new X509Certificate(pem).raw),
    };
    return new DtlsReliableServer(socket, inner, options, peers, certificate);
  }

  address(): { readonly address: string; readonly port: number } {
    return this.socket.address();
  }

  get sessionCount(): number {
    return this.inner.sessionCount;
  }

  /** Peers with a finished DTLS handshake. */
  get secureSessionCount(): number {
    return [...this.peers.values()].filter((p) => p.connected).length;
  }

  get stats(): ReliableUdpServer['stats'] {
    return this.inner.stats;
  }

  async close(): Promise<void> {
    for (const peer of this.peers.values()) this.forget(peer);
    this.peers.clear();
    await this.inner.close();
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }

  private forget(peer: Peer): void {
    clearTimeout(peer.timer);
    try {
      peer.dtls.close();
    } catch {
      // Already closed.
    }
  }

  private onDatagram(bytes: Buffer, address: string, port: number): void {
    const key = `${address}|${port}`;
    let peer = this.peers.get(key);
    if (!peer) {
      if (this.peers.size >= (this.options.maxSessions ?? 1_000)) return;
      const transport = channel((data) => this.socket.send(data, port, address));
      const { psk } = this.options;
      const { werift: certificate, chain } = this.certificate;
      const lookup: PskLookup | undefined = typeof psk === 'function' ? psk : psk ? (identity) => (Object.hasOwn(psk, identity) ? Buffer.from(psk[identity]!, 'hex') : undefined) : undefined;
      const dtls = lookup ? new PskDtlsServer({ transport: transport as never, ...certificate }, lookup, chain) : new DtlsServer({ transport: transport as never, ...certificate });
      if (!lookup) dtls.onHandleHandshakes = sendChainFrom(dtls, chain, dtls.onHandleHandshakes);
      const created: Peer = { transport, dtls, connected: false, timer: setTimeout(() => fail(), this.options.handshakeTimeoutMs ?? 10_000) };
      const fail = (): void => {
        if (created.connected || this.peers.get(key) !== created) return;
        this.dtlsStats.failed++;
        this.peers.delete(key);
        this.forget(created);
      };
      this.dtlsStats.handshakes++;
      dtls.onConnect.subscribe(() => {
        created.connected = true;
        clearTimeout(created.timer);
        this.dtlsStats.established++;
      });
      dtls.onData.subscribe((plain: Buffer) => this.inner.deliver(plain, address, port));
      // Before the handshake ends, an error may be a crossed retransmission (see the client); the handshake timeout forgets the
      // peer. A handshake the PSK server refused with a fatal alert (unknown identity, wrong key, a Finished that does not
      // verify) is over at once, and said why.
      dtls.onError.subscribe(() => {
        const refusal = dtls instanceof PskDtlsServer ? dtls.refusal : undefined;
        if (refusal) this.emit('refused', refusal, `${address}:${port}`);
        if (created.connected || refusal) fail();
      });
      dtls.onClose.subscribe(() => {
        if (this.peers.get(key) === created) this.peers.delete(key);
        clearTimeout(created.timer);
      });
      this.peers.set(key, created);
      peer = created;
    }
    try {
      peer.transport.onData(bytes);
    } catch {
      // A malformed record must never end the listener.
    }
  }
}

export interface DtlsClientOptions extends Partial<ReliableUdpOptions> {
  readonly host: string;
  readonly port: number;
  /** PEM CAs the server's certificate must be issued by (or be one of). */
  readonly ca?: readonly string[];
  /** false: accept any certificate (testing only). */
  readonly rejectUnauthorized: boolean;
  /** The name the certificate must carry; the host by default. */
  readonly servername?: string;
  /** A PSK identity and key (hex): TLS_PSK_WITH_AES_128_GCM_SHA256, no certificate (psk-client.ts). */
  readonly pskIdentity?: string;
  readonly psk?: string;
  readonly handshakeTimeoutMs?: number;
}

/**
 * Starts a DTLS session to a server and returns its reliable stream at once (MQTT.js wants a stream synchronously):
 * bytes written before the handshake and the certificate check wait; a failed handshake or an untrusted
 * certificate destroys the stream with a DtlsError.
 */
export function connectDtlsSession(options: DtlsClientOptions): ReliableUdpSession {
  const { host, port, ca = [], rejectUnauthorized, servername, pskIdentity, psk, handshakeTimeoutMs = 10_000, ...reliable } = options;
  const socket = createSocket(isIPv6(host) ? 'udp6' : 'udp4');
  const transport = channel((data) => socket.send(data));
  let secure = false;
  const early: Buffer[] = [];
  let dtls: DtlsClient | undefined;
  const session = new ReliableUdpSession(
    Math.floor(Math.random() * 0xfffffffe) + 1,
    (bytes) => {
      if (secure && dtls) void dtls.send(bytes).catch(() => undefined);
      else early.push(bytes);
    },
    { mtu: DTLS_DEFAULT_MTU, ...reliable },
  );
  const fail = (error: Error): void => {
    if (!session.destroyed) session.destroy(error);
  };
  const timer = setTimeout(() => fail(new DtlsError(`The DTLS handshake with ${host}:${port} did not finish in ${handshakeTimeoutMs / 1000} s (is it a DTLS listener?).`, 'ETIMEDOUT')), handshakeTimeoutMs);
  socket.on('message', (bytes) => {
    try {
      transport.onData(bytes);
    } catch (error) {
      fail(new DtlsError(`The DTLS session with ${host}:${port} failed: ${(error as Error).message}`, 'EPROTO'));
    }
  });
  socket.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'ECONNREFUSED' && secure) return;
    fail(error.code === 'ECONNREFUSED' ? new DtlsError(`Nothing accepts DTLS on ${host}:${port} (port unreachable)`, 'ECONNREFUSED') : error);
  });
  session.once('close', () => {
    clearTimeout(timer);
    try {
      dtls?.close();
      socket.close();
    } catch {
      // Already closed.
    }
  });
  socket.connect(port, host, () => {
    if (session.destroyed) return;
    const usePsk = pskIdentity !== undefined && psk !== undefined;
    const client = usePsk ? new PskDtlsClient({ transport: transport as never }, pskIdentity, Buffer.from(psk, 'hex')) : new DtlsClient({ transport: transport as never });
    const serverChain = usePsk ? () => [] : keepServerChain(client);
    dtls = client;
    client.onData.subscribe((plain: Buffer) => {
      const d = decodeDatagram(plain);
      if (d) session.receive(d);
    });
    // werift-dtls reports a retransmitted flight that crosses its own state change as an error, without ending the
    // handshake: only after the handshake is an error fatal; before it, the handshake's timeout decides.
    client.onError.subscribe((error: Error) => {
      // A fatal alert in a PSK handshake (wrong key, unknown identity) ends it at once, with the reason.
      if (error instanceof DtlsPskAlert) fail(new DtlsError(`${error.message} (${host}:${port})`, 'ERR_SSL_DTLS_PSK_REFUSED'));
      else if (secure) fail(new DtlsError(`The DTLS session with ${host}:${port} failed: ${error.message || error.name}`, 'EPROTO'));
    });
    client.onClose.subscribe(() => fail(new DtlsError(`The DTLS server at ${host}:${port} closed the session.`, 'ECONNRESET')));
    finishedHandshake(client).then(
      () => {
        clearTimeout(timer);
        // With a PSK, finishing the handshake proves the server holds the same key: there is no certificate to check.
        if (rejectUnauthorized && !usePsk) {
          const sent = serverChain();
          const problem = verifyServerCertificate(sent.length > 0 ? sent : client.remoteCertificate ? [client.remoteCertificate] : [], ca, servername ?? host);
          if (problem) {
            fail(problem);
            return;
          }
        }
        secure = true;
        for (const bytes of early.splice(0)) void client.send(bytes).catch(() => undefined);
      },
      (error: Error) => fail(new DtlsError(`The DTLS handshake with ${host}:${port} failed: ${error.message}`, 'EPROTO')),
    );
  });
  return session;
}

/**
 * werift's DtlsClient.connect() resolves once its first flight is answered, not when the handshake has finished, so
 * the server's certificate may not have arrived yet: wait for its onConnect too (our PSK client's connect already does).
 */
function finishedHandshake(client: DtlsClient): Promise<void> {
  const done = new Promise<void>((resolve) => client.onConnect.once(() => resolve()));
  return client.connect().then(() => done);
}
