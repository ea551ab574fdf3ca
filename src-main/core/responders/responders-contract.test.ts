import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResponderInfo } from '../../../shared/ipc/responders';
import { createBroker, type EmbeddedBroker } from '../../lib';
import { startCoreHarness, type CoreHarness } from '../../test-support/core-harness';
import { waitFor } from '../../test-support/wait-for';
import { scriptWorkerFile } from '../../test-support/worker-file';

let broker: EmbeddedBroker;
let harness: CoreHarness;
let requester: MqttClient;
const answers: { topic: string; text: string; correlation: string | undefined }[] = [];

beforeAll(async () => {
  broker = await createBroker({ port: 0 });
  harness = await startCoreHarness('memory', { scriptWorkerFile: await scriptWorkerFile() });
  await harness.client.invoke('connections.connect', { url: broker.url, protocolVersion: 5, subscriptions: [{ filter: 'devices/#', qos: 1 }] });
  requester = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
  requester.on('message', (topic, payload, packet) => {
    const data = packet.properties?.correlationData;
    answers.push({ topic, text: payload.toString(), correlation: data === undefined ? undefined : Buffer.from(data).toString() });
  });
  await requester.subscribeAsync('replies/#', { qos: 1 });
}, 60_000);
afterAll(async () => {
  await requester.endAsync();
  await harness.close();
  await broker.stop();
});

function lastChanged(): readonly ResponderInfo[] | undefined {
  const frames = harness.received.filter((f) => f.kind === 'event' && f.name === 'responders.changed');
  const last = frames.at(-1);
  return last?.kind === 'event' ? (last.payload as readonly ResponderInfo[]) : undefined;
}

async function request(topic: string, body: string, correlation: string): Promise<void> {
  await requester.publishAsync(topic, body, { qos: 1, properties: { responseTopic: 'replies/me', correlationData: Buffer.from(correlation) } });
}

describe('the responders group of the contract', () => {
  it('answers an MQTT 5 request on its response topic with its correlation data, counts it, and keeps counting across a switch off and on', async () => {
    const saved = await harness.client.invoke('responders.save', {
      filter: 'devices/+/get',
      response: { kind: 'script', source: "return { device: msg.topic.split('/')[1], asked: msg.json().what };" },
      contentType: 'application/json',
      qos: 1,
    });
    expect(saved).toMatchObject({ filter: 'devices/+/get', enabled: true, problem: null, perSecond: 10, counters: { matched: 0, responded: 0 } });

    await request('devices/d7/get', '{"what":"temperature"}', 'req-1');
    await waitFor(() => answers.find((a) => a.correlation === 'req-1'), { what: 'the answer to req-1' });
    expect(answers.find((a) => a.correlation === 'req-1')).toEqual({ topic: 'replies/me', text: '{"device":"d7","asked":"temperature"}', correlation: 'req-1' });
    // The counters arrive in a past-tense event, without asking.
    await waitFor(() => lastChanged()?.[0]?.counters.responded === 1, { what: () => `responded 1 in responders.changed: ${JSON.stringify(lastChanged())}` });

    const off = await harness.client.invoke('responders.setEnabled', { id: saved.id, enabled: false });
    expect(off).toMatchObject({ enabled: false, counters: { responded: 1 } });
    await request('devices/d7/get', '{"what":"x"}', 'req-2');
    await requester.publishAsync('replies/marker', 'm', { qos: 1 });
    await waitFor(() => answers.some((a) => a.topic === 'replies/marker'), { what: 'the marker' });
    expect(answers.some((a) => a.correlation === 'req-2')).toBe(false);

    await harness.client.invoke('responders.setEnabled', { id: saved.id, enabled: true });
    await request('devices/d8/get', '{"what":"y"}', 'req-3');
    await waitFor(() => answers.find((a) => a.correlation === 'req-3'), { what: 'the answer to req-3' });
    const [listed] = await harness.client.invoke('responders.list', {});
    expect(listed).toMatchObject({ id: saved.id, enabled: true, counters: { responded: 2, failed: 0 } });
    expect(await harness.client.invoke('responders.delete', { id: saved.id })).toEqual({ deleted: 1 });
    expect(await harness.client.invoke('responders.list', {})).toEqual([]);
  });

  it('keeps a rule whose script does not compile, saying where, and puts it not in force', async () => {
    const saved = await harness.client.invoke('responders.save', { filter: 'devices/+/bad', topic: 'replies/bad', response: { kind: 'script', source: 'const a = 1;\nreturn a +* 2;' } });
    expect(saved.problem).toMatchObject({ message: expect.stringContaining('SyntaxError'), line: 2 });
    await requester.publishAsync('devices/x/bad', 'q', { qos: 1 });
    await requester.publishAsync('replies/marker2', 'm', { qos: 1 });
    await waitFor(() => answers.some((a) => a.topic === 'replies/marker2'), { what: 'the marker' });
    expect(answers.some((a) => a.topic === 'replies/bad')).toBe(false);
    await harness.client.invoke('responders.delete', { id: saved.id });
  });

  it('refuses bad rules with the contract’s codes and a sentence', async () => {
    await expect(harness.client.invoke('responders.save', { filter: 'a/#/b', response: { kind: 'template', payload: 'x' } })).rejects.toMatchObject({ code: 'TOPIC_ERROR' });
    await expect(harness.client.invoke('responders.save', { filter: 'a/#', perSecond: 0, response: { kind: 'template', payload: 'x' } })).rejects.toMatchObject({
      code: 'VALIDATION_ERROR',
      message: expect.stringContaining('above 0'),
    });
    await expect(harness.client.invoke('responders.save', { filter: 'a/#', response: { kind: 'shell', payload: 'x' } as never })).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
    await expect(harness.client.invoke('responders.setEnabled', { id: 'nope', enabled: true })).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('no responder rule nope') });
    await expect(harness.client.invoke('responders.save', { id: 'nope', filter: 'a/#', response: { kind: 'template', payload: 'x' } })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
