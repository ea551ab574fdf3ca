import cbor from 'cbor';
import { decode as decodeMsgpack } from '@msgpack/msgpack';
import mqtt, { type IPublishPacket, type MqttClient } from 'mqtt';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import protobuf from 'protobufjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectionId } from '../../../shared/ipc/common';
import { createClient } from '../../../shared/ipc/client';
import { TopiaryError } from '../../../shared/ipc/errors';
import { createMemoryWirePair } from '../../../shared/ipc/memory-wire';
import type { ComposedMessage, JobProgress } from '../../../shared/ipc/publish';
import { startCoreHarness, type CoreHarness } from '../../test-support/core-harness';
import { startMosquitto, type Mosquitto } from '../../test-support/mosquitto';
import { waitFor } from '../../test-support/wait-for';
import { createAppCore } from '../app-core';

const decodeCbor = (bytes: Uint8Array): unknown => cbor.decodeFirstSync(bytes);

let broker: Mosquitto;
let harness: CoreHarness;
const outsiders: MqttClient[] = [];

beforeAll(async () => {
  broker = await startMosquitto();
});

afterAll(async () => {
  await broker.stop();
});

afterEach(async () => {
  await Promise.all(outsiders.splice(0).map((c) => c.endAsync().catch(() => undefined)));
  await harness?.close();
});

async function connect(options: { subscriptions?: { filter: string; qos: 0 | 1 | 2 }[]; url?: string; username?: string; protocolVersion?: 4 | 5 } = {}): Promise<ConnectionId> {
  harness = await startCoreHarness('memory');
  const info = await harness.client.invoke('connections.connect', {
    url: options.url ?? broker.url,
    protocolVersion: options.protocolVersion ?? 5,
    subscriptions: options.subscriptions ?? [],
    ...(options.username ? { username: options.username } : {}),
  });
  return info.connectionId;
}

/** An MQTT.js client outside Topiary, subscribed and collecting what arrives. */
async function outside(filter: string, url = broker.url): Promise<{ client: MqttClient; messages: IPublishPacket[] }> {
  const client = await mqtt.connectAsync(url, { protocolVersion: 5 });
  outsiders.push(client);
  const messages: IPublishPacket[] = [];
  client.on('message', (_t, _p, packet) => messages.push(packet));
  await client.subscribeAsync(filter, { qos: 2 });
  return { client, messages };
}

function bytesOf(packet: IPublishPacket | undefined): number[] {
  return [...new Uint8Array(packet?.payload as Buffer)];
}

const PROTO = 'syntax = "proto3"; package acme; message Reading { string sensor = 1; double value = 2; repeated int32 samples = 3; }';

