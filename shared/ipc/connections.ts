import { z } from 'zod';
import { parseBrokerUrl } from '../mqtt/broker-url';
import type { ErrorData } from './errors';
import { BytesSchema, ConnectionIdSchema, QosSchema, TopicFilterSchema, TopicNameSchema, UserPropertiesSchema, type ConnectionId, type Deleted, type Qos, type ExportedText } from './common';
import { issueCode, request } from './define';

export const BrokerUrlSchema = z.string({ message: 'A broker URL is required.' }).superRefine((url, ctx) => {
  const parsed = parseBrokerUrl(url);
  if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.message, ...issueCode('VALIDATION_ERROR') });
});

const UINT32 = 0xffffffff;
const PemTextSchema = z.string().max(1_000_000);

/** One subscription made on every connect; nl, rap and rh are MQTT 5 subscription options. */
export const SubscriptionSchema = z
  .object({
    filter: TopicFilterSchema,
    qos: QosSchema.default(0),
    /** No Local: don't receive our own publishes. */
    noLocal: z.boolean().optional(),
    /** Retain As Published; on by default for MQTT 5 so the explorer sees which messages were retained. */
    retainAsPublished: z.boolean().optional(),
    /** 0: send retained on subscribe, 1: only if the subscription is new, 2: never. */
    retainHandling: z.union([z.literal(0), z.literal(1), z.literal(2)]).optional(),
    /** MQTT 5: tagged on every message this subscription delivers. */
    subscriptionIdentifier: z.number().int().min(1).max(268_435_455).optional(),
  })
  .strict();

/** Reconnecting with exponential back-off and jitter; maxAttempts 0 means no limit. */
export const ReconnectSchema = z
  .object({
    enabled: z.boolean().default(true),
    initialDelayMs: z.number().int().min(0).max(3_600_000).default(1_000),
    maxDelayMs: z.number().int().min(0).max(3_600_000).default(30_000),
    multiplier: z.number().min(1).max(10).default(2),
    /** Fraction of each delay randomised either way (0.2 = ±20 %), so many clients don't return in step. */
    jitter: z.number().min(0).max(1).default(0.2),
    maxAttempts: z.number().int().min(0).max(1_000_000).default(0),
  })
  .strict();

/** MQTT 5 will properties. */
export const WillPropertiesSchema = z
  .object({
    willDelayInterval: z.number().int().min(0).max(UINT32).optional(),
    messageExpiryInterval: z.number().int().min(0).max(UINT32).optional(),
    contentType: z.string().optional(),
    payloadFormatIndicator: z.boolean().optional(),
    responseTopic: TopicNameSchema.optional(),
    correlationData: BytesSchema.optional(),
    userProperties: UserPropertiesSchema.optional(),
  })
  .strict();

export const WillSchema = z
  .object({
    topic: TopicNameSchema,
    payload: z.union([z.string(), BytesSchema]).default(''),
    qos: QosSchema.default(0),
    retain: z.boolean().default(false),
    properties: WillPropertiesSchema.optional(),
  })
  .strict();

/** MQTT 5 CONNECT properties. */
export const ConnectPropertiesSchema = z
  .object({
    receiveMaximum: z.number().int().min(1).max(65_535).optional(),
    maximumPacketSize: z.number().int().min(1).max(UINT32).optional(),
    topicAliasMaximum: z.number().int().min(0).max(65_535).optional(),
    requestResponseInformation: z.boolean().optional(),
    requestProblemInformation: z.boolean().optional(),
    userProperties: UserPropertiesSchema.optional(),
  })
  .strict();

/**
 * TLS for mqtts:// and wss://. Certificate material travels as data (PEM text, PKCS#12 bytes), never as paths.
 * caIds/identityId name certificate-store entries, resolved by the core where a store is attached.
 */
