import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectionId } from '../../../shared/ipc/common';
import { createBroker, type EmbeddedBroker } from '../../lib';
import { startCoreHarness, type CoreHarness } from '../../test-support/core-harness';
import { waitFor } from '../../test-support/wait-for';
import { scriptWorkerFile } from '../../test-support/worker-file';

let broker: EmbeddedBroker;
let harness: CoreHarness;
let outside: MqttClient;
let connectionId: ConnectionId;
const bytes = (text: string): Uint8Array<ArrayBuffer> => new TextEncoder().encode(text);

beforeAll(async () => {
  broker = await createBroker({ port: 0 });
  harness = await startCoreHarness('memory', { scriptWorkerFile: await scriptWorkerFile() });
  outside = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
  ({ connectionId } = await harness.client.invoke('connections.connect', { url: broker.url, protocolVersion: 5, subscriptions: [{ filter: '#', qos: 1 }] }));
}, 60_000);
afterAll(async () => {
  await outside.endAsync();
  await harness.close();
  await broker.stop();
});

async function lastDecoded(topic: string, count: number, kind: 'auto' | 'json' = 'auto') {
  await waitFor(async () => (await harness.client.invoke('explorer.getTopic', { connectionId, topic })).messageCount >= count, { what: `${count} messages on ${topic}` });
  return harness.client.invoke('explorer.decode', { connectionId, topic, kind });
}

