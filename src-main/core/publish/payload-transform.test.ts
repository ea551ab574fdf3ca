import mqtt, { type MqttClient } from 'mqtt';
import { decode as decodeMsgpack } from '@msgpack/msgpack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectionId } from '../../../shared/ipc/common';
import type { JobProgress } from '../../../shared/ipc/publish';
import { createBroker, type EmbeddedBroker } from '../../lib';
import { startCoreHarness, type CoreHarness } from '../../test-support/core-harness';
import { waitFor } from '../../test-support/wait-for';
import { scriptWorkerFile } from '../../test-support/worker-file';

// Payload scripts (issue #17 §3) through the contract, to the embedded broker, seen by an outside subscriber.

let broker: EmbeddedBroker;
let harness: CoreHarness;
let watcher: MqttClient;
let connectionId: ConnectionId;
const seen = new Map<string, Buffer[]>();

beforeAll(async () => {
  broker = await createBroker({ port: 0 });
  harness = await startCoreHarness('memory', { scriptWorkerFile: await scriptWorkerFile() });
  watcher = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
  watcher.on('message', (topic, payload) => seen.set(topic, [...(seen.get(topic) ?? []), payload]));
  await watcher.subscribeAsync('tx/#', { qos: 1 });
  connectionId = (await harness.client.invoke('connections.connect', { url: broker.url, protocolVersion: 5, subscriptions: [] })).connectionId;
}, 60_000);
afterAll(async () => {
  await watcher.endAsync();
  await harness.close();
  await broker.stop();
});

const texts = (topic: string): string[] => (seen.get(topic) ?? []).map((b) => b.toString());

async function finalReport(jobId: string): Promise<JobProgress> {
  let final: JobProgress | undefined;
  await waitFor(async () => {
    final = (await harness.client.invoke('publish.listJobs', {})).find((j) => j.jobId === jobId && j.state !== 'running');
    return final !== undefined;
  }, { what: `job ${jobId} to end` });
  return final!;
}

