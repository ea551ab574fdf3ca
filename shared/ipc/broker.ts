import { z } from 'zod';
import { parseBridgeTopicLines } from '../mqtt/bridge-topics';
import { TopicNameSchema, type Deleted, type ExportedText } from './common';
import { BrokerUrlSchema } from './connections';
import { request } from './define';

const PortSchema = z.number().int().min(0, 'Port must be 0 (a free one) or 1–65535.').max(65_535, 'Port must be 0 (a free one) or 1–65535.');
const BindHostSchema = z.string().min(1).max(255).default('127.0.0.1');

/** One listener of the embedded broker; port 0 picks a free one at each start. */
export const BrokerListenerSettingsSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('tcp'), port: PortSchema, host: BindHostSchema }).strict(),
  z.object({ kind: z.literal('ws'), port: PortSchema, host: BindHostSchema, path: z.string().startsWith('/').default('/mqtt') }).strict(),
  /** MQTT over reliable UDP (mqtt-udp://), for devices on lossy links. */
  z
    .object({
      kind: z.literal('udp'),
      port: PortSchema,
      host: BindHostSchema,
      /** A session that hears nothing for this long is forgotten; keep clients' keep-alive below it. */
      idleTimeoutSeconds: z.number().int().min(1, 'The idle timeout is at least 1 second.').max(86_400, 'The idle timeout is at most a day (86,400 s).').default(60),
    })
    .strict(),
  /**
   * MQTT over reliable UDP inside DTLS 1.2 (mqtts-dtls://), secured with a server certificate from the store and with
   * the broker users' pre-shared keys (`pskIdentities`); without a server identity it takes pre-shared keys only.
   */
  z
    .object({
      kind: z.literal('dtls'),
      port: PortSchema,
      host: BindHostSchema,
      /** A server identity (EC P-256 or RSA) from the store; empty: pre-shared keys only. */
      serverIdentityId: z.string().max(200).default(''),
      idleTimeoutSeconds: z.number().int().min(1, 'The idle timeout is at least 1 second.').max(86_400, 'The idle timeout is at most a day (86,400 s).').default(60),
    })
    .strict(),
  z
    .object({
      kind: z.literal('tls'),
      port: PortSchema,
      host: BindHostSchema,
      /** A server identity from the certificate store. */
      serverIdentityId: z.string().min(1, 'Pick a server identity (a certificate with its key) for this TLS listener.'),
      /** A trusted CA from the store that client certificates must chain to. */
      clientCaId: z.string().min(1).optional(),
      requireClientCertificate: z.boolean().default(false),
      useCertificateCnAsUsername: z.boolean().default(false),
    })
    .strict(),
  z
    .object({
      kind: z.literal('wss'),
      port: PortSchema,
      host: BindHostSchema,
      path: z.string().startsWith('/').default('/mqtt'),
      serverIdentityId: z.string().min(1, 'Pick a server identity (a certificate with its key) for this TLS listener.'),
      clientCaId: z.string().min(1).optional(),
      requireClientCertificate: z.boolean().default(false),
      useCertificateCnAsUsername: z.boolean().default(false),
    })
    .strict(),
]);

export type BrokerListenerSettings = z.output<typeof BrokerListenerSettingsSchema>;

/** A bridge to a remote broker; its topics are mosquitto `topic` lines. */
export const BridgeSettingsSchema = z
  .object({
    name: z.string().trim().min(1, 'Give the bridge a name.').max(100),
    enabled: z.boolean().default(true),
    remoteUrl: BrokerUrlSchema,
    /** One rule a line: pattern [in|out|both [qos [local-prefix remote-prefix]]]. */
    topics: z.string().max(100_000).superRefine((text, ctx) => {
      const parsed = parseBridgeTopicLines(text);
      if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.message });
      else if (parsed.topics.length === 0) ctx.addIssue({ code: 'custom', message: 'A bridge needs at least one topic line, such as: sensors/# in 1' });
    }),
    protocolVersion: z.union([z.literal(4), z.literal(5)]).default(5),
    clientId: z.string().max(200).optional(),
    username: z.string().max(65_535).optional(),
    /** Given to set or change it; never returned. Sealed by the secret store before it is saved. */
    password: z.string().max(65_535).optional(),
    /** Set by the core: a password is stored for this bridge. */
    passwordStored: z.boolean().optional(),
    rejectUnauthorized: z.boolean().default(true),
  })
  .strict();

export type BridgeSettings = z.output<typeof BridgeSettingsSchema>;

