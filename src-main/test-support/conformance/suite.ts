import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll } from 'vitest';
import { endAll } from './clients';
import type { RawClient } from './raw-client';
import { startTarget, type Target, type TargetSettings } from './target';

export interface ConformanceSuite {
  /** The broker under test, started before the file's first test. */
  readonly target: Target;
  /** Raw sockets and MQTT.js clients a test opened: closed after the file's last test, before the broker stops. */
  readonly raws: RawClient[];
  readonly clients: MqttClient[];
}

/** One test file's broker (the embedded one, or mosquitto with TOPIARY_CONFORMANCE_TARGET=mosquitto) and its clean-up. */
export function useTarget(settings: TargetSettings = {}): ConformanceSuite {
  let target: Target | undefined;
  const raws: RawClient[] = [];
  const clients: MqttClient[] = [];
  beforeAll(async () => {
    target = await startTarget(settings);
  });
  afterAll(async () => {
    for (const c of raws) c.close();
    await endAll(clients);
    await target?.stop();
  });
  return {
    get target(): Target {
      if (!target) throw new Error('The conformance target is not started yet: use it inside a test or a hook.');
      return target;
    },
    raws,
    clients,
  };
}