describe('a payload computed by a script', () => {
  it('previews the computed payload from the filled-in template without sending it', async () => {
    const preview = await harness.client.invoke('publish.previewTransform', {
      connectionId,
      topic: 'tx/preview',
      payload: { form: 'json', text: '{"n": {{counter}}}' },
      transform: { source: 'const v = msg.json(); log("n is", v.n); return { n: v.n, double: v.n * 2, topic: msg.topic };' },
    });
    expect(JSON.parse(Buffer.from(preview.payload).toString())).toEqual({ n: 1, double: 2, topic: 'tx/preview' });
    expect(preview.logs).toEqual([{ level: 'log', text: 'n is 1' }]);
    // Nothing went out: a send that follows reaches the subscriber as the only message.
    await harness.client.invoke('publish.compose', { connectionId, topic: 'tx/preview', payload: { form: 'text', text: 'real' } });
    await waitFor(() => texts('tx/preview').length >= 1);
    expect(texts('tx/preview')).toEqual(['real']);
  });

  it('computes the payload of a single send, encoded as the payload form says (MessagePack)', async () => {
    const sent = await harness.client.invoke('publish.compose', {
      connectionId,
      topic: 'tx/once',
      payload: { form: 'json', text: '{"t": 20}', encoding: 'msgpack' },
      transform: { source: 'return { t: msg.json().t + 1.5, unit: "C" };' },
    });
    await waitFor(() => (seen.get('tx/once')?.length ?? 0) >= 1);
    expect(decodeMsgpack(seen.get('tx/once')![0]!)).toEqual({ t: 21.5, unit: 'C' });
    expect(sent.bytes).toBe(seen.get('tx/once')![0]!.length);
  });

  it('runs the script for every message of a repeat, with {{counter}} filled and state kept between calls', async () => {
    const started = await harness.client.invoke('publish.startJob', {
      connectionId,
      message: {
        topic: 'tx/each',
        payload: { form: 'text', text: '{{counter}}' },
        qos: 1,
        transform: { source: 'const total = (state.get("total") ?? 0) + Number(msg.text); state.set("total", total); return `n=${msg.text} total=${total}`;' },
      },
      mode: { kind: 'repeat', intervalMs: 20, count: 4 },
    });
    expect(await finalReport(started.jobId)).toMatchObject({ state: 'done', sent: 4, acknowledged: 4, failed: 0 });
    await waitFor(() => texts('tx/each').length >= 4);
    expect(texts('tx/each')).toEqual(['n=1 total=1', 'n=2 total=3', 'n=3 total=6', 'n=4 total=10']);
  });

  it('runs a "once" script a single time for a burst: every message carries the same computed bytes', async () => {
    const started = await harness.client.invoke('publish.startJob', {
      connectionId,
      message: {
        topic: 'tx/burst-{{counter}}',
        payload: { form: 'hex', text: '00' },
        transform: { source: 'return new Uint8Array([msg.payload[0], 0xca, 0xfe]);', per: 'once' },
      },
      mode: { kind: 'burst', count: 3 },
    });
    expect(await finalReport(started.jobId)).toMatchObject({ state: 'done', sent: 3, failed: 0 });
    await waitFor(() => ['tx/burst-1', 'tx/burst-2', 'tx/burst-3'].every((t) => seen.has(t)));
    for (const topic of ['tx/burst-1', 'tx/burst-2', 'tx/burst-3']) expect([...seen.get(topic)![0]!]).toEqual([0x00, 0xca, 0xfe]);
  });

  it('keeps the order of a QoS 1 burst whose every message is computed', async () => {
    const started = await harness.client.invoke('publish.startJob', {
      connectionId,
      message: { topic: 'tx/burst-each', payload: { form: 'json', text: '{"i": {{counter}}}', encoding: 'json' }, qos: 1, transform: { source: 'return [msg.json().i];' } },
      mode: { kind: 'burst', count: 200 },
    });
    expect(await finalReport(started.jobId)).toMatchObject({ state: 'done', sent: 200, acknowledged: 200, failed: 0 });
    await waitFor(() => texts('tx/burst-each').length >= 200);
    expect(texts('tx/burst-each')).toEqual(Array.from({ length: 200 }, (_, i) => `[${i + 1}]`));
  });

  it('refuses a script that does not compile, or throws, with the line and column, and sends nothing', async () => {
    const bad = { connectionId, topic: 'tx/bad', payload: { form: 'text' as const, text: 'x' } };
    await expect(harness.client.invoke('publish.compose', { ...bad, transform: { source: 'const a = 1;\nreturn a +;' } })).rejects.toMatchObject({
      code: 'PAYLOAD_ERROR',
      message: expect.stringMatching(/^The payload script failed: SyntaxError: .*\(line 2, column \d+\)/),
      details: { line: 2, column: expect.any(Number), scriptError: 'syntax' },
    });
    await expect(harness.client.invoke('publish.previewTransform', { ...bad, transform: { source: 'log("ok");\n  throw new Error("no reading");' } })).rejects.toMatchObject({
      code: 'PAYLOAD_ERROR',
      message: expect.stringContaining('no reading'),
      details: { line: 2, column: expect.any(Number), scriptError: 'runtime' },
    });
    await expect(harness.client.invoke('publish.compose', { ...bad, transform: { source: 'msg.topic;' } })).rejects.toMatchObject({
      code: 'PAYLOAD_ERROR',
      message: expect.stringContaining('returned nothing'),
    });
    // A repeat whose script fails on its third message ends as failed with that error, after two sends.
    const started = await harness.client.invoke('publish.startJob', {
      connectionId,
      message: { topic: 'tx/bad-repeat', payload: { form: 'text', text: '{{counter}}' }, qos: 1, transform: { source: 'if (msg.text === "3") throw new Error("three");\nreturn msg.text;' } },
      mode: { kind: 'repeat', intervalMs: 10 },
    });
    const final = await finalReport(started.jobId);
    expect(final).toMatchObject({ state: 'failed', sent: 2, acknowledged: 2, failed: 1, error: { code: 'PAYLOAD_ERROR', message: expect.stringContaining('three (line 1, column') } });
    await waitFor(() => texts('tx/bad-repeat').length >= 2);
    expect(texts('tx/bad-repeat')).toEqual(['1', '2']);
    expect(seen.has('tx/bad')).toBe(false);
  });
});
