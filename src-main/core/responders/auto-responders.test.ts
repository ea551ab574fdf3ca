import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedBroker, createBroker } from '../../lib';
import { scriptWorkerFile } from '../../test-support/worker-file';
import { waitFor } from '../../test-support/wait-for';
import { ScriptSandbox } from '../scripts/script-sandbox';
import type { ScriptMessage } from '../scripts/script-types';
import { AutoResponders, type ResponderCounters, type ResponderRule } from './auto-responders';

let broker: EmbeddedBroker;
let sandbox: ScriptSandbox;
let device: MqttClient;
let requester: MqttClient;
let responders: AutoResponders;

/** The responder's side: a real MQTT 5 client whose messages feed the rules and through which they answer. */
async function startResponders(rules: readonly ResponderRule[]): Promise<void> {
  device = await mqtt.connectAsync(broker.url, { protocolVersion: 5, clientId: 'responder' });
  responders = new AutoResponders({
    sandbox,
    publish: async (p) => {
      await device.publishAsync(p.topic, Buffer.from(p.payload), {
        qos: p.qos,
        retain: p.retain,
        properties: { ...(p.properties?.contentType ? { contentType: p.properties.contentType } : {}), ...(p.properties?.correlationData ? { correlationData: Buffer.from(p.properties.correlationData) } : {}) },
      });
    },
  });
  expect(await responders.set(rules)).toEqual([]);
  device.on('message', (topic, payload, packet) => {
    const message: ScriptMessage = {
      topic,
      payload,
      qos: packet.qos,
      retain: packet.retain,
      properties: {
        ...(packet.properties?.responseTopic ? { responseTopic: packet.properties.responseTopic } : {}),
        ...(packet.properties?.correlationData ? { correlationData: packet.properties.correlationData } : {}),
      },
    };
    void responders.handle(message);
  });
  await device.subscribeAsync([...new Set(rules.map((r) => r.filter))], { qos: 1 });
}

/** The requester's side: an MQTT 5 request with a response topic and correlation data; resolves with the response. */
async function request(topic: string, payload: string, correlation: string): Promise<{ payload: string; correlation: string | undefined; contentType: string | undefined }> {
  const responseTopic = `replies/${correlation}`;
  await requester.subscribeAsync(responseTopic, { qos: 1 });
  const answer = new Promise<{ payload: string; correlation: string | undefined; contentType: string | undefined }>((resolve) => {
    const onMessage = (t: string, body: Buffer, packet: mqtt.IPublishPacket): void => {
      if (t !== responseTopic) return;
      requester.off('message', onMessage);
      resolve({ payload: body.toString(), correlation: packet.properties?.correlationData?.toString(), contentType: packet.properties?.contentType });
    };
    requester.on('message', onMessage);
  });
  await requester.publishAsync(topic, payload, { qos: 1, properties: { responseTopic, correlationData: Buffer.from(correlation) } });
  return answer;
}

function counters(id: string): ResponderCounters {
  const found = responders.counters().find((c) => c.id === id);
  if (found === undefined) throw new Error(`no rule ${id}`);
  return found;
}

beforeAll(async () => {
  broker = await createBroker({ port: 0 });
  sandbox = new ScriptSandbox({ workerFile: await scriptWorkerFile() });
  requester = await mqtt.connectAsync(broker.url, { protocolVersion: 5, clientId: 'requester' });
});
afterEach(async () => {
  await responders?.close();
  await device?.endAsync();
});
afterAll(async () => {
  await requester.endAsync();
  await sandbox.close();
  await broker.stop();
});

