import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBroker, type Broker } from './index';
import { startMosquitto, type Mosquitto } from '../../test-support/mosquitto';
import { waitFor } from '../../test-support/wait-for';
import { Bridge, type BridgeStatus } from './bridge';
import { parseBridgeTopicLines } from '../../../shared/mqtt/bridge-topics';

function collect(client: MqttClient): { topic: string; payload: string; retain: boolean }[] {
  const seen: { topic: string; payload: string; retain: boolean }[] = [];
  client.on('message', (topic, payload, packet) => seen.push({ topic, payload: payload.toString(), retain: packet.retain }));
  return seen;
}

describe('Bridge to a remote mosquitto', () => {
  let remote: Mosquitto;
  let broker: Broker;
  let localUrl: string;
  let bridge: Bridge | undefined;
  let statuses: BridgeStatus[];

  beforeEach(async () => {
    remote = await startMosquitto();
    broker = createBroker({ listeners: [{ kind: 'tcp', port: 0, host: '127.0.0.1' }], sysInterval: 0 });
    const [listener] = await broker.start();
    localUrl = listener?.url ?? '';
    statuses = [];
  });

  afterEach(async () => {
    await bridge?.stop();
    bridge = undefined;
    await broker.stop();
    await remote.stop();
  });

  const startBridge = (lines: string): Bridge => {
    const parsed = parseBridgeTopicLines(lines);
    if (!parsed.ok) throw new Error(parsed.message);
    bridge = new Bridge({ name: 'site', remoteUrl: remote.url, topics: parsed.topics }, localUrl, (s) => statuses.push(s));
    bridge.start();
    return bridge;
  };

  it('forwards in and out with prefix remapping, and never echoes a both-ways rule', async () => {
    const b = startBridge(['sensors/# in 1 site/ ""', 'cmd/# out 1 "" from-topiary/', 'shared/# both 1'].join('\n'));
    await waitFor(() => b.status().state === 'connected');
    const localSub = await mqtt.connectAsync(localUrl);
    const remoteSub = await mqtt.connectAsync(remote.url);
    const atLocal = collect(localSub);
    const atRemote = collect(remoteSub);
    await localSub.subscribeAsync('#');
    await remoteSub.subscribeAsync('#');
    // The bridge's own subscriptions are made on connect; wait until a probe goes through.
    await waitFor(async () => {
      await remoteSub.publishAsync('sensors/probe', 'p', { qos: 1 });
      return atLocal.some((m) => m.topic === 'site/sensors/probe');
    });

    await remoteSub.publishAsync('sensors/t1', '21.5', { qos: 1 });
    await localSub.publishAsync('cmd/valve', 'open', { qos: 1 });
    await localSub.publishAsync('shared/a', 'from local', { qos: 1 });
    await remoteSub.publishAsync('shared/b', 'from remote', { qos: 1 });

    await waitFor(() => atLocal.some((m) => m.topic === 'site/sensors/t1' && m.payload === '21.5'));
    await waitFor(() => atRemote.some((m) => m.topic === 'from-topiary/cmd/valve' && m.payload === 'open'));
    await waitFor(() => atRemote.some((m) => m.topic === 'shared/a') && atLocal.some((m) => m.topic === 'shared/b'));
    // Each both-ways message crossed once: it was not bounced back to the side it came from.
    expect(atLocal.filter((m) => m.topic === 'shared/a')).toHaveLength(1);
    expect(atRemote.filter((m) => m.topic === 'shared/b')).toHaveLength(1);
    expect(atRemote.some((m) => m.topic === 'cmd/valve')).toBe(false);
    expect(b.status().forwardedIn).toBeGreaterThanOrEqual(2);
    await localSub.endAsync();
    await remoteSub.endAsync();
  });

  it('reconnects on its own when the remote broker comes back', async () => {
    const b = startBridge('up/# in 0');
    await waitFor(() => b.status().state === 'connected');
    await remote.kill();
    await waitFor(() => b.status().state === 'reconnecting');
    await remote.start();
    await waitFor(() => b.status().state === 'connected', { timeoutMs: 15_000 });

    const localSub = await mqtt.connectAsync(localUrl);
    const atLocal = collect(localSub);
    await localSub.subscribeAsync('up/#');
    const remotePub = await mqtt.connectAsync(remote.url);
    await waitFor(async () => {
      await remotePub.publishAsync('up/again', 'yes', { qos: 1 });
      return atLocal.some((m) => m.topic === 'up/again');
    });
    expect(statuses.map((s) => s.state)).toEqual(expect.arrayContaining(['connecting', 'connected', 'reconnecting']));
    await remotePub.endAsync();
    await localSub.endAsync();
  });
});