export const TlsSchema = z
  .object({
    /** PEM texts; each may hold several certificates. */
    ca: z.array(PemTextSchema).max(100).optional(),
    /** Trust the OS store too. Defaults to true when no other CA is given, false otherwise. */
    systemCa: z.boolean().optional(),
    caIds: z.array(z.string().max(200)).max(100).optional(),
    /** Client certificate (leaf, then chain) and its key, PEM. */
    cert: PemTextSchema.optional(),
    key: PemTextSchema.optional(),
    keyPassphrase: z.string().max(65_535).optional(),
    /** A PKCS#12 bundle (modern or legacy) holding the client certificate and key. */
    pkcs12: BytesSchema.optional(),
    pkcs12Password: z.string().max(65_535).optional(),
    identityId: z.string().max(200).optional(),
    /** Off only for testing against brokers with throwaway certificates. */
    rejectUnauthorized: z.boolean().default(true),
    /** SNI name; the URL's host name by default. */
    servername: z.string().max(255).optional(),
    alpnProtocols: z.array(z.string().min(1).max(255)).max(20).optional(),
    /** mqtts-dtls only: a DTLS pre-shared key (TLS_PSK_WITH_AES_128_GCM_SHA256) instead of the server's certificate. */
    pskIdentity: z.string().min(1).max(128).optional(),
    /** The key for pskIdentity, 1–64 bytes in hex. */
    psk: z
      .string()
      .regex(/^(?:[0-9a-fA-F]{2}){1,64}$/, 'A pre-shared key is 1–64 bytes written in hex')
      .optional(),
  })
  .strict();