describe('the decoders group of the contract', () => {
  it('a script bound to sensors/# decodes the inspector\'s view; other topics and a picked kind are left alone', async () => {
    const saved = await harness.client.invoke('decoders.saveBinding', { filter: 'sensors/#', decoder: { kind: 'script', source: 'const v = msg.json();\nreturn { celsius: (v.f - 32) * 5 / 9, topic: msg.topic };' } });
    expect(saved).toMatchObject({ filter: 'sensors/#', enabled: true, problem: null });
    expect(harness.received.some((f) => f.kind === 'event' && f.name === 'decoders.bindingsChanged')).toBe(true);

    await outside.publishAsync('sensors/room1/temp', JSON.stringify({ f: 212 }), { qos: 1 });
    expect(await lastDecoded('sensors/room1/temp', 1)).toMatchObject({ ok: true, kind: 'script', bindingId: saved.id, value: { celsius: 100, topic: 'sensors/room1/temp' } });
    // The user picked JSON: the binding steps aside.
    expect(await lastDecoded('sensors/room1/temp', 1, 'json')).toMatchObject({ ok: true, kind: 'json', value: { f: 212 } });

    await outside.publishAsync('other/temp', JSON.stringify({ f: 212 }), { qos: 1 });
    expect(await lastDecoded('other/temp', 1)).toMatchObject({ ok: true, kind: 'json' });

    // A message the script cannot read: its error, with the line and column in the script's own source.
    await outside.publishAsync('sensors/room1/temp', 'not json', { qos: 1 });
    const failed = await lastDecoded('sensors/room1/temp', 2);
    expect(failed).toMatchObject({ ok: false, kind: 'script', bindingId: saved.id, line: 1, column: expect.any(Number) });
    expect(failed.ok ? '' : failed.error).toMatch(/^cannot decode with the script: .*\(line 1, column \d+\)$/);

    expect(await harness.client.invoke('decoders.deleteBinding', { id: saved.id })).toEqual({ deleted: 1 });
    expect(await harness.client.invoke('decoders.deleteBinding', { id: saved.id })).toEqual({ deleted: 0 });
    expect(await lastDecoded('sensors/room1/temp', 2)).toMatchObject({ ok: true, kind: 'text' });
  });

  it('keeps bindings in order, replaces one by id, and reports a problem without losing the user\'s work', async () => {
    const json = await harness.client.invoke('decoders.saveBinding', { filter: 'plant/+/json', decoder: { kind: 'json' } });
    const proto = await harness.client.invoke('decoders.saveBinding', { filter: 'plant/pb', decoder: { kind: 'protobuf', proto: 'syntax = "proto3"; message R { double t = 1; }', messageType: 'Nope' } });
    expect(proto.problem?.message).toMatch(/^Protobuf: .*Nope/);
    const broken = await harness.client.invoke('decoders.saveBinding', { filter: 'plant/s', decoder: { kind: 'script', source: 'return msg.json(;' } });
    expect(broken.problem).toMatchObject({ message: expect.stringMatching(/^SyntaxError/), line: 1, column: expect.any(Number) });

    const fixed = await harness.client.invoke('decoders.saveBinding', { id: proto.id, filter: 'plant/pb', decoder: { kind: 'protobuf', proto: 'syntax = "proto3"; message R { double t = 1; }', messageType: 'R' } });
    expect(fixed.problem).toBeNull();
    const list = await harness.client.invoke('decoders.listBindings', {});
    expect(list.map((b) => b.id)).toEqual([json.id, proto.id, broken.id]);

    for (const b of list) await harness.client.invoke('decoders.deleteBinding', { id: b.id });
    expect(await harness.client.invoke('decoders.listBindings', {})).toEqual([]);
  });

  it('tests a script on a sample payload: its value and logs, or its error with line and column', async () => {
    const good = await harness.client.invoke('decoders.testScript', { source: "log('bytes', msg.payload.length);\nreturn msg.json().a * 2;", topic: 'x/y', payload: bytes('{"a":21}') });
    expect(good).toMatchObject({ ok: true, value: 42, text: '42', logs: [{ level: 'log', text: 'bytes 8' }] });
    const thrown = await harness.client.invoke('decoders.testScript', { source: "const a = 1;\n  throw new Error('bad sample');", topic: 'x/y', payload: bytes('') });
    expect(thrown).toMatchObject({ ok: false, error: expect.stringContaining('bad sample'), line: 2, column: expect.any(Number) });
    const syntax = await harness.client.invoke('decoders.testScript', { source: 'return (;', topic: 'x/y', payload: bytes('') });
    expect(syntax).toMatchObject({ ok: false, error: expect.stringMatching(/^SyntaxError/), line: 1 });
    await expect(harness.client.invoke('decoders.saveBinding', { filter: 'a/#/b', decoder: { kind: 'json' } })).rejects.toMatchObject({ code: 'TOPIC_ERROR' });
    await expect(harness.client.invoke('decoders.saveBinding', { id: 'gone', filter: 'a', decoder: { kind: 'json' } })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('decodes and compares payloads given by value, as the History view shows stored messages', async () => {
    const saved = await harness.client.invoke('decoders.saveBinding', { filter: 'given/#', decoder: { kind: 'script', source: 'return { doubled: msg.json().v * 2 };' } });
    const payload = bytes('{"v":21}');
    expect(await harness.client.invoke('decoders.decodePayload', { topic: 'given/a', payload, kind: 'auto' })).toMatchObject({ ok: true, kind: 'script', bindingId: saved.id, value: { doubled: 42 } });
    expect(await harness.client.invoke('decoders.decodePayload', { topic: 'given/a', payload, kind: 'hex' })).toMatchObject({ ok: true, kind: 'hex', text: expect.stringContaining('7b 22 76 22') });
    expect(await harness.client.invoke('decoders.decodePayload', { topic: 'unbound', payload, kind: 'auto' })).toMatchObject({ ok: true, kind: 'json', value: { v: 21 } });
    expect(await harness.client.invoke('decoders.decodePayload', { topic: 'unbound', payload: bytes('nope'), kind: 'cbor' })).toMatchObject({ ok: false, error: expect.stringMatching(/^cannot decode as CBOR/) });
    await harness.client.invoke('decoders.deleteBinding', { id: saved.id });

    const diff = await harness.client.invoke('decoders.diffPayloads', { a: bytes('{"b":1,"a":"x"}'), b: bytes('{"a":"x","b":2}') });
    expect(diff).toMatchObject({ json: true, added: 1, removed: 1 });
    expect(diff.lines.filter((l) => l.op !== 'same').map((l) => l.text.trim())).toEqual(['"b": 1', '"b": 2']);

    await expect(harness.client.invoke('decoders.decodePayload', { topic: 'a/+', payload, kind: 'auto' })).rejects.toMatchObject({ code: 'TOPIC_ERROR' });
    await expect(harness.client.invoke('decoders.decodePayload', { topic: 'a', payload: 'text' as unknown as Uint8Array<ArrayBuffer>, kind: 'auto' })).rejects.toThrow(/binary data/);
  });
});
