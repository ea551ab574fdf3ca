import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { connect, createBroker, loadScript, respond, simulate, type EmbeddedBroker, type TopiaryClient } from '.';
import { failureOf } from '../test-support/failure-of';
import { waitFor } from '../test-support/wait-for';
import { scriptWorkerFile } from '../test-support/worker-file';

vi.setConfig({ testTimeout: 30_000 });

let broker: EmbeddedBroker;
let workerFile: string;
let watcher: MqttClient;
const seen: { topic: string; payload: string; correlation?: string }[] = [];
beforeAll(async () => {
  workerFile = await scriptWorkerFile();
  broker = await createBroker({ port: 0 });
  watcher = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
  watcher.on('message', (topic, payload, packet) => {
    const correlation = packet.properties?.correlationData;
    seen.push({ topic, payload: payload.toString('utf8'), ...(correlation === undefined ? {} : { correlation: correlation.toString('utf8') }) });
  });
  await watcher.subscribeAsync('#', { qos: 1 });
}, 60_000);
afterAll(async () => {
  await watcher.endAsync();
  await broker.stop();
});

describe('library: loadScript', () => {
  it('runs a decoder script on a message and keeps its state between calls', async () => {
    const script = await loadScript('state.set("n", (state.get("n") ?? 0) + 1); return { t: msg.json().t, n: state.get("n"), topic: msg.topic };', { workerFile });
    try {
      expect((await script.run({ topic: 'lab/t1', payload: '{"t":21.5,"h":40}' })).value).toEqual({ t: 21.5, n: 1, topic: 'lab/t1' });
      expect((await script.run({ topic: 'lab/t1', payload: new TextEncoder().encode('{"t":22}') })).value).toEqual({ t: 22, n: 2, topic: 'lab/t1' });
    } finally {
      await script.close();
    }
  });

  it('refuses a script that does not compile, with its line and column, and reports what a call throws', async () => {
    const bad = await failureOf(loadScript('const x = 1;\nreturn (;', { workerFile }));
    expect(bad.details).toMatchObject({ kind: 'syntax', line: 2 });

    const script = await loadScript('return process.env;', { workerFile });
    try {
      const error = await failureOf(script.run({ topic: 'x', payload: '' }));
      expect(error.message).toMatch(/process/);
      expect(error.details).toMatchObject({ kind: 'runtime', line: 1 });
    } finally {
      await script.close();
    }
  });
});

describe('library: respond', () => {
  let client: TopiaryClient;
  beforeAll(async () => {
    client = await connect({ url: broker.url, protocolVersion: 5 });
  });
  afterAll(async () => {
    await client.end();
  });

  it('answers an MQTT 5 request on its response topic with its correlation data, and counts it', async () => {
    const responders = await respond(client, [{ id: 'ping', filter: 'lib/ping', response: { kind: 'template', payload: 'pong {{counter}}' } }], { workerFile });
    try {
      await watcher.publishAsync('lib/ping', 'hello', { qos: 1, properties: { responseTopic: 'lib/replies', correlationData: Buffer.from('req-7') } });
      await waitFor(() => seen.some((m) => m.topic === 'lib/replies'), { what: 'the response' });
      expect(seen.find((m) => m.topic === 'lib/replies')).toEqual({ topic: 'lib/replies', payload: 'pong 1', correlation: 'req-7' });
      expect(responders.counters()).toEqual([expect.objectContaining({ id: 'ping', matched: 1, responded: 1, failed: 0 })]);
    } finally {
      await responders.close();
    }
  });

  it('refuses a rule whose script does not compile, naming the rule, and subscribes to nothing', async () => {
    const error = await failureOf(respond(client, [{ id: 'broken', filter: 'lib/broken', response: { kind: 'script', source: 'return (;' } }], { workerFile }));
    expect(error.message).toMatch(/^Rule "broken": Response script: SyntaxError/);
  });
});

describe('library: simulate', () => {
  it('runs a template on several devices, each its own client, until stopped', async () => {
    const simulation = await simulate({ url: broker.url, source: { kind: 'template', payload: '{"n": {{counter}}}', topic: 'lib/sim/{device}' }, devices: 2, perSecond: 20, prefix: 'libsim' });
    try {
      await waitFor(() => ['lib/sim/libsim-1', 'lib/sim/libsim-2'].every((t) => seen.some((m) => m.topic === t)), { what: 'both devices publishing' });
      expect(simulation.status()).toMatchObject({ state: 'running', devices: 2, connected: 2 });
    } finally {
      await simulation.stop();
    }
    expect(simulation.status()).toMatchObject({ state: 'stopped', connected: 0 });
  });

  it('refuses a scenario it does not have, with a sentence', async () => {
    const error = await failureOf(simulate({ url: broker.url, source: { kind: 'scenario', name: 'toaster' }, devices: 1 }));
    expect(error.code).toBe('VALIDATION_ERROR');
    expect(error.message).toMatch(/toaster/);
  });
});
