// MQTT.js over the datagram transports (mqtt-udp://, mqtts-dtls://). MQTT.js knows only stream schemes; it builds
// each connection's stream through one builder function, so ours answers for the datagram schemes and hands every
// other scheme back to MQTT.js. The target travels on the client's options, which the core re-aims before each
// (re)connect, so failover between a TCP and a UDP broker works as between two TCP ones.
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Duplex } from 'node:stream';
import { connectReliableUdpSession } from './udp/reliable-udp-endpoint';
import type { ReliableUdpOptions } from './udp/reliable-udp-session';

/** Where and how a datagram connection goes. */
export interface DatagramTarget {
  readonly scheme: 'mqtt-udp' | 'mqtts-dtls';
  readonly host: string;
  readonly port: number;
  readonly udp?: Partial<ReliableUdpOptions>;
  /** mqtts-dtls only: how the DTLS session is secured. */
  readonly dtls?: DtlsClientSecurity;
}

/** The client side of DTLS: the server's certificate checked against CAs, or a pre-shared key. */
export interface DtlsClientSecurity {
  /** PEM CAs the server's certificate must chain to; the system's are not used (DTLS servers are mostly private). */
  readonly ca?: string | Buffer | readonly (string | Buffer)[];
  readonly rejectUnauthorized: boolean;
  readonly servername?: string;
  /** A pre-shared key (hex) and its identity: the session uses TLS_PSK_WITH_AES_128_GCM_SHA256 and no certificate. */
  readonly pskIdentity?: string;
  readonly psk?: string;
}

const TARGET_KEY = 'topiaryDatagramTarget';

/**
 * The DTLS endpoint, loaded on first use: werift-dtls and its ciphers take about 0.4 s of CPU to load, which every
 * `topiary` command, web host and library import would pay for a transport few connections use. MQTT.js builds its
 * stream synchronously, so a connection to an mqtts-dtls:// broker awaits `loadDtlsTransport()` before it starts.
 */
let dtlsEndpoint: typeof import('./dtls/dtls-endpoint') | undefined;

export async function loadDtlsTransport(): Promise<void> {
  dtlsEndpoint ??= await import('./dtls/dtls-endpoint');
}

/** Aims the options at a datagram broker, or (undefined) back at MQTT.js's own schemes. */
export function setDatagramTarget(options: IClientOptions, target: DatagramTarget | undefined): void {
  const o = options as Record<string, unknown>;
  if (target) o[TARGET_KEY] = target;
  else delete o[TARGET_KEY];
}

function datagramTarget(options: IClientOptions): DatagramTarget | undefined {
  return (options as Record<string, unknown>)[TARGET_KEY] as DatagramTarget | undefined;
}

/** The stream of one datagram connection. */
export function openDatagramStream(target: DatagramTarget): Duplex {
  if (target.scheme === 'mqtt-udp') return connectReliableUdpSession({ host: target.host, port: target.port, ...target.udp });
  const dtls = target.dtls ?? { rejectUnauthorized: true };
  const ca = dtls.ca === undefined ? [] : (Array.isArray(dtls.ca) ? dtls.ca : [dtls.ca]).map((c: string | Buffer) => c.toString());
  if (!dtlsEndpoint) throw new Error('The DTLS transport is not loaded; await loadDtlsTransport() before connecting to an mqtts-dtls:// broker.');
  return dtlsEndpoint.connectDtlsSession({ host: target.host, port: target.port, ca, rejectUnauthorized: dtls.rejectUnauthorized, ...(dtls.servername ? { servername: dtls.servername } : {}), ...(dtls.pskIdentity && dtls.psk ? { pskIdentity: dtls.pskIdentity, psk: dtls.psk } : {}), ...target.udp });
}

/** mqtt.connect that also speaks the datagram schemes set with setDatagramTarget. */
export function connectMqtt(options: IClientOptions): MqttClient {
  // The builder must be ours before the first connect, so MQTT.js may not connect in its constructor.
  const manual = options.manualConnect === true;
  options.manualConnect = true;
  const client = mqtt.connect(options);
  options.manualConnect = manual;
  // MQTT.js keeps its stream builder in a field its types call private; the version is pinned and a test covers this.
  const internals = client as unknown as { streamBuilder: (c: MqttClient) => Duplex };
  const builtin = internals.streamBuilder;
  internals.streamBuilder = (c) => {
    const target = datagramTarget(c.options);
    return target ? openDatagramStream(target) : builtin(c);
  };
  if (!manual) client.connect();
  return client;
}