/** MQTT 5 enhanced authentication methods Topiary speaks (SCRAM, RFC 5802 / RFC 7677). */
export const AUTH_METHODS = ['SCRAM-SHA-1', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;
export type AuthMethodName = (typeof AUTH_METHODS)[number];

export const ConnectArgsSchema = z
  .object({
    url: BrokerUrlSchema,
    /** Failover: further brokers tried in order after `url`. */
    urls: z.array(BrokerUrlSchema).max(20).optional(),
    /** A name the UI shows; the URL by default. */
    name: z.string().max(200).optional(),
    /**
     * Empty or absent: sent empty so the broker assigns one (MQTT 5, or 3.1.1 with a clean session); generated
     * (topiary-xxxxxxxx) where the protocol requires one (MQTT 3.1, or 3.1.1 keeping its session).
     */
    clientId: z.string().max(65_535).optional(),
    username: z.string().max(65_535).optional(),
    password: z.string().max(65_535).optional(),
    /**
     * MQTT 5 enhanced authentication: the user name and password are proved by this SCRAM exchange (AUTH packets)
     * instead of being sent in CONNECT, and the broker must prove it knows the password too.
     */
    authMethod: z.enum(AUTH_METHODS).optional(),
    /** 3 = MQTT 3.1, 4 = 3.1.1, 5 = 5.0. */
    protocolVersion: z.union([z.literal(3), z.literal(4), z.literal(5)]).default(5),
    /** Clean session (3.x) / clean start (5). */
    clean: z.boolean().default(true),
    /** MQTT 5: seconds the broker keeps the session after a disconnect. */
    sessionExpiryInterval: z.number().int().min(0).max(UINT32).optional(),
    keepalive: z.number().int().min(0).max(65_535).default(60),
    connectTimeoutMs: z.number().int().min(100).max(600_000).default(10_000),
    reconnect: ReconnectSchema.prefault({}),
    will: WillSchema.optional(),
    properties: ConnectPropertiesSchema.optional(),
    tls: TlsSchema.optional(),
    // QoS 2 so a message shows the QoS it was published with (delivery is at most the subscription's).
    subscriptions: z.array(SubscriptionSchema).max(1000).default([{ filter: '#', qos: 2 }]),
  })
  .strict();

export type ConnectArgs = z.input<typeof ConnectArgsSchema>;
export type TlsArgs = z.input<typeof TlsSchema>;

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'disconnected' | 'error';

/** What the broker said in its last CONNACK. */
export interface BrokerFacts {
  readonly sessionPresent: boolean;
  /** MQTT 5 reason code (0 = success); the return code for 3.x. */
  readonly reasonCode: number;
  readonly assignedClientIdentifier?: string;
  readonly serverKeepAlive?: number;
  readonly sessionExpiryInterval?: number;
  readonly maximumQoS?: Qos;
  readonly retainAvailable?: boolean;
  readonly wildcardSubscriptionAvailable?: boolean;
  readonly sharedSubscriptionAvailable?: boolean;
  readonly subscriptionIdentifiersAvailable?: boolean;
  readonly topicAliasMaximum?: number;
  readonly maximumPacketSize?: number;
  readonly receiveMaximum?: number;
  readonly reasonString?: string;
  readonly serverReference?: string;
  readonly responseInformation?: string;
  readonly userProperties?: readonly (readonly [string, string])[];
}

/** Where reconnecting stands. */
export interface ReconnectStatus {
  /** 1 for the first retry. */
  readonly attempt: number;
  /** 0 = no limit. */
  readonly maxAttempts: number;
  /** When the next try starts (ms since epoch); absent while that try is under way. */
  readonly nextAttemptAt?: number;
}

/** Where one subscription stands: asked for, granted by the broker's SUBACK, or refused with its reason. */
export interface SubscriptionStatus {
  readonly filter: string;
  readonly qos: Qos;
  readonly state: 'pending' | 'active' | 'refused';
  /** The SUBACK's reason code (the granted QoS when active). */
  readonly reasonCode?: number;
  /** Why the broker refused it, in words. */
  readonly reason?: string;
}

/** What the UI knows of one connection. */
/** A broker's CONNACK or DISCONNECT 0x9C (use another server) / 0x9D (server moved) that the connection followed. */
export interface ServerRedirect {
  /** The broker that sent us away. */
  readonly from: string;
  /** Where we went. */
  readonly to: string;
  /** The Server Reference as the broker wrote it. */
  readonly serverReference: string;
  readonly reasonCode: number;
  /** 0x9D: the move is for good, so reconnects keep going to `to`. */
  readonly permanent: boolean;
  /** What happened, as a sentence. */
  readonly reason: string;
  readonly at: number;
}

export interface ConnectionInfo {
  readonly connectionId: ConnectionId;
  readonly name: string;
  /** The live (or last tried) broker. */
  readonly url: string;
  /** Every broker in failover order. */
  readonly urls: readonly string[];
  readonly protocolVersion: 3 | 4 | 5;
  /** The client id in use: the broker's Assigned Client Identifier when it gave one; empty when it assigned one without saying (3.1.1). */
  readonly clientId: string;
  /** True when the broker chose the client id (it was sent empty). */
  readonly clientIdAssigned?: boolean;
  /** The user name this connection logs in with (never the password). */
  readonly username?: string;
  /** The MQTT 5 enhanced authentication method it proves the user with (e.g. SCRAM-SHA-256), if any. */
  readonly authMethod?: string;
  readonly state: ConnectionState;
  /** When the state last changed (ms since epoch). */
  readonly since: number;
  /** Why the connection is in 'error', 'disconnected' or 'reconnecting', when known. */
  readonly error?: ErrorData;
  readonly reconnect?: ReconnectStatus;
  /** From the last CONNACK. */
  readonly broker?: BrokerFacts;
  /** The last time a broker sent this connection to another server (MQTT 5 Server Reference), and why. */
  readonly redirect?: ServerRedirect;
  /** Publishes waiting for the connection to come back. */
  readonly queuedCount: number;
  /** Every subscription this connection makes, with the broker's verdict from the last SUBACK. */
  readonly subscriptions?: readonly SubscriptionStatus[];
}

export type PacketDirection = 'in' | 'out';

/** One MQTT control packet as sent or received. */
export interface PacketLogEntry {
  /** Increases by one per packet over the connection's life. */
  readonly seq: number;
  readonly time: number;
  readonly direction: PacketDirection;
  /** connect, connack, publish, puback, subscribe, suback, pingreq, disconnect, ... */
  readonly type: string;
  readonly packetId?: number;
  readonly qos?: number;
  readonly retain?: boolean;
  readonly dup?: boolean;
  readonly topic?: string;
  /** SUBSCRIBE/UNSUBSCRIBE filters. */
  readonly topics?: readonly string[];
  readonly reasonCode?: number;
  /** SUBACK/UNSUBACK granted QoS or reason codes. */
  readonly reasonCodes?: readonly number[];
  readonly payloadSize?: number;
  /** MQTT 5 properties (binary values as hex); CONNECT facts such as clientId, never the password. */
  readonly properties?: Readonly<Record<string, unknown>>;
}

export const PacketLogQuerySchema = z
  .object({
    connectionId: ConnectionIdSchema,
    types: z.array(z.string().max(20)).max(20).optional(),
    direction: z.enum(['in', 'out']).optional(),
    /** Case-insensitive match on type, topic, filters and properties. */
    text: z.string().max(1000).optional(),
    offset: z.number().int().min(0).default(0),
    limit: z.number().int().min(1).max(10_000).default(500),
  })
  .strict();

export interface PacketLogPage {
  /** Entries held now (the log keeps the newest ones). */
  readonly total: number;
  /** Entries passing the filter. */
  readonly matched: number;
  /** Entries pushed out of the bounded log so far. */
  readonly dropped: number;
  readonly entries: readonly PacketLogEntry[];
}

const ConnectionRefSchema = z.object({ connectionId: ConnectionIdSchema }).strict();

/** One line of a broker check: what, the answer, and how it was found out ('CONNACK property …', 'default (…)' or 'test: …'). */
export interface BrokerCheckLine {
  readonly name: string;
  readonly value: string;
  readonly how: string;
}

/** What a broker supports and how it behaves, as `topiary check` reports it. */
export interface BrokerCheckReport {
  readonly url: string;
  readonly lines: readonly BrokerCheckLine[];
}

export const connectionsRequests = {
  'connections.connect': request<ConnectionInfo>()(ConnectArgsSchema),
  'connections.disconnect': request<ConnectionInfo>()(ConnectionRefSchema),
  'connections.list': request<readonly ConnectionInfo[]>()(z.object({}).strict()),
  'connections.get': request<ConnectionInfo>()(ConnectionRefSchema),
  /**
   * Connects a connection that stopped (its session was taken over, or it gave up reconnecting) again, with the
   * same client id: this takes the session back from whoever holds it. Resolves once the broker accepted.
   */
  'connections.reconnect': request<ConnectionInfo>()(ConnectionRefSchema),
  /**
   * Proves the user again on a live connection that uses an enhanced authentication method (MQTT 5 AUTH 0x19).
   * Fails with AUTHENTICATION_FAILED when the broker refuses (it then closes the connection, which reconnects).
   */
  'connections.reauthenticate': request<ConnectionInfo>()(ConnectionRefSchema),
  /**
   * Opens a connection closed with Disconnect again, with the options it had (secrets included, kept in memory only);
   * the new connection has a new id. The last 20 closed connections are kept; NOT_FOUND for others.
   */
  'connections.reopen': request<ConnectionInfo>()(ConnectionRefSchema),
  /** Forgets a closed connection kept to be opened again (its entry left the list); a live one is left alone. */
  'connections.forget': request<Deleted>()(ConnectionRefSchema),
  'connections.listPacketLog': request<PacketLogPage>()(PacketLogQuerySchema),
  /** The filtered log as JSON lines (one entry per line), for saving to a file. */
  'connections.exportPacketLog': request<ExportedText>()(PacketLogQuerySchema.omit({ offset: true, limit: true })),
  /**
   * Checks what the connection's broker supports and how it behaves (`topiary check`): on short-lived connections of
   * its own with the same broker, credentials and TLS, beside this one, which it leaves alone. Takes some seconds.
   */
  'connections.checkBroker': request<BrokerCheckReport>()(ConnectionRefSchema),
} as const;

export interface ConnectionsEvents {
  readonly 'connections.statusChanged': ConnectionInfo;
}
