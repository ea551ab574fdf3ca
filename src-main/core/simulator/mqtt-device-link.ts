import mqtt from 'mqtt';
import type { DeviceConnector, DeviceIdentity, DeviceLink, DeviceMessage } from './simulation-types';

export interface MqttDeviceOptions {
  readonly url: string;
  readonly username?: string;
  readonly password?: string;
  /** 4 (MQTT 3.1.1) or 5; default 5. */
  readonly protocolVersion?: 4 | 5;
  /** Time to wait for the CONNACK; default 10 s. */
  readonly connectTimeoutMs?: number;
  /** Told about errors after the device connected (the link reconnects by itself). */
  readonly onError?: (device: DeviceIdentity, error: Error) => void;
}

/**
 * One plain MQTT.js connection per simulated device, with the device's client id and will: light enough
 * for a thousand devices in one process, and a real client each, so the broker sees real sessions and
 * sends the wills of devices that vanish.
 */
export function mqttDeviceConnector(options: MqttDeviceOptions): DeviceConnector {
  return async (device) => {
    const client = mqtt.connect(options.url, {
      clientId: device.clientId,
      protocolVersion: options.protocolVersion ?? 5,
      clean: true,
      reconnectPeriod: 2000,
      connectTimeout: options.connectTimeoutMs ?? 10_000,
      ...(options.username === undefined ? {} : { username: options.username }),
      ...(options.password === undefined ? {} : { password: options.password }),
      ...(device.will === undefined
        ? {}
        : { will: { topic: device.will.topic, payload: Buffer.from(device.will.payload), qos: device.will.qos ?? 0, retain: device.will.retain ?? false } }),
    });
    await new Promise<void>((resolve, reject) => {
      const failed = (error: Error): void => {
        client.removeListener('connect', connected);
        client.end(true);
        reject(new Error(`Device ${device.name} (${device.clientId}) could not connect: ${error.message}`));
      };
      const connected = (): void => {
        client.removeListener('error', failed);
        resolve();
      };
      client.once('connect', connected);
      client.once('error', failed);
    });
    client.on('error', (error) => options.onError?.(device, error));
    const link: DeviceLink = {
      publish: (m: DeviceMessage) => client.publishAsync(m.topic, Buffer.from(m.payload.buffer, m.payload.byteOffset, m.payload.byteLength), { qos: m.qos ?? 0, retain: m.retain ?? false }).then(() => undefined),
      end: () => client.endAsync(),
      drop: () => {
        client.options.reconnectPeriod = 0;
        client.stream.destroy();
      },
    };
    return link;
  };
}
