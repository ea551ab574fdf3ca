import { isSecureScheme, parseBrokerUrl, type BrokerUrl } from '../../../shared/mqtt/broker-url';

/** MQTT 5 reason codes that carry a Server Reference (CONNACK and DISCONNECT). */
export const USE_ANOTHER_SERVER = 0x9c;
export const SERVER_MOVED = 0x9d;

const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[^\s/:[\]]+)(?::(\d{1,5}))?$/;

/** Where a Server Reference sends the client, or why it cannot be followed. */
export type ReferenceTarget = { readonly ok: true; readonly url: BrokerUrl } | { readonly ok: false; readonly message: string };

/**
 * Reads a Server Reference (MQTT 5 section 4.11): one or more servers separated by spaces, each a broker URL
 * or `host[:port]`; the first usable one wins. A bare host keeps the current scheme, port and path. A
 * reference never takes an encrypted connection to a plain one: the credentials would go out in clear.
 */
export function resolveServerReference(reference: string, current: BrokerUrl): ReferenceTarget {
  const encrypted = isSecureScheme(current.scheme);
  let refusal: string | undefined;
  for (const entry of reference.trim().split(/\s+/)) {
    if (entry === '') continue;
    if (entry.includes('://')) {
      const parsed = parseBrokerUrl(entry);
      if (!parsed.ok) {
        refusal ??= parsed.message;
        continue;
      }
      if (encrypted && !isSecureScheme(parsed.url.scheme)) {
        refusal ??= `"${entry}" would move an encrypted connection to an unencrypted one, so it is not followed.`;
        continue;
      }
      return { ok: true, url: parsed.url };
    }
    const m = HOST_PORT.exec(entry);
    const port = m?.[2] === undefined ? current.port : Number(m[2]);
    if (!m || port < 1 || port > 65535) {
      refusal ??= `"${entry}" is neither host[:port] nor a broker URL.`;
      continue;
    }
    return { ok: true, url: { scheme: current.scheme, host: m[1] as string, port, path: current.path } };
  }
  return { ok: false, message: refusal ?? 'The Server Reference is empty.' };
}
