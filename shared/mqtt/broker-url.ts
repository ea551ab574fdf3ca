// Parsed without the WHATWG URL class: shared/ has no DOM or Node globals, and URL treats
// mqtt:// as an opaque scheme anyway.

/** mqtt-udp and mqtts-dtls carry MQTT over datagrams (reliable UDP, and DTLS 1.2 on it) for lossy links. */
export type BrokerScheme = 'mqtt' | 'mqtts' | 'ws' | 'wss' | 'mqtt-udp' | 'mqtts-dtls';

const SCHEMES: readonly BrokerScheme[] = ['mqtt', 'mqtts', 'ws', 'wss', 'mqtt-udp', 'mqtts-dtls'];

/** Whether the scheme is encrypted (needs TLS or DTLS settings). */
export function isSecureScheme(scheme: BrokerScheme): boolean {
  return scheme === 'mqtts' || scheme === 'wss' || scheme === 'mqtts-dtls';
}

/** Whether the scheme runs over datagrams rather than a TCP stream. */
export function isDatagramScheme(scheme: BrokerScheme): boolean {
  return scheme === 'mqtt-udp' || scheme === 'mqtts-dtls';
}

export interface BrokerUrl {
  readonly scheme: BrokerScheme;
  readonly host: string;
  readonly port: number;
  /** WebSocket path, '/mqtt' by default; empty for TCP schemes. */
  readonly path: string;
}

export type BrokerUrlResult = { readonly ok: true; readonly url: BrokerUrl } | { readonly ok: false; readonly message: string };

const DEFAULT_PORTS: Readonly<Record<BrokerScheme, number>> = { mqtt: 1883, mqtts: 8883, ws: 80, wss: 443, 'mqtt-udp': 1883, 'mqtts-dtls': 8883 };
const PATTERN = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/(\[[0-9a-fA-F:.]+\]|[^/:?#\s]+)(?::(\d*))?([^?#\s]*)?$/;

/** Parses a broker address such as mqtt://host:1883 or wss://host/mqtt. */
export function parseBrokerUrl(text: string): BrokerUrlResult {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: false, message: 'Enter a broker URL, for example mqtt://localhost:1883.' };
  if (!trimmed.includes('://')) {
    return { ok: false, message: `"${trimmed}" has no scheme; write it as mqtt://${trimmed} (or mqtts://, ws://, wss://).` };
  }
  const match = PATTERN.exec(trimmed);
  if (!match) return { ok: false, message: `"${trimmed}" is not a valid broker URL; expected something like mqtt://host:1883.` };
  const scheme = (match[1] ?? '').toLowerCase();
  if (!isScheme(scheme)) {
    return { ok: false, message: `Unsupported scheme "${scheme}://"; use mqtt://, mqtts://, ws://, wss://, mqtt-udp:// or mqtts-dtls://.` };
  }
  const host = match[2] ?? '';
  const portText = match[3];
  let port = DEFAULT_PORTS[scheme];
  if (portText !== undefined) {
    port = Number(portText);
    if (portText === '' || !Number.isInteger(port) || port < 1 || port > 65535) {
      return { ok: false, message: `Port "${portText}" is not valid; use a number from 1 to 65535.` };
    }
  }
  const rawPath = match[4] ?? '';
  const isWebSocket = scheme === 'ws' || scheme === 'wss';
  if (!isWebSocket && rawPath !== '' && rawPath !== '/') {
    return { ok: false, message: `A path ("${rawPath}") only makes sense for ws:// and wss:// URLs.` };
  }
  const path = isWebSocket ? (rawPath === '' ? '/mqtt' : rawPath) : '';
  return { ok: true, url: { scheme, host, port, path } };
}

function isScheme(s: string): s is BrokerScheme {
  return (SCHEMES as readonly string[]).includes(s);
}

/** The canonical text of a parsed URL. */
export function formatBrokerUrl(url: BrokerUrl): string {
  return `${url.scheme}://${url.host}:${url.port}${url.path}`;
}
