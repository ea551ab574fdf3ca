import type { ScramMechanism } from '../auth/scram';
import type { ForwardedProperties } from './message';
import type { PersistenceStore } from './persistence';
import type { DatagramListenerStats } from './listeners';
import type {
  AclRule,
  BoundListener,
  BrokerEvent,
  BrokerLimits,
  BrokerStats,
  ClientInfo,
  ListenerConfig,
  MovedSetting,
  ProtocolVersion,
  QoS,
  RetainedInfo,
  UserRecord,
} from './types';

export interface BrokerOptions {
  readonly listeners?: readonly ListenerConfig[];
  readonly allowAnonymous?: boolean;
  readonly users?: readonly UserRecord[];
  /** mosquitto password file to load users from. */
  readonly passwordFile?: string;
  /** MQTT 5 enhanced authentication methods offered (default: all SCRAM mechanisms); [] answers every AUTH with 0x8C. */
  readonly enhancedAuthMethods?: readonly ScramMechanism[];
  readonly acl?: readonly AclRule[];
  /** mosquitto acl_file to load rules from. */
  readonly aclFile?: string;
  readonly limits?: BrokerLimits;
  /** Seconds between $SYS publications; 0 turns them off. */
  readonly sysInterval?: number;
  /** Sessions of v3 clients with clean session false expire after this many seconds (default never). */
  readonly persistentClientExpiration?: number;
  /** Protocol versions accepted; others get CONNACK 0x01 / 0x84. */
  readonly protocolVersions?: readonly ProtocolVersion[];
  readonly persistence?: PersistenceStore;
  /** A persistent session resumed under another user name starts clean (default) or the connection is refused. */
  readonly sessionOwnerMismatch?: 'start-clean' | 'refuse';
  /** Give v5 clients Topic Aliases for topics sent to them again, up to the maximum each accepts (default true). */
  readonly sendTopicAliases?: boolean;
  /**
   * Clients that set Request Response Information are told `<prefix><their client id>` (wildcards and
   * slashes in the id percent-encoded) to build response topics on. Default "response/"; "" gives none.
   */
  readonly responseTopicPrefix?: string;
  /** Start "moved": every client is referred to another server (see `setMoved`). */
  readonly moved?: MovedSetting;
  /** Shown in $SYS/broker/version. */
  readonly version?: string;
}

/** Options for publishing from the broker itself (UI, $SYS). */
export interface LocalPublish {
  readonly topic: string;
  readonly payload: Buffer | string;
  readonly qos?: QoS;
  readonly retain?: boolean;
  /** v5 properties forwarded to v5 subscribers. */
  readonly properties?: ForwardedProperties;
  readonly messageExpiryInterval?: number;
}

/** The embedded broker as the app and the CLI use it. */
export interface Broker {
  /** Restores persisted state and opens the listeners; resolves with what was bound. */
  start(): Promise<BoundListener[]>;
  /** Same as start(). */
  listen(): Promise<BoundListener[]>;
  /** Closes listeners and clients (v5 clients get DISCONNECT 0x8B) and saves state. */
  stop(): Promise<void>;
  readonly isRunning: boolean;
  boundListeners(): BoundListener[];
  /** Each datagram listener's sessions and dropped datagrams (malformed ones are dropped and counted). */
  datagramStats(): readonly (DatagramListenerStats & { readonly url: string })[];
  listClients(): ClientInfo[];
  /** v5 clients get DISCONNECT 0x98; false when no such client is connected. */
  disconnectClient(clientId: string): boolean;
  /**
   * Ends the DTLS sessions that signed in with one of these pre-shared key identities (v5 clients get DISCONNECT
   * 0x87 Not authorized), as their key was removed; returns how many.
   */
  disconnectPskSessions(identities: ReadonlySet<string>): number;
  listRetained(): RetainedInfo[];
  /** Deletes one topic's retained message or, with subtree, all below it too; returns the count. */
  deleteRetained(topic: string, subtree?: boolean): number;
  getStats(): BrokerStats;
  /** Publishes as the broker itself; returns how many sessions received it. */
  publish(p: LocalPublish): number;
  /** Subscribes to the event log; returns an unsubscribe function. */
  onEvent(listener: (e: BrokerEvent) => void): () => void;
  listUsers(): UserRecord[];
  /** What in the configuration works but should be fixed (weak password hashes to re-hash). */
  configWarnings(): readonly string[];
  setUsers(users: readonly UserRecord[]): void;
  setAllowAnonymous(allow: boolean): void;
  listAclRules(): readonly AclRule[];
  setAclRules(rules: readonly AclRule[]): void;
  /**
   * Refers clients to another server (undefined: stop): new CONNECTs are refused with 0x9C/0x9D and the
   * Server Reference, and connected clients are disconnected the same way (3.x clients, which cannot be
   * told where, are refused as "server unavailable" and closed).
   */
  setMoved(moved: MovedSetting | undefined): void;
  /** The current "moved" setting. */
  readonly moved: MovedSetting | undefined;
}
