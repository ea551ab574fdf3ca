import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Target } from './target';

/** Opens an MQTT.js client that never reconnects on its own. */
export function mqttClient(target: Target, opts: IClientOptions = {}): Promise<MqttClient> {
  return mqtt.connectAsync(target.url, { reconnectPeriod: 0, connectTimeout: 3000, protocolVersion: 5, ...opts });
}

/** A received message with the packet MQTT.js handed over. */
export interface Received {
  readonly topic: string;
  readonly payload: string;
  readonly packet: mqtt.IPublishPacket;
}

/** Collects every message a client receives. */
export function collect(client: MqttClient): Received[] {
  const out: Received[] = [];
  client.on('message', (topic, payload, packet) => out.push({ topic, payload: payload.toString(), packet }));
  return out;
}

/** Closes clients, ignoring ones that are already gone. */
export async function endAll(clients: readonly (MqttClient | undefined)[]): Promise<void> {
  await Promise.all(clients.map((c) => c?.endAsync(true).catch(() => undefined)));
}
