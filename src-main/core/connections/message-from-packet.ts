import type { IPublishPacket } from 'mqtt';
import type { MessageProperties, MessageView, Qos } from '../../../shared/ipc/common';

type UserProperties = Readonly<Record<string, string | string[]>>;

/** MQTT.js keeps user properties as an object of arrays; the contract keeps ordered pairs. */
export function userPropertiesToPairs(props: UserProperties): [string, string][] {
  const pairs: [string, string][] = [];
  for (const [key, value] of Object.entries(props)) {
    if (Array.isArray(value)) for (const v of value) pairs.push([key, v]);
    else pairs.push([key, value]);
  }
  return pairs;
}

export function pairsToUserProperties(pairs: readonly (readonly [string, string])[]): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [key, value] of pairs) {
    const existing = out[key];
    if (existing === undefined) out[key] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else out[key] = [existing, value];
  }
  return out;
}

function propertiesOf(packet: IPublishPacket): MessageProperties | undefined {
  const p = packet.properties;
  if (!p) return undefined;
  const out: { -readonly [K in keyof MessageProperties]: MessageProperties[K] } = {};
  if (p.payloadFormatIndicator !== undefined) out.payloadFormatIndicator = p.payloadFormatIndicator;
  if (p.messageExpiryInterval !== undefined) out.messageExpiryInterval = p.messageExpiryInterval;
  if (p.contentType !== undefined) out.contentType = p.contentType;
  if (p.responseTopic !== undefined) out.responseTopic = p.responseTopic;
  if (p.correlationData !== undefined) out.correlationData = new Uint8Array(p.correlationData);
  if (p.userProperties !== undefined) out.userProperties = userPropertiesToPairs(p.userProperties);
  if (p.topicAlias !== undefined) out.topicAlias = p.topicAlias;
  if (p.subscriptionIdentifier !== undefined) {
    out.subscriptionIdentifiers = Array.isArray(p.subscriptionIdentifier) ? p.subscriptionIdentifier : [p.subscriptionIdentifier];
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * The contract's view of a received PUBLISH. `topic` is the one MQTT.js resolved: a PUBLISH that uses a
 * Topic Alias the broker set up earlier carries an empty topic of its own.
 */
export function messageFromPacket(packet: IPublishPacket, receivedAt: number, topic: string = packet.topic): MessageView {
  const payload = typeof packet.payload === 'string' ? new TextEncoder().encode(packet.payload) : packet.payload;
  const properties = propertiesOf(packet);
  // Built without a spread: this runs for every received message, and a spread made two objects, not one.
  if (properties === undefined) return { topic, payload, qos: packet.qos as Qos, retain: packet.retain, dup: packet.dup, receivedAt };
  return { topic, payload, qos: packet.qos as Qos, retain: packet.retain, dup: packet.dup, receivedAt, properties };
}
