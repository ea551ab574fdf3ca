import { startMosquitto as launchMosquitto } from '../mosquitto';
import { createBroker, type Broker, type MovedSetting, type UserRecord } from '../../core/broker/index';

/** Which broker the conformance suite runs against. */
export const TARGET: 'embedded' | 'mosquitto' = process.env.TOPIARY_CONFORMANCE_TARGET === 'mosquitto' ? 'mosquitto' : 'embedded';
export const isMosquitto = TARGET === 'mosquitto';
export const isEmbedded = TARGET === 'embedded';

/** Settings both targets understand. */
export interface TargetSettings {
  readonly maxKeepalive?: number;
  readonly maxPacketSize?: number;
  readonly maxInflight?: number;
  readonly maxQueued?: number;
  readonly topicAliasMaximum?: number;
  /** Embedded only (mosquitto 2.0 never sends Topic Aliases): false turns the broker's aliases off. */
  readonly sendTopicAliases?: boolean;
  /** Embedded only: the start of each client's Response Information. */
  readonly responseTopicPrefix?: string;
  /** Embedded only: start with clients referred elsewhere. */
  readonly moved?: MovedSetting;
  /** Seconds a client has from accept to CONNACK. */
  readonly connectTimeout?: number;
  /** Users of the embedded broker (with SCRAM keys); mosquitto has no enhanced authentication and runs without them. */
  readonly users?: readonly UserRecord[];
}

/** A running broker under test. */
export interface Target {
  readonly name: typeof TARGET;
  readonly host: string;
  readonly port: number;
  readonly url: string;
  /** The embedded broker, for tests that inspect it; undefined for mosquitto. */
  readonly broker: Broker | undefined;
  stop(): Promise<void>;
}

/** Starts the selected target on a free port bound to 127.0.0.1. */
export async function startTarget(settings: TargetSettings = {}): Promise<Target> {
  return isMosquitto ? startMosquitto(settings) : startEmbedded(settings);
}

async function startEmbedded(s: TargetSettings): Promise<Target> {
  const broker = createBroker({
    listeners: [{ kind: 'tcp', port: 0, host: '127.0.0.1' }],
    sysInterval: 0,
    sendTopicAliases: s.sendTopicAliases,
    responseTopicPrefix: s.responseTopicPrefix,
    moved: s.moved,
    users: s.users,
    limits: {
      connectTimeout: s.connectTimeout,
      maxKeepalive: s.maxKeepalive,
      maxPacketSize: s.maxPacketSize,
      maxInflight: s.maxInflight,
      maxQueued: s.maxQueued,
      topicAliasMaximum: s.topicAliasMaximum,
    },
  });
  const [l] = await broker.start();
  return { name: 'embedded', host: '127.0.0.1', port: l!.port, url: l!.url, broker, stop: () => broker.stop() };
}

async function startMosquitto(s: TargetSettings): Promise<Target> {
  const config: string[] = [];
  if (s.maxKeepalive !== undefined) config.push(`max_keepalive ${s.maxKeepalive}`);
  if (s.maxPacketSize !== undefined) config.push(`max_packet_size ${s.maxPacketSize}`);
  if (s.maxInflight !== undefined) config.push(`max_inflight_messages ${s.maxInflight}`);
  if (s.maxQueued !== undefined) config.push(`max_queued_messages ${s.maxQueued}`);
  if (s.topicAliasMaximum !== undefined) config.push(`max_topic_alias ${s.topicAliasMaximum}`);
  // mosquitto 2.0 has no connect timeout setting: its own is fixed.
  const mosquitto = await launchMosquitto({ config, quiet: true });
  return { name: 'mosquitto', host: '127.0.0.1', port: mosquitto.port, url: mosquitto.url, broker: undefined, stop: () => mosquitto.stop() };
}
