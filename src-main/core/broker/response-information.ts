/** The default start of the topics each client is told to build its response topics on. */
export const DEFAULT_RESPONSE_TOPIC_PREFIX = 'response/';

/**
 * The Response Information for a client that asked for it (MQTT 5 section 3.2.2.3.15): its own topic
 * under the broker's prefix, for it to build response topics on. Characters that would make it a
 * wildcard or split the client id into levels are percent-encoded, so every client id gets its own,
 * valid, distinct topic. Undefined when the prefix is empty (turned off).
 */
export function responseInformationFor(prefix: string, clientId: string): string | undefined {
  if (prefix === '') return undefined;
  return prefix + clientId.replace(/[%/+#\u0000]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}
