import type { QoS } from './types';

/** User properties kept as ordered pairs so they are forwarded untouched, duplicates included. */
export type UserPropertyPairs = readonly (readonly [string, string])[];

/** The v5 PUBLISH properties a broker forwards (Topic Alias and Subscription Identifier are per-hop). */
export interface ForwardedProperties {
  readonly payloadFormatIndicator?: number;
  readonly contentType?: string;
  readonly responseTopic?: string;
  readonly correlationData?: Buffer;
  readonly userProperties?: UserPropertyPairs;
}

/** An application message as routed inside the broker. */
export interface Message {
  readonly topic: string;
  readonly payload: Buffer;
  readonly qos: QoS;
  readonly retain: boolean;
  readonly properties: ForwardedProperties | undefined;
  /** Epoch ms after which the message must not be delivered; undefined = never expires. */
  readonly expiresAt: number | undefined;
  /** Client id of the publisher, for No Local; undefined for broker-generated messages. */
  readonly origin: string | undefined;
  /** Encoded forms reused across subscribers (QoS 0, no per-subscriber properties). */
  encodedCache?: Buffer[];
  topicBytes?: Buffer;
}

/** Creates a message, computing the absolute expiry from a v5 Message Expiry Interval. */
export function createMessage(
  topic: string,
  payload: Buffer,
  qos: QoS,
  retain: boolean,
  properties: ForwardedProperties | undefined,
  expiryInterval: number | undefined,
  origin: string | undefined,
  now: number,
): Message {
  return {
    topic,
    payload,
    qos,
    retain,
    properties,
    expiresAt: expiryInterval === undefined ? undefined : now + expiryInterval * 1000,
    origin,
  };
}

/** Converts mqtt-packet's user property object into ordered pairs. */
export function userPropertiesToPairs(props: Record<string, string | string[]> | undefined): UserPropertyPairs | undefined {
  if (!props) return undefined;
  const pairs: [string, string][] = [];
  for (const [k, v] of Object.entries(props)) {
    if (Array.isArray(v)) for (const item of v) pairs.push([k, item]);
    else pairs.push([k, v]);
  }
  return pairs;
}
