// The two real brokers library-level tests run against, started the same way by every suite.
import { createBroker } from '../lib/index';
import { startMosquitto } from './mosquitto';

/** For `describe.each`: a readable name and the kind of broker. */
export const BROKER_TARGETS = [
  ['the embedded broker', 'embedded'],
  ["Debian's mosquitto", 'mosquitto'],
] as const;

export type BrokerTargetKind = (typeof BROKER_TARGETS)[number][1];

export interface BrokerTarget {
  readonly url: string;
  stop(): Promise<void>;
}

/** Starts the embedded broker (through the library) or Debian's mosquitto on a free port. */
export async function startBrokerTarget(kind: BrokerTargetKind): Promise<BrokerTarget> {
  if (kind === 'embedded') {
    const broker = await createBroker();
    return { url: broker.url, stop: () => broker.stop() };
  }
  const mosquitto = await startMosquitto();
  return { url: mosquitto.url, stop: () => mosquitto.stop() };
}