describe('composing through the core to a real broker', () => {
  it('sends every payload form byte for byte', async () => {
    const connectionId = await connect();
    const sub = await outside('forms/#');
    const file = Uint8Array.from({ length: 300 }, (_, i) => (i * 7) & 0xff);
    const json = '{"t":21.5,"ok":true,"list":[1,2,3]}';
    const cases: { name: string; message: ComposedMessage; expected: (bytes: Uint8Array) => void }[] = [
      { name: 'text', message: { topic: 'forms/text', payload: { form: 'text', text: 'héllo ✓' } }, expected: (b) => expect([...b]).toEqual([...Buffer.from('héllo ✓')]) },
      { name: 'json', message: { topic: 'forms/json', payload: { form: 'json', text: json } }, expected: (b) => expect(Buffer.from(b).toString()).toBe(json) },
      { name: 'hex', message: { topic: 'forms/hex', payload: { form: 'hex', text: '00 ff 10 80 41' } }, expected: (b) => expect([...b]).toEqual([0, 255, 16, 128, 65]) },
      { name: 'base64', message: { topic: 'forms/base64', payload: { form: 'base64', text: 'AP8QgEE=' } }, expected: (b) => expect([...b]).toEqual([0, 255, 16, 128, 65]) },
      { name: 'file', message: { topic: 'forms/file', payload: { form: 'file', bytes: file, name: 'blob.bin' } }, expected: (b) => expect([...b]).toEqual([...file]) },
      { name: 'cbor', message: { topic: 'forms/cbor', payload: { form: 'json', text: json, encoding: 'cbor' } }, expected: (b) => expect(decodeCbor(b)).toEqual(JSON.parse(json)) },
      { name: 'msgpack', message: { topic: 'forms/msgpack', payload: { form: 'json', text: json, encoding: 'msgpack' } }, expected: (b) => expect(decodeMsgpack(b)).toEqual(JSON.parse(json)) },
      {
        name: 'protobuf',
        message: { topic: 'forms/protobuf', payload: { form: 'protobuf', text: '{"sensor":"t1","value":2.5,"samples":[1,2,3]}', proto: PROTO, messageType: 'acme.Reading' } },
        expected: (b) => {
          const type = protobuf.parse(PROTO, { keepCase: true }).root.lookupType('acme.Reading');
          expect(type.toObject(type.decode(b))).toEqual({ sensor: 't1', value: 2.5, samples: [1, 2, 3] });
        },
      },
    ];
    for (const c of cases) {
      const preview = await harness.client.invoke('publish.preview', c.message);
      const result = await harness.client.invoke('publish.compose', { connectionId, ...c.message, qos: 1 });
      expect(result.bytes).toBe(preview.payload.length);
      await waitFor(() => sub.messages.find((m) => m.topic === c.message.topic), { what: `${c.name} at the subscriber` });
      const got = sub.messages.find((m) => m.topic === c.message.topic);
      expect(bytesOf(got)).toEqual([...preview.payload]);
      c.expected(new Uint8Array(got?.payload as Buffer));
    }
  });

  it('counts {{counter}} per send, per connection and topic, and starts again when reset', async () => {
    const first = await connect();
    const second = (await harness.client.invoke('connections.connect', { url: broker.url, subscriptions: [] })).connectionId;
    const sub = await outside('count/#');
    const send = (connectionId: ConnectionId, topic: string) =>
      harness.client.invoke('publish.compose', { connectionId, topic, payload: { form: 'text', text: 'n={{counter}}' }, qos: 1 });
    const texts = (topic: string) => sub.messages.filter((m) => m.topic === topic).map((m) => Buffer.from(m.payload).toString());
    for (let i = 0; i < 3; i++) await send(first, 'count/a');
    expect((await send(first, 'count/b')).counter).toBe(1);
    expect((await send(second, 'count/a')).counter).toBe(1);
    // The preview shows what the next send will use.
    const next = await harness.client.invoke('publish.preview', { connectionId: first, topic: 'count/a', payload: { form: 'text', text: '{{counter}}' } });
    expect(Buffer.from(next.payload).toString()).toBe('4');
    await harness.client.invoke('publish.resetCounter', { connectionId: first, topic: 'count/a' });
    await send(first, 'count/a');
    await waitFor(() => texts('count/a').length === 5, { what: 'five messages on count/a' });
    expect(texts('count/a')).toEqual(['n=1', 'n=2', 'n=3', 'n=1', 'n=1']);
    expect(texts('count/b')).toEqual(['n=1']);
  });

  it('delivers every MQTT 5 publish property intact to an outside subscriber', async () => {
    const connectionId = await connect();
    const sub = await outside('props/#');
    const correlationData = Uint8Array.from([1, 2, 3, 250]);
    await harness.client.invoke('publish.compose', {
      connectionId,
      topic: 'props/all',
      payload: { form: 'text', text: 'with properties' },
      qos: 2,
      retain: false,
      properties: {
        payloadFormatIndicator: true,
        contentType: 'text/plain; charset=utf-8',
        messageExpiryInterval: 3600,
        topicAlias: 3,
        responseTopic: 'props/reply',
        correlationData,
        userProperties: [
          ['site', 'north'],
          ['site', 'south'],
          ['unit', '°C'],
        ],
      },
    });
    const got = await waitFor(() => sub.messages.find((m) => m.topic === 'props/all'));
    const p = got.properties ?? {};
    expect(p.payloadFormatIndicator).toBe(true);
    expect(p.contentType).toBe('text/plain; charset=utf-8');
    expect(p.messageExpiryInterval).toBeGreaterThan(3590);
    expect(p.messageExpiryInterval).toBeLessThanOrEqual(3600);
    expect(p.responseTopic).toBe('props/reply');
    expect([...(p.correlationData ?? [])]).toEqual([1, 2, 3, 250]);
    expect(p.userProperties).toEqual({ site: ['north', 'south'], unit: '°C' });
    expect(Buffer.from(got.payload).toString()).toBe('with properties');
  });

  it('fills placeholders in topic and payload at send time', async () => {
    const connectionId = await connect();
    const sub = await outside('tpl/#');
    const before = Date.now();
    const result = await harness.client.invoke('publish.compose', {
      connectionId,
      topic: 'tpl/{{pick only}}/{{counter}}',
      payload: { form: 'json', text: '{"at":{{timestamp}},"iso":"{{iso}}","id":"{{uuid}}","n":{{randomInt 5 5}},"f":{{randomFloat 1 1 3}}}' },
      qos: 1,
    });
    expect(result.topic).toBe('tpl/only/1');
    const got = await waitFor(() => sub.messages.find((m) => m.topic === 'tpl/only/1'));
    const body = JSON.parse(Buffer.from(got.payload).toString()) as { at: number; iso: string; id: string; n: number; f: number };
    expect(body.at).toBeGreaterThanOrEqual(before);
    expect(body.at).toBeLessThanOrEqual(Date.now());
    expect(new Date(body.iso).getTime()).toBe(body.at);
    expect(body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.n).toBe(5);
    expect(body.f).toBe(1);
  });

  it('reports PUBACK and PUBCOMP with their reason and round trip, and nothing to wait for at QoS 0', async () => {
    const connectionId = await connect();
    await outside('acks/#');
    const q0 = await harness.client.invoke('publish.compose', { connectionId, topic: 'acks/0', payload: { form: 'text', text: 'a' }, qos: 0 });
    const q1 = await harness.client.invoke('publish.compose', { connectionId, topic: 'acks/1', payload: { form: 'text', text: 'b' }, qos: 1 });
    const q2 = await harness.client.invoke('publish.compose', { connectionId, topic: 'acks/2', payload: { form: 'text', text: 'c' }, qos: 2 });
    expect(q0).toMatchObject({ ack: 'none', roundTripMs: 0 });
    expect(q1).toMatchObject({ ack: 'PUBACK', reasonCode: 0, reason: 'Success' });
    expect(q1.packetId).toBeGreaterThan(0);
    expect(q1.roundTripMs).toBeGreaterThan(0);
    expect(q2).toMatchObject({ ack: 'PUBCOMP', pubrec: { reasonCode: 0, reason: 'Success' } });
    expect(q2.pubrec?.afterMs).toBeLessThanOrEqual(q2.roundTripMs + 1);
    expect(q2.roundTripMs).toBeGreaterThan(0);
  });

  it('refuses a wildcard or a bad placeholder before anything is sent', async () => {
    const connectionId = await connect();
    await expect(harness.client.invoke('publish.compose', { connectionId, topic: 'a/+', payload: { form: 'text', text: '' } })).rejects.toMatchObject({ code: 'TOPIC_ERROR' });
    await expect(harness.client.invoke('publish.compose', { connectionId, topic: 'a', payload: { form: 'text', text: '{{nope}}' } })).rejects.toMatchObject({
      code: 'PAYLOAD_ERROR',
      message: expect.stringContaining('Unknown placeholder'),
    });
    await expect(harness.client.invoke('publish.compose', { connectionId, topic: 'a', payload: { form: 'json', text: '{' } })).rejects.toMatchObject({ code: 'PAYLOAD_ERROR' });
  });

  it('publishes every interval for the asked count, numbering each message', async () => {
    const connectionId = await connect();
    const sub = await outside('repeat/#');
    const started = await harness.client.invoke('publish.startJob', {
      connectionId,
      message: { topic: 'repeat/x', payload: { form: 'text', text: 'n={{counter}}' }, qos: 1 },
      mode: { kind: 'repeat', intervalMs: 30, count: 5 },
    });
    const final = await finalReport(started.jobId);
    expect(final).toMatchObject({ state: 'done', sent: 5, acknowledged: 5, failed: 0 });
    await waitFor(() => sub.messages.length >= 5);
    expect(sub.messages.map((m) => Buffer.from(m.payload).toString())).toEqual(['n=1', 'n=2', 'n=3', 'n=4', 'n=5']);
    // Five sends on a 30 ms schedule take at least four intervals.
    expect(final.durationMs).toBeGreaterThanOrEqual(4 * 30 - 5);
  });

  it('stops an endless repeat on request and reports what it sent', async () => {
    const connectionId = await connect();
    const sub = await outside('forever/#');
    const started = await harness.client.invoke('publish.startJob', {
      connectionId,
      message: { topic: 'forever/x', payload: { form: 'text', text: 'tick' }, qos: 1 },
      mode: { kind: 'repeat', intervalMs: 10 },
    });
    expect(started.total).toBeUndefined();
    await waitFor(() => sub.messages.length >= 3);
    const report = await harness.client.invoke('publish.stopJob', { jobId: started.jobId });
    expect(report.state).toBe('stopped');
    expect(report.acknowledged).toBe(report.sent);
    expect(report.sent).toBeGreaterThanOrEqual(3);
    const jobs = await harness.client.invoke('publish.listJobs', {});
    expect(jobs.find((j) => j.jobId === started.jobId)?.state).toBe('stopped');
  });

  // 10,000 messages through mosquitto's Receive Maximum of 20 is 500 windows refilled, which proves that no acknowledgement is
  // lost and that progress is coalesced as well as 100,000 did; the burst is bound by round trips, not CPU, so on a busy
  // machine (each round trip waiting for both processes to be scheduled) 100,000 took over 60 s. The e2e still bursts 100,000.
  it('bursts 10,000 QoS 1 messages with every one acknowledged and progress coalesced', async () => {
    const connectionId = await connect();
    const progress: JobProgress[] = [];
    harness.client.on('publish.jobProgressed', (p) => progress.push(p));
    const started = await harness.client.invoke('publish.startJob', {
      connectionId,
      message: { topic: 'burst/one', payload: { form: 'text', text: 'x'.repeat(32) }, qos: 1 },
      mode: { kind: 'burst', count: 10_000 },
    });
    // While the burst runs the core still answers other requests.
    const listed = await harness.client.invoke('connections.list', {});
    expect(listed).toHaveLength(1);
    const final = await waitFor(() => progress.find((p) => p.jobId === started.jobId && p.state !== 'running'), { timeoutMs: 100_000, what: 'the burst to end' });
    expect(final).toMatchObject({ state: 'done', total: 10_000, sent: 10_000, acknowledged: 10_000, failed: 0 });
    expect(final.ratePerSecond).toBeGreaterThan(0);
    const running = progress.filter((p) => p.state === 'running');
    // A few reports a second, not one per message.
    expect(running.length).toBeLessThan(final.durationMs / 100 + 5);
    expect(running.length).toBeLessThan(1_000);
  }, 120_000);

  it('sends a burst in batches with a pause between', async () => {
    const connectionId = await connect();
    const sub = await outside('batches/#');
    const started = await harness.client.invoke('publish.startJob', {
      connectionId,
      message: { topic: 'batches/{{counter}}', payload: { form: 'text', text: '{{counter}}' }, qos: 2 },
      mode: { kind: 'burst', count: 30, batchSize: 10, batchDelayMs: 50 },
    });
    const final = await finalReport(started.jobId);
    expect(final).toMatchObject({ state: 'done', sent: 30, acknowledged: 30 });
    expect(final.durationMs).toBeGreaterThanOrEqual(100 - 5);
    await waitFor(() => sub.messages.length >= 30);
    expect(new Set(sub.messages.map((m) => m.topic)).size).toBe(30);
  });

  it('answers a request with the matching reply and its latency', async () => {
    const connectionId = await connect();
    const responder = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
    outsiders.push(responder);
    await responder.subscribeAsync('svc/echo', { qos: 1 });
    responder.on('message', (_topic, payload, packet) => {
      const p = packet.properties ?? {};
      if (!p.responseTopic) return;
      // A decoy with another correlation first: only the matching reply may resolve the request.
      void responder.publishAsync(p.responseTopic, 'decoy', { qos: 1, properties: { correlationData: Buffer.from('other') } });
      void responder.publishAsync(p.responseTopic, `echo:${payload.toString()}`, { qos: 1, properties: { correlationData: p.correlationData } });
    });
    const result = await harness.client.invoke('publish.request', {
      connectionId,
      topic: 'svc/echo',
      payload: { form: 'text', text: 'ping' },
      qos: 1,
      responseTopic: 'svc/echo/reply/me',
      correlation: 'req-1',
    });
    expect(Buffer.from(result.reply.payload).toString()).toBe('echo:ping');
    expect(result.correlation).toBe('req-1');
    expect(Buffer.from(result.reply.properties?.correlationData ?? []).toString()).toBe('req-1');
    expect(result.latencyMs).toBeGreaterThan(0);
    expect(result.latencyMs).toBeLessThan(5_000);
  });

  it('gives up on a request nobody answers, with a sentence saying what to check', async () => {
    const connectionId = await connect();
    const failure = await harness.client
      .invoke('publish.request', { connectionId, topic: 'svc/nobody', payload: { form: 'text', text: 'x' }, responseTopic: 'svc/nobody/reply', timeoutMs: 200 })
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(TopiaryError);
    expect((failure as TopiaryError).message).toContain('No reply on "svc/nobody/reply"');
    // Its own code: the request went out fine, nobody answered.
    expect(failure).toMatchObject({ code: 'REQUEST_TIMEOUT', details: { timeoutMs: 200 } });
  });

  it('explains that request/response needs MQTT 5 on an MQTT 3.1.1 connection', async () => {
    const connectionId = await connect({ protocolVersion: 4 });
    await expect(
      harness.client.invoke('publish.request', { connectionId, topic: 'svc/x', payload: { form: 'text', text: 'x' }, responseTopic: 'svc/x/reply' }),
    ).rejects.toMatchObject({ code: 'PROTOCOL_ERROR', message: expect.stringContaining('needs MQTT 5') });
  });

  it('suggests topics from the live tree, completing the last level', async () => {
    const connectionId = await connect({ subscriptions: [{ filter: '#', qos: 0 }] });
    const pub = await mqtt.connectAsync(broker.url);
    outsiders.push(pub);
    for (const t of ['plant/line-1/temp', 'plant/line-2/temp', 'plant/office', 'other']) await pub.publishAsync(t, '1', { qos: 1 });
    await waitFor(async () => (await harness.client.invoke('publish.suggestTopics', { connectionId, prefix: 'plant/line-2/' })).length === 1);
    expect(await harness.client.invoke('publish.suggestTopics', { connectionId, prefix: 'pl' })).toEqual([{ topic: 'plant', hasChildren: true, hasMessage: false }]);
    expect((await harness.client.invoke('publish.suggestTopics', { connectionId, prefix: 'plant/line' })).map((s) => s.topic)).toEqual(['plant/line-1', 'plant/line-2']);
    expect(await harness.client.invoke('publish.suggestTopics', { connectionId, prefix: 'plant/of' })).toEqual([{ topic: 'plant/office', hasChildren: false, hasMessage: true }]);
    expect(await harness.client.invoke('publish.suggestTopics', { connectionId, prefix: 'nothing/here' })).toEqual([]);
  });
});

