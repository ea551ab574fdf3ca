import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBroker, type EmbeddedBroker } from '../../lib';
import { startCoreHarness, type CoreHarness } from '../../test-support/core-harness';
import { waitFor } from '../../test-support/wait-for';

let broker: EmbeddedBroker;
let harness: CoreHarness;
let watcher: MqttClient;
const seen: string[] = [];

beforeAll(async () => {
  broker = await createBroker({ port: 0 });
  harness = await startCoreHarness('memory');
  watcher = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
  watcher.on('message', (topic) => seen.push(topic));
  await watcher.subscribeAsync('sim/#', { qos: 1 });
}, 60_000);
afterAll(async () => {
  await watcher.endAsync();
  await harness.close();
  await broker.stop();
});

describe('the simulations group of the contract', () => {
  it('lists the scenarios, starts a simulation, shows its rates in the list, and stops it', async () => {
    const scenarios = await harness.client.invoke('simulations.listScenarios', {});
    expect(scenarios.map((s) => s.name)).toEqual(['temperature', 'smart-home', 'gps', 'sparkplug']);

    const started = await harness.client.invoke('simulations.start', { url: broker.url, source: { kind: 'scenario', name: 'gps' }, devices: 2, perSecond: 10, prefix: 'car' });
    expect(started).toMatchObject({ state: 'running', devices: 2, connected: 2, url: broker.url, source: { kind: 'scenario', name: 'gps' } });
    await waitFor(() => seen.filter((t) => t === 'sim/fleet/car-2/location').length >= 3, { what: 'locations from car-2' });
    await waitFor(async () => ((await harness.client.invoke('simulations.list', {}))[0]?.perSecond ?? 0) >= 12, { timeoutMs: 10_000, what: 'a rate near 20/s in the list' });

    const stopped = await harness.client.invoke('simulations.stop', { id: started.id });
    expect(stopped).toMatchObject({ id: started.id, state: 'stopped', connected: 0, failed: 0 });
    expect(stopped.published).toBeGreaterThan(3);
    expect(await harness.client.invoke('simulations.list', {})).toEqual([]);
  });

  it('refuses bad requests with the contract\'s codes and a sentence', async () => {
    await expect(harness.client.invoke('simulations.start', { url: broker.url, source: { kind: 'scenario', name: 'toaster' }, devices: 1 })).rejects.toMatchObject({ code: 'VALIDATION_ERROR', message: expect.stringContaining('no scenario "toaster"') });
    await expect(harness.client.invoke('simulations.start', { url: broker.url, source: { kind: 'scenario', name: 'gps' }, devices: 0 })).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
    await expect(harness.client.invoke('simulations.start', { url: broker.url, source: { kind: 'scenario', name: 'gps' }, devices: 2_001 })).rejects.toMatchObject({
      code: 'VALIDATION_ERROR',
      message: expect.stringContaining('at most 2,000 simulated devices'),
    });
    await expect(harness.client.invoke('simulations.stop', { id: 'sim-999' })).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('no simulation sim-999') });
  });
});
