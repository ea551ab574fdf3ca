import type { ScramCredential, ScramMechanism } from '../auth/scram';
export type ProtocolVersion = 3 | 4 | 5;
export type QoS = 0 | 1 | 2;

/** One network endpoint the broker accepts clients on. */
export type ListenerConfig =
  | { readonly kind: 'tcp'; readonly port: number; readonly host?: string }
  | ({ readonly kind: 'tls'; readonly port: number; readonly host?: string } & TlsMaterial)
  | { readonly kind: 'ws'; readonly port: number; readonly host?: string; readonly path?: string }
  | ({ readonly kind: 'wss'; readonly port: number; readonly host?: string; readonly path?: string } & TlsMaterial)
  /** MQTT over reliable UDP (core/transport/udp/RELIABILITY.md). */
  | { readonly kind: 'udp'; readonly port: number; readonly host?: string; readonly udp?: UdpListenerTuning }
  /** MQTT over reliable UDP inside DTLS 1.2, with the server certificate and key in PEM (EC P-256 or RSA). */
  | {
      readonly kind: 'dtls';
      readonly port: number;
      readonly host?: string;
      /** Certificate and key; optional when `psk` is given (a PSK-only listener). */
      readonly key?: string | Buffer;
      readonly cert?: string | Buffer;
      /**
       * DTLS pre-shared keys (TLS_PSK_WITH_AES_128_GCM_SHA256): identity → key in hex, or a lookup asked at each
       * handshake (so keys can be added and removed while the listener runs).
       */
      readonly psk?: Readonly<Record<string, string>> | PskDirectory;
      readonly udp?: UdpListenerTuning;
    };

/** A pre-shared key as a listener's lookup finds it; with a username, a session using it signs in as that user. */
export interface PskEntry {
  readonly key: Buffer;
  readonly username?: string;
}

/** Finds the pre-shared key of a DTLS PSK identity; undefined: no such identity. */
export type PskDirectory = (identity: string) => PskEntry | undefined;

/** Reliable-UDP settings of a datagram listener; unnamed ones take RELIABILITY.md's defaults. */
export interface UdpListenerTuning {
  readonly mtu?: number;
  readonly initialRtoMs?: number;
  readonly maxRtoMs?: number;
  readonly maxAttempts?: number;
  readonly idleTimeoutMs?: number;
  readonly maxSessions?: number;
}

/** PEM material for TLS listeners. */
export interface TlsMaterial {
  readonly key: string | Buffer;
  readonly cert: string | Buffer;
  readonly ca?: string | Buffer;
  /** Ask clients for a certificate and refuse the handshake without a valid one. */
  readonly requireClientCertificate?: boolean;
  /** Use the client certificate's CN as the MQTT user name. */
  readonly useCertificateCnAsUsername?: boolean;
}

/** What a bound listener reports back. */
export interface BoundListener {
  readonly kind: ListenerConfig['kind'];
  readonly host: string;
  readonly port: number;
  readonly path?: string;
  readonly url: string;
}

/** How a user may prove who they are: a password in CONNECT, or a SCRAM exchange (MQTT 5 enhanced authentication). */
export type UserAuthMethod = 'password' | ScramMechanism;

/** A user record; the password is kept only as a mosquitto-format hash and as SCRAM's salted keys. */
export interface UserRecord {
  readonly username: string;
  /** mosquitto `$7$`/`$6$` hash; empty for a user who may only use SCRAM. */
  readonly passwordHash: string;
  /** Salted keys, one per SCRAM mechanism the user has credentials for. */
  readonly scram?: readonly ScramCredential[];
  /** The methods this user may use; absent: a password, and every SCRAM mechanism with a credential. */
  readonly authMethods?: readonly UserAuthMethod[];
}

export type AclAccess = 'read' | 'write' | 'readwrite' | 'deny';

/** One ACL rule in mosquitto's model. */
export interface AclRule {
  /** 'anonymous' applies to clients without a user name, 'user' to one user, 'pattern' to everyone with %u/%c substituted, 'client' to one client id. */
  readonly scope: 'anonymous' | 'user' | 'pattern' | 'client';
  readonly subject?: string;
  readonly access: AclAccess;
  readonly topic: string;
}

