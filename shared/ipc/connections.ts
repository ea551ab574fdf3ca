import { z } from 'zod';
import { parseBrokerUrl } from '../mqtt/broker-url';
import type { ErrorData } from './errors';
import { ConnectionIdSchema, QosSchema, TopicFilterSchema, type ConnectionId } from './common';
import { issueCode, request } from './define';

export const BrokerUrlSchema = z.string({ message: 'A broker URL is required.' }).superRefine((url, ctx) => {
  const parsed = parseBrokerUrl(url);
  if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.message, ...issueCode('VALIDATION_ERROR') });
});

export const SubscriptionSchema = z.object({
  filter: TopicFilterSchema,
  qos: QosSchema.default(0),
});

export const ConnectArgsSchema = z
  .object({
    url: BrokerUrlSchema,
    /** A name the UI shows; the URL by default. */
    name: z.string().max(200).optional(),
    clientId: z.string().max(65_535).optional(),
    username: z.string().max(65_535).optional(),
    password: z.string().max(65_535).optional(),
    protocolVersion: z.union([z.literal(3), z.literal(4), z.literal(5)]).default(5),
    keepalive: z.number().int().min(0).max(65_535).default(60),
    connectTimeoutMs: z.number().int().min(100).max(600_000).default(10_000),
        // QoS 2 so a message shows the QoS it was published with (delivery is at most the subscription's).
    subscriptions: z.array(SubscriptionSchema).max(1000).default([{ filter: '#', qos: 2 }]),
  })
  .strict();

export type ConnectArgs = z.input<typeof ConnectArgsSchema>;

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'disconnected' | 'error';

/** What the UI knows of one connection. */
export interface ConnectionInfo {
  readonly connectionId: ConnectionId;
  readonly name: string;
  readonly url: string;
  readonly protocolVersion: 3 | 4 | 5;
  readonly state: ConnectionState;
  /** When the state last changed (ms since epoch). */
  readonly since: number;
  /** Why the connection is in 'error' or 'disconnected', when known. */
  readonly error?: ErrorData;
}

export const connectionsRequests = {
  'connections.connect': request<ConnectionInfo>()(ConnectArgsSchema),
  'connections.disconnect': request<ConnectionInfo>()(z.object({ connectionId: ConnectionIdSchema }).strict()),
  'connections.list': request<readonly ConnectionInfo[]>()(z.object({}).strict()),
} as const;

export interface ConnectionsEvents {
  readonly 'connections.statusChanged': ConnectionInfo;
}
