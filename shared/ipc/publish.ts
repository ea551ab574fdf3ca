import { z } from 'zod';
import { BytesSchema, ConnectionIdSchema, PublishPropertiesSchema, QosSchema, TopicNameSchema } from './common';
import { request } from './define';

/** The largest payload MQTT can carry in one packet (the remaining-length limit, less headers). */
export const MAX_PAYLOAD_BYTES = 268_435_455 - 65_535 - 8;

export const PublishArgsSchema = z
  .object({
    connectionId: ConnectionIdSchema,
    topic: TopicNameSchema,
    /** Text is sent as UTF-8; bytes as they are. */
    payload: z.union([z.string(), BytesSchema]).default(''),
    qos: QosSchema.default(0),
    retain: z.boolean().default(false),
    properties: PublishPropertiesSchema.optional(),
  })
  .strict();

export type PublishArgs = z.input<typeof PublishArgsSchema>;

export interface PublishResult {
  /** Packet id for QoS 1 and 2. */
  readonly packetId?: number;
  /** The broker's reason code from PUBACK or PUBREC (MQTT 5), 0 when accepted. */
  readonly reasonCode?: number;
  /** Milliseconds from sending to the final acknowledgement (0 for QoS 0). */
  readonly roundTripMs: number;
  /** True when the connection was down: the message waits in order and goes out on reconnect. */
  readonly queued?: boolean;
}

export const publishRequests = {
  'publish.send': request<PublishResult>()(PublishArgsSchema),
} as const;