/** Per-client limits; a missing value means no limit beyond the protocol's own. */
export interface BrokerLimits {
  /** Open sockets, counted from accept (a socket that has not sent CONNECT yet holds a slot too). */
  readonly maxConnections?: number;
  /** Seconds from accept within which a complete CONNECT must arrive (default 10). */
  readonly connectTimeout?: number;
  /** Largest packet accepted from clients (bytes), announced in CONNACK. */
  readonly maxPacketSize?: number;
  /** QoS 1/2 messages in flight to one client, and our receive maximum. */
  readonly maxInflight?: number;
  /**
   * QoS 1/2 messages queued for one client beyond those in flight, while it is offline or has stopped
   * reading (default 100,000); what exceeds it is dropped and counted. A client that reads, however
   * slowly, never reaches it: its publishers are slowed instead.
   */
  readonly maxQueued?: number;
  /** The same limit in bytes of topic and payload (default 256 MiB). */
  readonly maxQueuedBytes?: number;
  /** Publishes accepted per second from one client. */
  readonly maxMessageRate?: number;
  /** New connections accepted per second, broker-wide. */
  readonly maxConnectionRate?: number;
  /** Highest keepalive accepted; announced as Server Keep Alive to v5 clients. */
  readonly maxKeepalive?: number;
  readonly topicAliasMaximum?: number;
  readonly maximumQos?: QoS;
  readonly retainAvailable?: boolean;
}

/**
 * The broker sends every client elsewhere with an MQTT 5 Server Reference: refuses CONNECT and
 * disconnects live clients. For testing how clients follow a redirect.
 */
export interface MovedSetting {
  /** Where clients should go: one or more `host[:port]` (or URLs), separated by spaces (MQTT 5 section 4.11). */
  readonly serverReference: string;
  /** true: 0x9D Server moved (for good); false or absent: 0x9C Use another server (for now). */
  readonly permanent?: boolean;
}

export interface SubscriptionInfo {
  readonly filter: string;
  readonly qos: QoS;
  readonly noLocal: boolean;
  readonly retainAsPublished: boolean;
  readonly retainHandling: 0 | 1 | 2;
  readonly subscriptionId?: number;
}

/** A connected client as the UI lists it. */
export interface ClientInfo {
  readonly clientId: string;
  readonly username?: string;
  readonly remoteAddress: string;
  readonly listener: ListenerConfig['kind'];
  readonly protocolVersion: ProtocolVersion;
  readonly keepalive: number;
  readonly connectedSince: number;
  readonly subscriptions: readonly SubscriptionInfo[];
  /** The last few distinct topics it published to (at most 16). */
  readonly publishedTopics: readonly string[];
  readonly inflight: number;
  readonly queued: number;
  /** QoS 1/2 messages dropped for this client because its queue was full. */
  readonly dropped: number;
}

export interface RetainedInfo {
  readonly topic: string;
  readonly payload: Buffer;
  readonly qos: QoS;
  readonly storedAt: number;
}

export interface BrokerStats {
  readonly startedAt: number;
  readonly clientsConnected: number;
  readonly clientsTotal: number;
  readonly messagesReceived: number;
  readonly messagesSent: number;
  readonly bytesReceived: number;
  readonly bytesSent: number;
  readonly publishReceived: number;
  readonly publishSent: number;
  readonly publishDropped: number;
  /** Payload bytes of PUBLISH packets received from and sent to clients. */
  readonly publishBytesReceived: number;
  readonly publishBytesSent: number;
  /** QoS 1/2 messages dropped because a session's queue was full (a subset of publishDropped). */
  readonly queueOverflow: number;
  readonly subscriptions: number;
  readonly retained: number;
}

/** What the broker reports as it runs; the UI shows these in its event log. */
export type BrokerEvent =
  | { readonly type: 'client.connected'; readonly at: number; readonly clientId: string; readonly remoteAddress: string; readonly protocolVersion: ProtocolVersion; readonly username?: string }
  | { readonly type: 'client.disconnected'; readonly at: number; readonly clientId: string; readonly reason: string; readonly reasonCode?: number }
  | { readonly type: 'auth.failed'; readonly at: number; readonly clientId: string; readonly remoteAddress: string; readonly username?: string; readonly reasonCode: number }
  | { readonly type: 'protocol.error'; readonly at: number; readonly clientId?: string; readonly remoteAddress: string; readonly message: string }
  | { readonly type: 'message.dropped'; readonly at: number; readonly clientId: string; readonly topic: string; readonly reason: string };

export type BrokerEventType = BrokerEvent['type'];