describe('auto-responders against the embedded broker', () => {
  it('answer an MQTT 5 request on its response topic with its correlation data, computed by a script', async () => {
    await startResponders([
      {
        id: 'thermostat',
        filter: 'devices/+/get',
        response: { kind: 'script', source: "const req = msg.json();\nreturn { device: msg.topic.split('/')[1], field: req.field, value: 21.5 };" },
        contentType: 'application/json',
        qos: 1,
      },
    ]);
    const response = await request('devices/t1/get', '{"field":"temperature"}', 'req-42');
    expect(JSON.parse(response.payload)).toEqual({ device: 't1', field: 'temperature', value: 21.5 });
    expect(response.correlation).toBe('req-42');
    expect(response.contentType).toBe('application/json');
    await waitFor(() => counters('thermostat').responded === 1);
    expect(counters('thermostat')).toMatchObject({ matched: 1, responded: 1, failed: 0 });
  });

  it('answer with a template to a fixed topic; a predicate script chooses which requests', async () => {
    await startResponders([
      { id: 'ping', filter: 'ping/#', predicate: "return msg.text !== 'ignore';", response: { kind: 'template', payload: 'pong {{counter}}' }, topic: 'replies/fixed' },
    ]);
    await requester.subscribeAsync('replies/fixed', { qos: 1 });
    const got: string[] = [];
    requester.on('message', (t, body) => {
      if (t === 'replies/fixed') got.push(body.toString());
    });
    await requester.publishAsync('ping/a', 'x', { qos: 1 });
    await requester.publishAsync('ping/b', 'ignore', { qos: 1 });
    await requester.publishAsync('ping/c', 'y', { qos: 1 });
    await waitFor(() => counters('ping').matched === 3 && got.length === 2, { what: () => `two pongs (${JSON.stringify(counters('ping'))})` });
    expect(got).toEqual(['pong 1', 'pong 2']);
    expect(counters('ping')).toMatchObject({ matched: 3, responded: 2, declined: 1 });
  });

  it('count what they skip and fail: no response topic, a failing script, a rate limit, a disabled rule', async () => {
    await startResponders([
      { id: 'echo', filter: 'echo/#', response: { kind: 'script', source: "if (msg.text === 'boom') throw new Error('cannot answer');\nreturn msg.text;" }, perSecond: 1 },
      { id: 'probe', filter: 'probe/#', response: { kind: 'template', payload: 'here' } },
    ]);
    await requester.publishAsync('echo/1', 'no response topic', { qos: 1 });
    await waitFor(() => counters('echo').noResponseTopic === 1);
    await requester.publishAsync('echo/2', 'boom', { qos: 1, properties: { responseTopic: 'replies/echo' } });
    await waitFor(() => counters('echo').failed === 1);
    expect(counters('echo').lastError).toBe('Error: cannot answer (line 1, column 41)');
    for (let i = 0; i < 5; i++) await requester.publishAsync('echo/3', `n${i}`, { qos: 1, properties: { responseTopic: 'replies/echo' } });
    await waitFor(() => counters('echo').matched === 7, { what: () => JSON.stringify(counters('echo')) });
    await waitFor(() => counters('echo').responded + counters('echo').rateLimited === 5, { what: () => JSON.stringify(counters('echo')) });
    // One at once, then one a second: five requests in quick succession get one or two answers.
    expect(counters('echo').responded).toBeLessThanOrEqual(2);
    expect(counters('echo').rateLimited).toBeGreaterThanOrEqual(3);
    expect(responders.setEnabled('echo', false)).toBe(true);
    await requester.publishAsync('echo/4', 'while off', { qos: 1, properties: { responseTopic: 'replies/echo' } });
    // Messages reach the responder in order: once the probe is answered, the message before it has gone by.
    expect((await request('probe/1', 'x', 'probe')).payload).toBe('here');
    expect(counters('echo')).toMatchObject({ enabled: false, matched: 7 });
  });

  it('a rule with a problem is reported with what is wrong', async () => {
    const local = new AutoResponders({ sandbox, publish: async () => undefined });
    const problems = await local.set([
      { id: 'a', filter: 'x/#/y', response: { kind: 'template', payload: 'x' } },
      { id: 'b', filter: 'x', topic: 'out/+', response: { kind: 'template', payload: 'x' } },
      { id: 'c', filter: 'x', response: { kind: 'template', payload: '{{nope}}' } },
      { id: 'd', filter: 'x', response: { kind: 'script', source: 'return (;' } },
      { id: 'e', filter: 'x', predicate: 'return ]', response: { kind: 'template', payload: 'x' } },
      { id: 'f', filter: 'x', response: { kind: 'template', payload: 'x' }, perSecond: 0 },
    ]);
    expect(problems.map((p) => [p.id, p.message.split(':')[0]])).toEqual([
      ['a', 'The # wildcard must stand alone as the last level of a filter, as in sensors/#.'],
      ['b', 'Response topic'],
      ['c', 'Template'],
      ['d', 'Response script'],
      ['e', 'Predicate script'],
      ['f', 'The rate limit must be above 0 responses per second.'],
    ]);
    expect(problems[3]).toMatchObject({ line: 1 });
    expect(local.counters()).toEqual([]);
    await local.close();
  });
});
