import { TopiaryError } from '../../../shared/ipc/errors';
import { parseBrokerUrl, type BrokerUrl } from '../../../shared/mqtt/broker-url';

/** A connection's brokers: `url` first, then `urls` in order, without repeats; a URL that does not parse is a validation error. */
export function brokerList(args: { readonly url: string; readonly urls?: readonly string[] | undefined }): BrokerUrl[] {
  const seen = new Set<string>();
  const out: BrokerUrl[] = [];
  for (const text of [args.url, ...(args.urls ?? [])]) {
    const parsed = parseBrokerUrl(text);
    if (!parsed.ok) throw new TopiaryError('VALIDATION_ERROR', parsed.message);
    const key = `${parsed.url.scheme}://${parsed.url.host}:${parsed.url.port}${parsed.url.path}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(parsed.url);
  }
  return out;
}
