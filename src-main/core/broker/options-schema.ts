import { contractError } from '../../../shared/ipc/errors';
import { z } from 'zod';
import { SCRAM_MAX_ITERATIONS, SCRAM_MECHANISMS, SCRAM_MIN_ITERATIONS } from '../auth/scram';
import type { BrokerOptions } from './broker';

const port = z.number().int().min(0).max(65535);
const tls = {
  key: z.string(),
  cert: z.string(),
  ca: z.string().optional(),
  requireClientCertificate: z.boolean().optional(),
  useCertificateCnAsUsername: z.boolean().optional(),
};

const udpTuning = z
  .object({
    mtu: z.number().int().min(64).max(65_507).optional(),
    initialRtoMs: z.number().int().min(1).max(60_000).optional(),
    maxRtoMs: z.number().int().min(1).max(600_000).optional(),
    maxAttempts: z.number().int().min(1).max(1_000).optional(),
    idleTimeoutMs: z.number().int().min(1_000).max(86_400_000).optional(),
    maxSessions: z.number().int().min(1).max(1_000_000).optional(),
  })
  .strict();

/** The "moved" setting: where clients are sent, and whether for good. */
export const movedSchema = z
  .object({
    serverReference: z
      .string()
      .trim()
      .min(1, 'a server reference names at least one server')
      .max(1024)
      .refine((s) => !s.includes('\u0000'), 'a server reference must not contain NUL'),
    permanent: z.boolean().optional(),
  })
  .strict();

/** Runtime schema for broker options coming from a JSON file or across the app contract. */
export const brokerOptionsSchema = z.object({
  listeners: z
    .array(
      z.discriminatedUnion('kind', [
        z.object({ kind: z.literal('tcp'), port, host: z.string().optional() }),
        z.object({ kind: z.literal('tls'), port, host: z.string().optional(), ...tls }),
        z.object({ kind: z.literal('ws'), port, host: z.string().optional(), path: z.string().optional() }),
        z.object({ kind: z.literal('wss'), port, host: z.string().optional(), path: z.string().optional(), ...tls }),
        z.object({ kind: z.literal('udp'), port, host: z.string().optional(), udp: udpTuning.optional() }),
        z.object({
          kind: z.literal('dtls'),
          port,
          host: z.string().optional(),
          key: z.string().optional(),
          cert: z.string().optional(),
          psk: z.record(z.string(), z.string().regex(/^(?:[0-9a-fA-F]{2}){1,64}$/, 'a PSK is 1–64 bytes in hex')).optional(),
          udp: udpTuning.optional(),
        }),
      ]),
    )
    .optional(),
  allowAnonymous: z.boolean().optional(),
  users: z
    .array(
      z.object({
        username: z.string(),
        passwordHash: z.string(),
        scram: z
          .array(
            z.object({
              mechanism: z.enum(SCRAM_MECHANISMS),
              salt: z.string(),
              iterations: z.number().int().min(SCRAM_MIN_ITERATIONS).max(SCRAM_MAX_ITERATIONS),
              storedKey: z.string(),
              serverKey: z.string(),
            }),
          )
          .optional(),
        authMethods: z.array(z.enum(['password', ...SCRAM_MECHANISMS])).optional(),
      }),
    )
    .optional(),
  enhancedAuthMethods: z.array(z.enum(SCRAM_MECHANISMS)).optional(),
  passwordFile: z.string().optional(),
  acl: z
    .array(
      z.object({
        scope: z.enum(['anonymous', 'user', 'pattern', 'client']),
        subject: z.string().optional(),
        access: z.enum(['read', 'write', 'readwrite', 'deny']),
        topic: z.string(),
      }),
    )
    .optional(),
  aclFile: z.string().optional(),
  limits: z
    .object({
      maxConnections: z.number().int().positive().optional(),
      connectTimeout: z.number().positive().max(3600).optional(),
      maxPacketSize: z.number().int().min(64).optional(),
      maxInflight: z.number().int().min(1).max(65535).optional(),
      maxQueued: z.number().int().min(0).optional(),
      maxQueuedBytes: z.number().int().min(0).optional(),
      maxMessageRate: z.number().int().positive().optional(),
      maxConnectionRate: z.number().int().positive().optional(),
      maxKeepalive: z.number().int().min(1).max(65535).optional(),
      topicAliasMaximum: z.number().int().min(0).max(65535).optional(),
      maximumQos: z.union([z.literal(0), z.literal(1), z.literal(2)]).optional(),
      retainAvailable: z.boolean().optional(),
    })
    .optional(),
  sysInterval: z.number().min(0).optional(),
  persistentClientExpiration: z.number().int().min(0).optional(),
  protocolVersions: z.array(z.union([z.literal(3), z.literal(4), z.literal(5)])).optional(),
  sessionOwnerMismatch: z.enum(['start-clean', 'refuse']).optional(),
  sendTopicAliases: z.boolean().optional(),
  responseTopicPrefix: z
    .string()
    .refine((p) => !/[+#\u0000]/.test(p), 'a response topic prefix must not contain + # or NUL')
    .optional(),
  moved: movedSchema.optional(),
  version: z.string().optional(),
});

/** The headless broker's `persistence` section: where and how it keeps state on disk. */
export const persistenceConfigSchema = z
  .object({
    /** Folder for the snapshot and journal (created 0700). */
    dir: z.string().min(1),
    /** Also flush each commit to the disk itself (survives power loss); slower. */
    fsync: z.boolean().optional(),
  })
  .strict();

export type PersistenceConfig = z.infer<typeof persistenceConfigSchema>;

/** Validates a config file's persistence section. */
export function parsePersistenceConfig(input: unknown): PersistenceConfig {
  const r = persistenceConfigSchema.safeParse(input);
  if (!r.success) {
    const issue = r.error.issues[0];
    const where = ['persistence', ...(issue?.path ?? [])].join('.');
    throw contractError('BROKER_CONFIG_INVALID', `Broker setting "${where}" is invalid: ${issue?.message ?? 'unknown problem'}.`, { issues: r.error.issues });
  }
  return r.data;
}

/** Validates untrusted options; the error names the first bad field. */
export function parseBrokerOptions(input: unknown): BrokerOptions {
  const r = brokerOptionsSchema.safeParse(input);
  if (!r.success) {
    const issue = r.error.issues[0];
    const where = issue?.path.join('.') || 'options';
    throw contractError('BROKER_CONFIG_INVALID', `Broker setting "${where}" is invalid: ${issue?.message ?? 'unknown problem'}.`, { issues: r.error.issues });
  }
  return r.data as BrokerOptions;
}