export interface BridgeStatusRow {
  readonly name: string;
  readonly remoteUrl: string;
  readonly state: 'connecting' | 'connected' | 'reconnecting' | 'stopped';
  readonly forwardedIn: number;
  readonly forwardedOut: number;
  /** Local messages not forwarded: QoS 0 while the link was down, QoS 1/2 past the pending limit or refused by the remote. */
  readonly droppedOut: number;
  readonly lastError: string | null;
}

/** How a broker user may sign in: a password in CONNECT, or a SCRAM exchange (MQTT 5 enhanced authentication). */
export const USER_AUTH_METHODS = ['password', 'SCRAM-SHA-1', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;
export type UserAuthMethodName = (typeof USER_AUTH_METHODS)[number];
const UserAuthMethodSchema = z.enum(USER_AUTH_METHODS);

/** One user's SCRAM keys for one mechanism (RFC 5802: salt, iterations, StoredKey, ServerKey, base64). */
const ScramCredentialSchema = z
  .object({
    mechanism: z.enum(['SCRAM-SHA-1', 'SCRAM-SHA-256', 'SCRAM-SHA-512']),
    salt: z.string().min(1).max(200),
    iterations: z.number().int().min(4096).max(1_000_000),
    storedKey: z.string().min(1).max(200),
    serverKey: z.string().min(1).max(200),
  })
  .strict();

/** A DTLS PSK identity as it travels in the ClientKeyExchange: printable, without spaces, at most 128 characters. */
const PskIdentitySchema = z
  .string()
  .min(1, 'A PSK identity is required.')
  .max(128, 'A PSK identity is at most 128 characters.')
  .regex(/^[\x21-\x7e]+$/, 'A PSK identity is printable ASCII without spaces, such as sensor-1.');

/** A DTLS pre-shared key: 1–64 bytes written in hex (TLS_PSK_WITH_AES_128_GCM_SHA256). */
const PskKeySchema = z
  .string()
  .regex(/^(?:[0-9a-fA-F]{2}){1,64}$/, 'A pre-shared key is 1–64 bytes written in hex (an even number of 0–9 and a–f, at most 128 of them), such as 00112233445566778899aabbccddeeff.');

export const BrokerSettingsSchema = z
  .object({
    /** Start the broker with the app (and connect to it). */
    autoStart: z.boolean().default(true),
    listeners: z.array(BrokerListenerSettingsSchema).min(1, 'The broker needs at least one listener.').max(16).default([{ kind: 'tcp', port: 0, host: '127.0.0.1' }]),
    allowAnonymous: z.boolean().default(true),
    persistence: z.enum(['memory', 'disk']).default('memory'),
    sysIntervalSeconds: z.number().int().min(0).max(3600).default(10),
    /**
     * Users as mosquitto password-file hashes (PBKDF2-SHA512, salted) and SCRAM's salted keys; never a plain
     * password. A user without the password method has an empty hash.
     */
    users: z
      .array(
        z
          .object({
            username: z.string().min(1).max(65_535),
            passwordHash: z.string().regex(/^(\$[67]\$|$)/, 'A password hash must be in mosquitto\'s $6$ or $7$ format.'),
            scram: z.array(ScramCredentialSchema).max(3).optional(),
            /** The methods this user may use; absent: the password, and each SCRAM mechanism with keys. */
            authMethods: z.array(UserAuthMethodSchema).min(1).max(4).optional(),
          })
          .strict(),
      )
      .max(10_000)
      .default([]),
    /**
     * DTLS pre-shared key identities and the user each belongs to (a DTLS session with one signs in as that user). The
     * keys are sealed by the secret store and kept apart from the settings; they are never sent back, only that they are set.
     * Managed with broker.setPsk and broker.deletePsk: broker.saveSettings keeps the list as it is.
     */
    pskIdentities: z
      .array(z.object({ identity: PskIdentitySchema, username: z.string().min(1).max(65_535) }).strict())
      .max(10_000)
      .default([]),
    /** ACL rules; none means every client may read and write everything (as mosquitto without an acl_file). */
    acl: z
      .array(
        z
          .object({
            scope: z.enum(['anonymous', 'user', 'pattern', 'client']),
            subject: z.string().max(65_535).optional(),
            access: z.enum(['read', 'write', 'readwrite', 'deny']),
            topic: z.string().min(1).max(65_535),
          })
          .strict(),
      )
      .max(10_000)
      .default([]),
    bridges: z
      .array(BridgeSettingsSchema)
      .max(50)
      .default([])
      .refine((list) => new Set(list.map((b) => b.name)).size === list.length, 'Each bridge needs its own name.'),
    limits: z
      .object({
        maxConnections: z.number().int().positive().optional(),
        maxPacketSize: z.number().int().min(64).max(268_435_455).optional(),
        maxInflight: z.number().int().min(1).max(65_535).optional(),
        maxQueued: z.number().int().min(0).optional(),
        maxQueuedBytes: z.number().int().min(0).optional(),
        maxMessageRate: z.number().int().positive().optional(),
      })
      .strict()
      .default({}),
  })
  .strict();

export type BrokerSettings = z.output<typeof BrokerSettingsSchema>;

/**
 * For testing clients: the broker sends every client to another server (MQTT 5 Server Reference). New
 * connections are refused with 0x9C (0x9D when permanent) and connected ones disconnected the same way.
 * Not saved: a restart of the app ends it.
 */
export const MovedSettingSchema = z
  .object({
    serverReference: z
      .string()
      .trim()
      .min(1, 'Name at least one server to send clients to, such as otherhost:1883.')
      .max(1024, 'A server reference is at most 1,024 characters.'),
    permanent: z.boolean().default(false),
  })
  .strict();

export type MovedSetting = z.output<typeof MovedSettingSchema>;

export interface BrokerListenerStatus {
  readonly kind: BrokerListenerSettings['kind'];
  readonly host: string;
  readonly port: number;
  readonly url: string;
  /** Bound beyond this machine: the UI warns. */
  readonly exposed: boolean;
}

export interface BrokerStatus {
  readonly running: boolean;
  readonly startedAt: number | null;
  readonly listeners: readonly BrokerListenerStatus[];
  readonly settings: BrokerSettings;
  readonly bridges: readonly BridgeStatusRow[];
  /** Why the last start failed, if it did. */
  readonly error: { readonly code: string; readonly message: string } | null;
  /** Set while the broker sends clients elsewhere (`broker.setMoved`). */
  readonly moved?: MovedSetting;
}

export interface BrokerClientRow {
  readonly clientId: string;
  readonly username?: string;
  readonly remoteAddress: string;
  readonly listener: string;
  readonly protocolVersion: 3 | 4 | 5;
  readonly keepalive: number;
  readonly connectedSince: number;
  readonly subscriptions: readonly string[];
  readonly inflight: number;
  readonly queued: number;
  /** QoS 1/2 messages dropped for this client because its queue was full. */
  readonly dropped: number;
}

export interface BrokerRetainedRow {
  readonly topic: string;
  readonly size: number;
  readonly qos: 0 | 1 | 2;
  readonly storedAt: number;
  readonly preview: string;
}

/** Totals, sampled once a second while the broker runs; the UI charts their differences as rates. */
export interface BrokerStatsSample {
  readonly at: number;
  readonly clientsConnected: number;
  readonly messagesReceived: number;
  readonly messagesSent: number;
  readonly bytesReceived: number;
  readonly bytesSent: number;
  readonly subscriptions: number;
  readonly retained: number;
  readonly dropped: number;
  /** QoS 1/2 messages dropped because a session's queue was full (part of dropped); absent from older samples. */
  readonly queueOverflow?: number;
}

export interface BrokerLogEntry {
  readonly at: number;
  readonly type: 'client.connected' | 'client.disconnected' | 'auth.failed' | 'protocol.error' | 'message.dropped';
  readonly clientId?: string;
  readonly text: string;
}

/** What the quick local TLS action made. */
export interface QuickTlsResult {
  readonly status: BrokerStatus;
  /** The profile's broker URL (mqtts://localhost:port). */
  readonly url: string;
  readonly profileId: string;
  readonly caId: string;
  readonly serverIdentityId: string;
  readonly clientIdentityId: string;
}

/** A proposed users/ACL/anonymous change, previewed before it is applied; absent fields stay as they are. */
export const AccessChangeSchema = z
  .object({
    /** The new ACL in mosquitto's acl_file format (an empty text removes it). */
    aclText: z.string().max(10_000_000).optional(),
    allowAnonymous: z.boolean().optional(),
    /** A user about to be removed. */
    deleteUser: z.string().max(65_535).optional(),
  })
  .strict();

export type AccessChange = z.output<typeof AccessChangeSchema>;

/** One connected client that the proposed change would deny something it uses now. */
export interface AccessLoss {
  readonly clientId: string;
  readonly username?: string;
  /** Set when this is one of Topiary's own connections: its name, as the connection list shows it. */
  readonly topiaryConnection?: string;
  /** The broker would refuse its next connect (anonymous login off, or its user removed): why. */
  readonly refusedAtConnect?: string;
  /** Its subscriptions the new rules would refuse; it stops receiving on them at once. */
  readonly deniedSubscriptions: readonly string[];
  /** Topics it published to (the latest few the broker saw) that the new rules would refuse. */
  readonly deniedPublishes: readonly string[];
}

export interface AccessPreview {
  readonly losses: readonly AccessLoss[];
  /** True when one of Topiary's own connections is among the losses. */
  readonly topiaryAffected: boolean;
}

const Empty = z.object({}).strict();

export const brokerRequests = {
  'broker.getStatus': request<BrokerStatus>()(Empty),
  'broker.start': request<BrokerStatus>()(Empty),
  'broker.stop': request<BrokerStatus>()(Empty),
  'broker.restart': request<BrokerStatus>()(Empty),
  /** Saves settings; a running broker restarts with them. */
  'broker.saveSettings': request<BrokerStatus>()(z.object({ settings: BrokerSettingsSchema }).strict()),
  'broker.listClients': request<readonly BrokerClientRow[]>()(Empty),
  'broker.disconnectClient': request<{ readonly disconnected: boolean }>()(z.object({ clientId: z.string().max(65_535) }).strict()),
  'broker.listRetained': request<{ readonly total: number; readonly rows: readonly BrokerRetainedRow[] }>()(
    z.object({ prefix: z.string().max(65_535).default(''), limit: z.number().int().min(1).max(5000).default(500) }).strict(),
  ),
  'broker.deleteRetained': request<Deleted>()(z.object({ topic: TopicNameSchema, subtree: z.boolean().default(false) }).strict()),
  'broker.listLog': request<readonly BrokerLogEntry[]>()(z.object({ limit: z.number().int().min(1).max(5000).default(500) }).strict()),
  'broker.listStats': request<readonly BrokerStatsSample[]>()(Empty),
  /** Adds a user or changes its password; the core stores only a salted hash. */
  'broker.setUser': request<BrokerStatus>()(z.object({ username: z.string().min(1, 'A user name is required.').max(65_535).refine((u) => !u.includes(':'), 'A user name cannot contain ":".'), password: z.string().min(1, 'A password is required.').max(65_535), authMethods: z.array(UserAuthMethodSchema).min(1, 'Choose at least one way to sign in.').max(4).optional() }).strict()),
  'broker.deleteUser': request<Deleted>()(z.object({ username: z.string().max(65_535) }).strict()),
  /** Reads a mosquitto password file (user:$7$… lines) and adds or replaces those users. */
  /**
   * Gives a user a DTLS pre-shared key under an identity (adds it, or replaces that identity's key). The key is sealed
   * by the secret store at once and never returned; a running broker's DTLS listeners accept it without a restart.
   */
  'broker.setPsk': request<BrokerStatus>()(z.object({ username: z.string().min(1, 'Name the user the key belongs to.').max(65_535), identity: PskIdentitySchema, key: PskKeySchema }).strict()),
  /** Removes a DTLS pre-shared key; new handshakes with its identity are refused with unknown_psk_identity. */
  'broker.deletePsk': request<Deleted>()(z.object({ identity: PskIdentitySchema }).strict()),
  'broker.importUsers': request<{ readonly imported: number; readonly warnings: readonly string[]; readonly status: BrokerStatus }>()(z.object({ text: z.string().max(10_000_000) }).strict()),
  'broker.exportUsers': request<ExportedText>()(Empty),
  /** Replaces the ACL with rules in mosquitto's acl_file format (an empty text removes it). */
  'broker.setAcl': request<BrokerStatus>()(z.object({ text: z.string().max(10_000_000) }).strict()),
  'broker.exportAcl': request<ExportedText>()(Empty),
  /** Who would lose which access (connected clients, Topiary's own connections among them) if this change were applied; changes nothing. */
  'broker.previewAccess': request<AccessPreview>()(z.object({ change: AccessChangeSchema }).strict()),
  /** Sends every client to another server (null: stop), at once and without a restart; see MovedSettingSchema. */
  'broker.setMoved': request<BrokerStatus>()(z.object({ moved: MovedSettingSchema.nullable() }).strict()),
  /** Local CA + server and client certificates, a TLS listener, and a profile that trusts the CA. */
  'broker.createQuickTls': request<QuickTlsResult>()(Empty),
} as const;

export interface BrokerEvents {
  readonly 'broker.statusChanged': BrokerStatus;
  /** One sample a second while running. */
  readonly 'broker.statsSampled': BrokerStatsSample;
  /** Log entries, batched. */
  readonly 'broker.logged': readonly BrokerLogEntry[];
}