async function finalReport(jobId: string): Promise<JobProgress> {
  return waitFor(async () => (await harness.client.invoke('publish.listJobs', {})).find((j) => j.jobId === jobId && j.state !== 'running'), { timeoutMs: 20_000, what: 'the job to end' });
}

describe('a refused publish', () => {



  it('shows Not authorized (0x87) with what to do, and lands in history', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'topiary-acl-'));
    const acl = path.join(dir, 'acl');
    await writeFile(acl, 'topic readwrite allowed/#\n');
    const aclBroker = await startMosquitto({ config: [`acl_file ${acl}`] });
    try {
      const connectionId = await connect({ url: aclBroker.url });
      const ok = await harness.client.invoke('publish.compose', { connectionId, topic: 'allowed/x', payload: { form: 'text', text: 'fine' }, qos: 1 });
      expect(ok.reasonCode === 0 || ok.reasonCode === 0x10).toBe(true);
      const refused = await harness.client.invoke('publish.compose', { connectionId, topic: 'forbidden/x', payload: { form: 'text', text: 'no' }, qos: 1 }).catch((e: unknown) => e);
      expect(refused).toMatchObject({ code: 'PUBLISH_FAILED', details: { reasonCode: 0x87, reason: 'Not authorized' } });
      expect((refused as TopiaryError).message).toContain('Not authorized (0x87)');
      expect((refused as TopiaryError).message).toContain('ACL');
      const history = await harness.client.invoke('publish.listHistory', {});
      expect(history[0]).toMatchObject({ topic: 'forbidden/x', reasonCode: 0x87 });
      expect(history[1]).toMatchObject({ topic: 'allowed/x', ack: 'PUBACK' });
    } finally {
      await aclBroker.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('saved messages, history and drafts', () => {
  it('survive a restart of the core', async () => {
    const userDataDir = await mkdtemp(path.join(os.tmpdir(), 'topiary-composer-'));
    try {
      const first = await createAppCore({ userDataDir });
      const [a, b] = createMemoryWirePair();
      first.attach(a);
      const client = createClient(b);
      const info = await client.invoke('connections.connect', { url: broker.url, subscriptions: [] });
      const file = Uint8Array.from([0, 1, 2, 255]);
      await client.invoke('publish.compose', { connectionId: info.connectionId, topic: 'keep/me', payload: { form: 'file', bytes: file, name: 'x.bin' }, qos: 1 });
      const saved = await client.invoke('publish.saveMessage', { name: 'Status on', scope: 'global', message: { topic: 'dev/1/set', payload: { form: 'json', text: '{"on":true}' }, qos: 1, retain: true } });
      await client.invoke('publish.saveMessage', { name: 'Per profile', scope: 'profile:abc', message: { topic: 'dev/2', payload: { form: 'text', text: 'x' } } });
      await client.invoke('publish.setDraft', { scope: 'global', draft: { topic: 'draft/t', text: '{"draft": 1}', language: 'json', form: 'json', qos: 2, retain: false } });
      await first.close();

      const second = await createAppCore({ userDataDir });
      const [c, d] = createMemoryWirePair();
      second.attach(c);
      const again = createClient(d);
      const history = await again.invoke('publish.listHistory', {});
      expect(history).toHaveLength(1);
      expect(history[0]?.message.payload).toEqual({ form: 'file', bytes: file, name: 'x.bin' });
      expect((await again.invoke('publish.listSavedMessages', { scope: 'global' })).map((s) => s.name)).toEqual(['Status on']);
      expect((await again.invoke('publish.listSavedMessages', { scope: 'profile:abc' })).map((s) => s.name).sort()).toEqual(['Per profile', 'Status on']);
      expect(await again.invoke('publish.getDraft', { scope: 'global' })).toMatchObject({ topic: 'draft/t', text: '{"draft": 1}', qos: 2 });
      await again.invoke('publish.deleteSavedMessage', { id: saved.id });
      expect((await again.invoke('publish.listSavedMessages', {})).map((s) => s.name)).toEqual(['Per profile']);
      await second.close();
    } finally {
      await rm(userDataDir, { recursive: true, force: true });
    }
  });
});
