import type { IClientOptions, IClientPublishOptions } from 'mqtt';
import type { IConnectPacket } from 'mqtt-packet';
import type { ParsedArg } from '../../../shared/ipc/contract';
import { isDatagramScheme, type BrokerScheme, type BrokerUrl } from '../../../shared/mqtt/broker-url';
import { setDatagramTarget, type DtlsClientSecurity } from '../transport/mqtt-datagram-client';
import { pairsToUserProperties } from './message-from-packet';
import type { ResolvedTls } from './tls-options';

export type ConnectArgsParsed = ParsedArg<'connections.connect'>;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function toBuffer(payload: string | Uint8Array): Buffer {
  return typeof payload === 'string' ? Buffer.from(payload, 'utf8') : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
}

/**
 * MQTT.js options for the whole life of one connection. Reconnecting is ours (reconnectPeriod 0),
 * and so is resubscribing, so both are off here.
 */
export function clientOptions(args: ConnectArgsParsed, clientId: string, tls: ResolvedTls | undefined): IClientOptions {
  const v5 = args.protocolVersion === 5;
  const options: Mutable<IClientOptions> = {
    manualConnect: true,
    protocolVersion: args.protocolVersion,
    // MQTT 3.1 names its protocol MQIsdp; 3.1.1 and 5 call it MQTT.
    protocolId: args.protocolVersion === 3 ? 'MQIsdp' : 'MQTT',
    clientId,
    clean: args.clean,
    keepalive: args.keepalive,
    connectTimeout: args.connectTimeoutMs,
    reconnectPeriod: 0,
    resubscribe: false,
    queueQoSZero: true,
    // MQTT.js asks its debug logger several times per incoming packet; even switched off that costs
    // about 1 µs a message under a flood. DEBUG=mqttjs* still turns its logging on.
    ...(mqttDebugWanted() ? {} : { log: () => undefined }),
    ...(args.username !== undefined ? { username: args.username } : {}),
    ...(args.password !== undefined ? { password: args.password } : {}),
  };
  if (v5) options.properties = connectProperties(args);
  if (args.will) options.will = will(args.will, v5);
  if (tls) {
    Object.assign(options, {
      rejectUnauthorized: tls.rejectUnauthorized,
      ...(tls.ca ? { ca: tls.ca } : {}),
      ...(tls.cert ? { cert: tls.cert } : {}),
      ...(tls.key ? { key: tls.key } : {}),
      ...(tls.ALPNProtocols ? { ALPNProtocols: tls.ALPNProtocols } : {}),
    });
  }
  return options;
}

function mqttDebugWanted(): boolean {
  return /mqttjs|\*/.test(process.env.DEBUG ?? '');
}

function connectProperties(args: ConnectArgsParsed): NonNullable<IConnectPacket['properties']> {
  const p = args.properties ?? {};
  return {
    // A modest alias table keeps busy topics cheap to receive; 0 would refuse aliases altogether.
    topicAliasMaximum: p.topicAliasMaximum ?? 100,
    ...(args.sessionExpiryInterval !== undefined ? { sessionExpiryInterval: args.sessionExpiryInterval } : {}),
    ...(p.receiveMaximum !== undefined ? { receiveMaximum: p.receiveMaximum } : {}),
    ...(p.maximumPacketSize !== undefined ? { maximumPacketSize: p.maximumPacketSize } : {}),
    ...(p.requestResponseInformation !== undefined ? { requestResponseInformation: p.requestResponseInformation } : {}),
    ...(p.requestProblemInformation !== undefined ? { requestProblemInformation: p.requestProblemInformation } : {}),
    ...(p.userProperties && p.userProperties.length > 0 ? { userProperties: pairsToUserProperties(p.userProperties) } : {}),
  };
}

