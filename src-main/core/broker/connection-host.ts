import type { SessionOwnerMismatch } from './access-guard';
import type { AuthResult, Credentials, EnhancedAuthExchange } from './authenticator';
import type { FlowControl } from './flow-control';
import type { Message } from './message';
import type { PendingWill, QueueLimit, Session, SessionLink } from './session';
import type { Subscription } from './subscription-index';
import type { BrokerEvent, ProtocolVersion, QoS } from './types';

/** The broker-wide settings a connection applies to its client. */
export interface ConnectionSettings {
  /** Largest packet accepted from clients (bytes). */
  readonly maxPacketSize: number;
  /** QoS 1/2 messages in flight to one client, and our receive maximum. */
  readonly maxInflight: number;
  /** QoS 1/2 messages queued for one client (offline, or not reading) before they are dropped. */
  readonly queueLimit: QueueLimit;
  /** Queued messages of an online client above which the publishers feeding it are paused. */
  readonly queueHighWater: number;
  /** Paused publishers resume once the client's queue is at most this long. */
  readonly queueResume: number;
  readonly topicAliasMaximum: number;
  /** Give v5 clients Topic Aliases for the topics we send them (up to each client's own maximum). */
  readonly sendTopicAliases: boolean;
  /** Start of each client's Response Information topic; empty when the broker gives none. */
  readonly responseTopicPrefix: string;
  readonly maximumQos: QoS;
  readonly retainAvailable: boolean;
  readonly protocolVersions: readonly ProtocolVersion[];
  readonly maxKeepalive: number | undefined;
  readonly maxMessageRate: number | undefined;
  /** Session expiry (seconds) for v3 clients connecting with clean session false. */
  readonly persistentClientExpiration: number;
  /** What happens when a persistent session is resumed under another user name. */
  readonly sessionOwnerMismatch: SessionOwnerMismatch;
}

/** Traffic counters a connection adds to as it reads and writes. */
export interface TrafficCounters {
  messagesReceived: number;
  messagesSent: number;
  bytesReceived: number;
  bytesSent: number;
  publishReceived: number;
  publishSent: number;
  publishBytesReceived: number;
  publishBytesSent: number;
}

/** Who a client is, for access checks. */
export interface ClientIdentity {
  readonly clientId: string;
  readonly username: string | undefined;
}

/** What the broker reads from a connection when it opens and closes. */
export interface ClientConnection extends ClientIdentity {
  readonly remoteAddress: string;
  readonly version: ProtocolVersion;
  readonly session: Session | undefined;
  /** The will from CONNECT; undefined after a normal DISCONNECT. */
  readonly will: PendingWill | undefined;
  /** True when the connection ended in a way that must not publish the will. */
  readonly graceful: boolean;
  readonly closeReason: string;
  readonly closeReasonCode: number | undefined;
}

/** What became of one routed message. */
export interface RouteResult {
  /** Sessions that received or queued it. */
  readonly delivered: number;
  /** Sessions that matched but had no room for it. */
  readonly dropped: number;
}

/** A connection that writes in batches: the host calls flush() once per batch. */
export interface Flushable {
  flush(): void;
}

/**
 * What a connection needs from the broker it belongs to, and nothing more: settings, counters,
 * access checks, sessions, routing and write batching. `BrokerCore` implements it.
 */
export interface ConnectionHost {
  /** Coarse clock (ms), cheap enough to read per packet. */
  readonly clock: number;
  readonly settings: ConnectionSettings;
  readonly traffic: TrafficCounters;
  /** Decides at once, or (for a password hash) on the thread pool. */
  authenticate(credentials: Credentials): AuthResult | Promise<AuthResult>;
  /** Starts an MQTT 5 enhanced authentication exchange; undefined when the method is not offered. */
  startEnhancedAuth(method: string): EnhancedAuthExchange | undefined;
  /** Access checks; each is true when no ACL is configured. */
  mayPublish(who: ClientIdentity, topic: string): boolean;
  maySubscribe(who: ClientIdentity, filter: string): boolean;
  mayReceive(who: ClientIdentity, topic: string): boolean;
  assignClientId(): string;
  /** Set while the broker refers clients elsewhere: the CONNACK/DISCONNECT reason and the Server Reference. */
  movedTo(): { readonly reasonCode: number; readonly serverReference: string } | undefined;
  /** Whether one more client may connect now: a reason code, Success when it may. */
  admitConnection(conn: { readonly overLimit: boolean }): number;
  /** Who owns the session of this client id, if there is one. */
  sessionOwner(clientId: string): { readonly username: string | undefined } | undefined;
  /** Attaches a connection to its session: takes over a live one, resumes or starts fresh. */
  openSession(link: SessionLink, clientId: string, cleanStart: boolean, expiryInterval: number): { readonly session: Session; readonly present: boolean };
  connectionReady(conn: ClientConnection): void;
  connectionClosed(conn: ClientConnection, wasConnected: boolean): void;
  /** Routes a client's PUBLISH; `source` is slowed if a subscriber it feeds falls behind. */
  routeFrom(source: FlowControl, message: Message): RouteResult;
  /** A subscriber's backlog is too large: slow whichever publisher is feeding it right now. */
  throttleSource(consumer: FlowControl): void;
  addSubscription(sub: Subscription): void;
  removeSubscription(sub: Subscription): void;
  retainedMatching(filter: string, now: number): readonly Message[];
  countDrop(clientId: string, topic: string, reason: string): void;
  emit(event: BrokerEvent): void;
  /** State worth persisting changed. */
  markDirty(): void;
  /** Brackets the handling of one chunk of client input, so writes made meanwhile leave as one batch. */
  beginHandling(): void;
  endHandling(): void;
  queueFlush(conn: Flushable): void;
  /** Stores what the journal holds; called before any output to a client is written. */
  commitJournal(): void;
}
