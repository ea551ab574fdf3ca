import { rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import type { MqttClient } from 'mqtt';
import { afterEach } from 'vitest';
import type { RawClient } from './conformance/raw-client';

interface Stoppable {
  stop(): Promise<unknown>;
}

export interface Opened {
  readonly clients: MqttClient[];
  readonly raws: RawClient[];
  readonly sockets: Socket[];
  /** Temporary folders, removed after the test. */
  readonly dirs: string[];
  /** Brokers (ours or mosquitto) to stop after the test, once every client is closed; answers what it was given. */
  stopAfter<T extends Stoppable>(server: T): T;
}

/**
 * What a test opened, closed after each test in the order that keeps brokers from logging errors about clients
 * vanishing: raw sockets, then MQTT.js clients, then the brokers, then the folders they wrote to.
 */
export function closeAfterEach(): Opened {
  const clients: MqttClient[] = [];
  const raws: RawClient[] = [];
  const sockets: Socket[] = [];
  const dirs: string[] = [];
  const servers: Stoppable[] = [];
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    for (const r of raws.splice(0)) r.close();
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true).catch(() => undefined)));
    for (const s of servers.splice(0)) await s.stop();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  return {
    clients,
    raws,
    sockets,
    dirs,
    stopAfter: (server) => {
      servers.push(server);
      return server;
    },
  };
}
