import { parseBrokerUrl } from '../../../../shared/mqtt/broker-url';

/** What the quick-connect field holds: one broker, or several tried in order (failover). */
export type BrokerUrlList = { readonly ok: true; readonly url: string; readonly urls: readonly string[] } | { readonly ok: false; readonly message: string };

/** Reads "mqtt://a:1883, mqtt://b:1883" as a failover list; the first is tried first. */
export function parseBrokerUrlList(text: string): BrokerUrlList {
  const parts = text
    .split(/[,\s]+/)
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
  if (parts.length === 0) return parseBrokerUrl(text) as { ok: false; message: string };
  for (const part of parts) {
    const checked = parseBrokerUrl(part);
    if (!checked.ok) return parts.length > 1 ? { ok: false, message: `In the failover list: ${checked.message}` } : checked;
  }
  const unique = [...new Set(parts)];
  if (unique.length !== parts.length) return { ok: false, message: 'The failover list names a broker twice; list each broker once.' };
  const [url, ...rest] = unique as [string, ...string[]];
  return { ok: true, url, urls: rest };
}