function will(w: NonNullable<ConnectArgsParsed['will']>, v5: boolean): NonNullable<IClientOptions['will']> {
  const p = w.properties;
  return {
    topic: w.topic,
    payload: toBuffer(w.payload),
    qos: w.qos,
    retain: w.retain,
    ...(v5 && p
      ? {
          properties: {
            ...(p.willDelayInterval !== undefined ? { willDelayInterval: p.willDelayInterval } : {}),
            ...(p.messageExpiryInterval !== undefined ? { messageExpiryInterval: p.messageExpiryInterval } : {}),
            ...(p.contentType !== undefined ? { contentType: p.contentType } : {}),
            ...(p.payloadFormatIndicator !== undefined ? { payloadFormatIndicator: p.payloadFormatIndicator } : {}),
            ...(p.responseTopic !== undefined ? { responseTopic: p.responseTopic } : {}),
            ...(p.correlationData !== undefined ? { correlationData: Buffer.from(p.correlationData) } : {}),
            ...(p.userProperties && p.userProperties.length > 0 ? { userProperties: pairsToUserProperties(p.userProperties) } : {}),
          },
        }
      : {}),
  };
}

/** Points the (reused) client at one broker: MQTT.js reads these options each time it opens a stream. */
export function aimAt(options: IClientOptions, url: BrokerUrl, tls: ResolvedTls | undefined): void {
  const o = options as Mutable<IClientOptions> & { hostname?: string; wsOptions?: Record<string, unknown> };
  const host = url.host.replace(/^\[|\]$/g, '');
  // MQTT.js knows only stream schemes: a datagram URL builds its stream itself (mqtt-datagram-client.ts).
  o.protocol = isDatagramScheme(url.scheme) ? 'mqtt' : (url.scheme as Exclude<BrokerScheme, 'mqtt-udp' | 'mqtts-dtls'>);
  setDatagramTarget(o, isDatagramScheme(url.scheme) ? { scheme: url.scheme as 'mqtt-udp' | 'mqtts-dtls', host, port: url.port, ...(tls && url.scheme === 'mqtts-dtls' ? { dtls: dtlsSecurity(tls) } : {}) } : undefined);
  o.host = host;
  o.hostname = host;
  o.port = url.port;
  if (url.path) o.path = url.path;
  else delete o.path;
  // MQTT.js fills servername from the first host it sees; failover to another host must not keep it.
  if (tls?.servername) o.servername = tls.servername;
  else delete o.servername;
  if (url.scheme === 'wss' && tls) {
    o.wsOptions = {
      rejectUnauthorized: tls.rejectUnauthorized,
      ...(tls.ca ? { ca: tls.ca } : {}),
      ...(tls.cert ? { cert: tls.cert } : {}),
      ...(tls.key ? { key: tls.key } : {}),
      ...(tls.servername ? { servername: tls.servername } : {}),
      ...(tls.ALPNProtocols ? { ALPNProtocols: tls.ALPNProtocols } : {}),
    };
  } else {
    o.wsOptions = {};
  }
}

/** DTLS's side of the resolved TLS settings. */
function dtlsSecurity(tls: ResolvedTls): DtlsClientSecurity {
  return {
    rejectUnauthorized: tls.rejectUnauthorized,
    ...(tls.ca ? { ca: tls.ca } : {}),
    ...(tls.servername ? { servername: tls.servername } : {}),
    ...(tls.pskIdentity && tls.psk ? { pskIdentity: tls.pskIdentity, psk: tls.psk } : {}),
  };
}

/** MQTT.js publish options from the contract's publish arguments. */
export function publishOptions(
  qos: 0 | 1 | 2,
  retain: boolean,
  properties: ParsedArg<'publish.send'>['properties'],
  v5: boolean,
): IClientPublishOptions {
  const options: IClientPublishOptions = { qos, retain };
  if (properties && v5) {
    const { userProperties, correlationData, subscriptionIdentifiers: _ignored, ...rest } = properties;
    options.properties = {
      ...rest,
      ...(userProperties ? { userProperties: pairsToUserProperties(userProperties) } : {}),
      ...(correlationData ? { correlationData: Buffer.from(correlationData) } : {}),
    };
  }
  return options;
}

export { toBuffer as payloadBuffer };
