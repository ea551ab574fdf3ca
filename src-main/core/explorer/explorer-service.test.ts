import { encode as encodeMsgpack } from '@msgpack/msgpack';
import cbor from 'cbor';
import mqtt from 'mqtt';
import protobuf from 'protobufjs';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ConnectionId, MessageView } from '../../../shared/ipc/common';
import { TopiaryError } from '../../../shared/ipc/errors';
import { ViewArgsSchema } from '../../../shared/ipc/explorer';
import type { Frame } from '../../../shared/ipc/wire';
import { startCoreHarness, type CoreHarness } from '../../test-support/core-harness';
import { startMosquitto, type Mosquitto } from '../../test-support/mosquitto';
import { waitFor } from '../../test-support/wait-for';
import { createBroker } from '../broker';
import { SPARKPLUG_B_PROTO } from '../decoders/sparkplug-b-proto';
import { ExplorerService, type ExplorerLink } from './explorer-service';
import { EventHub } from '../ipc/event-hub';

const encodeCbor = (value: unknown): Buffer => cbor.encode(value);

const CONN = 'c1' as ConnectionId;

/** The service needs no connection for these tests: messages are fed to it as the connection would. */
const offline: ExplorerLink = {
  clearRetained: () => Promise.reject(new TopiaryError('NOT_CONNECTED', 'offline')),
  subscribe: () => Promise.reject(new TopiaryError('NOT_CONNECTED', 'offline')),
  unsubscribe: () => Promise.reject(new TopiaryError('NOT_CONNECTED', 'offline')),
};

let service: ExplorerService;
let clock = 1_700_000_000_000;

function feed(topic: string, payload: string | Uint8Array, extra: Partial<MessageView> = {}): void {
  clock += 10;
  service.ingest(CONN, {
    topic,
    payload: typeof payload === 'string' ? new TextEncoder().encode(payload) : payload,
    qos: 0,
    retain: false,
    dup: false,
    receivedAt: clock,
    ...extra,
  });
}

function view(ops: unknown[], client = 'ui'): ReturnType<ExplorerService['view']> {
  return service.view(ViewArgsSchema.parse({ connectionId: CONN, ops }), client);
}

function paths(client = 'ui'): string[] {
  return service.rows({ connectionId: CONN, start: 0, count: 2000 }, client).rows.map((r) => r.path);
}

function fail(action: () => unknown): TopiaryError {
  try {
    action();
  } catch (error) {
    if (error instanceof TopiaryError) return error;
    throw error;
  }
  throw new Error('expected a TopiaryError');
}

describe('ExplorerService watch feed', () => {
  it('sends a watched topic\'s message to its window at once after a quiet spell, then within one frame, the newest last', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', 'clearImmediate', 'performance'] });
    try {
      const hub = new EventHub();
      const frames: Frame[] = [];
      hub.attach('ui', { send: (f) => frames.push(f), onFrame: () => () => undefined, onClose: () => () => undefined, close: () => undefined });
      service = new ExplorerService(hub, offline);
      service.open(CONN);
      service.watch('ui', CONN, 'a');
      const watched = (): Frame[] => frames.filter((f) => f.kind === 'event' && f.name === 'explorer.messagesReceived');
      const sent = (i: number): [string, string, number][] => {
        const batch = watched()[i]!;
        const messages = batch.kind === 'event' ? (batch.payload as { messages: { topic: string; payload: Uint8Array; n: number }[] }).messages : [];
        return messages.map((m) => [m.topic, new TextDecoder().decode(m.payload), m.n]);
      };
      // A quiet topic: what arrives in one turn goes out together as soon as that turn's I/O is done.
      feed('a', 'one');
      feed('b', 'other');
      feed('a', 'two');
      expect(watched()).toHaveLength(0);
      vi.advanceTimersByTime(0);
      expect(watched()).toHaveLength(1);
      expect(sent(0)).toEqual([
        ['a', 'one', 1],
        ['a', 'two', 2],
      ]);
      // Within the frame after it: held until that frame's beat.
      feed('a', 'three');
      feed('a', 'four');
      vi.advanceTimersByTime(15);
      expect(watched()).toHaveLength(1);
      vi.advanceTimersByTime(1);
      expect(watched()).toHaveLength(2);
      expect(sent(1)).toEqual([
        ['a', 'three', 3],
        ['a', 'four', 4],
      ]);
    } finally {
      service.dispose();
      vi.useRealTimers();
    }
  });
});

describe('ExplorerService views', () => {
  afterEach(() => service.dispose());

  it('expands to a depth in the core and serves rows without the client sending its expansion', () => {
    service = new ExplorerService(new EventHub(), offline);
    service.open(CONN);
    feed('a/b/c', '1');
    feed('a/b/d', '2');
    feed('x/y', '3');
    expect(paths()).toEqual(['a', 'x']);
    expect(view([{ op: 'expandToDepth', depth: 2 }]).total).toBe(6);
    expect(paths()).toEqual(['a', 'a/b', 'a/b/c', 'a/b/d', 'x', 'x/y']);
    view([{ op: 'collapse', path: 'a' }]);
    expect(paths()).toEqual(['a', 'x', 'x/y']);
    view([{ op: 'toggle', path: 'x' }]);
    expect(paths()).toEqual(['a', 'x']);
    view([{ op: 'toggle', path: 'x' }]);
    expect(paths()).toEqual(['a', 'x', 'x/y']);
    view([{ op: 'collapseAll' }]);
    expect(paths()).toEqual(['a', 'x']);
  });

  it('keeps a separate expansion for each UI client', () => {
    service = new ExplorerService(new EventHub(), offline);
    service.open(CONN);
    feed('a/b', '1');
    view([{ op: 'expand', path: 'a' }], 'one');
    expect(paths('one')).toEqual(['a', 'a/b']);
    expect(paths('two')).toEqual(['a']);
  });

  it('sorts siblings by message count when asked', () => {
    service = new ExplorerService(new EventHub(), offline);
    service.open(CONN);
    feed('alpha', '1');
    for (let i = 0; i < 3; i++) feed('zulu', String(i));
    expect(paths()).toEqual(['alpha', 'zulu']);
    expect(view([{ op: 'sort', sort: 'messages' }]).sort).toBe('messages');
    expect(paths()).toEqual(['zulu', 'alpha']);
  });

  it('filters by an MQTT wildcard and keeps the filtered tree live', () => {
    service = new ExplorerService(new EventHub(), offline);
    service.open(CONN);
    feed('plant/1/temp', '20');
    feed('plant/1/humidity', '50');
    view([{ op: 'filter', filter: { mode: 'wildcard', pattern: 'plant/+/temp' } }]);
    expect(paths()).toEqual(['plant', 'plant/1', 'plant/1/temp']);
    feed('plant/2/temp', '21');
    expect(paths()).toEqual(['plant', 'plant/1', 'plant/1/temp', 'plant/2', 'plant/2/temp']);
  });

  it('filters by payload text when asked to', () => {
    service = new ExplorerService(new EventHub(), offline);
    service.open(CONN);
    feed('a', 'status: ALARM');
    feed('b', 'status: ok');
    view([{ op: 'filter', filter: { mode: 'substring', pattern: 'alarm', searchPayload: true } }]);
    expect(paths()).toEqual(['a']);
  });

  it('refuses an invalid regular expression with VALIDATION_ERROR and keeps the previous filter', () => {
    service = new ExplorerService(new EventHub(), offline);
    service.open(CONN);
    feed('a', '1');
    feed('b', '2');
    view([{ op: 'filter', filter: { mode: 'regex', pattern: '^a$' } }]);
    const error = fail(() => view([{ op: 'filter', filter: { mode: 'regex', pattern: '(unclosed' } }]));
    expect(error.code).toBe('VALIDATION_ERROR');
    expect(error.message).toMatch(/regular expression is not valid/);
    expect(paths()).toEqual(['a']);
  });

  it('refuses a malformed wildcard filter with TOPIC_ERROR', () => {
    service = new ExplorerService(new EventHub(), offline);
    service.open(CONN);
    const error = fail(() => view([{ op: 'filter', filter: { mode: 'wildcard', pattern: 'a/#/b' } }]));
    expect(error.code).toBe('TOPIC_ERROR');
  });
});

describe('ExplorerService decoding', () => {
  afterEach(() => service.dispose());

  const decode = (topic: string, kind: string, extra: object = {}): ReturnType<ExplorerService['decode']> =>
    service.decode({ connectionId: CONN, topic, kind: kind as never, ...extra });

  it('decodes each codec in the core and says clearly when the bytes are not that format', () => {
    service = new ExplorerService(new EventHub(), offline);
    service.open(CONN);
    feed('j', '{"b":1,"a":[true]}');
    feed('t', 'hello');
    feed('b64', 'aGVsbG8=');
    feed('c', encodeCbor({ temp: 21.5 }));
    feed('m', encodeMsgpack({ on: true }));
    feed('bad', new Uint8Array([0xff, 0xfe, 0x00, 0x01]));

    const json = decode('j', 'json');
    expect(json.ok && json.text).toBe(JSON.stringify({ b: 1, a: [true] }, null, 2));
    expect(decode('j', 'auto').kind).toBe('json');
    expect(decode('t', 'text')).toMatchObject({ ok: true, text: 'hello' });
    expect(decode('b64', 'base64')).toMatchObject({ ok: true, text: 'hello' });
    expect(decode('t', 'base64').ok).toBe(false);
    expect(decode('t', 'hex')).toMatchObject({ ok: true });
    expect((decode('t', 'hex') as { text: string }).text).toContain('68 65 6c 6c 6f');
    expect(decode('c', 'cbor')).toMatchObject({ ok: true, value: { temp: 21.5 } });
    expect(decode('m', 'msgpack')).toMatchObject({ ok: true, value: { on: true } });

    for (const kind of ['json', 'cbor', 'msgpack', 'sparkplug']) {
      const result = decode('bad', kind);
      expect(result.ok).toBe(false);
      expect(!result.ok && result.error).toMatch(/^cannot decode as /);
    }
  });

  it('decodes a Sparkplug B payload automatically under spBv1.0/', () => {
    service = new ExplorerService(new EventHub(), offline);
    service.open(CONN);
    const type = protobuf.parse(SPARKPLUG_B_PROTO, { keepCase: true }).root.lookupType('org.eclipse.tahu.protobuf.Payload');
    const bytes = type.encode(type.fromObject({ timestamp: 1, seq: 4, metrics: [{ name: 'Temperature', datatype: 10, double_value: 22.5 }] })).finish();
    feed('spBv1.0/plant/DDATA/edge/dev', bytes);
    const result = decode('spBv1.0/plant/DDATA/edge/dev', 'auto');
    expect(result).toMatchObject({ ok: true, kind: 'sparkplug' });
    expect(result.ok && result.text).toContain('Temperature');
  });

  it('decodes Protobuf with a user-supplied schema and explains a missing message type', () => {
    service = new ExplorerService(new EventHub(), offline);
    service.open(CONN);
    const proto = 'syntax = "proto3"; package acme; message Reading { string id = 1; double value = 2; }';
    const type = protobuf.parse(proto).root.lookupType('acme.Reading');
    feed('pb', type.encode(type.fromObject({ id: 'r1', value: 3.5 })).finish());
    expect(decode('pb', 'protobuf', { protobuf: { proto, messageType: 'acme.Reading' } })).toMatchObject({ ok: true, value: { id: 'r1', value: 3.5 } });
    const missing = decode('pb', 'protobuf', { protobuf: { proto, messageType: 'Nope' } });
    expect(!missing.ok && missing.error).toMatch(/cannot decode as Protobuf: message type "Nope" is not in the \.proto/);
    const noSchema = decode('pb', 'protobuf');
    expect(noSchema.ok).toBe(false);
  });

  it('sends only the head of a big payload inline and serves the rest in chunks', () => {
    service = new ExplorerService(new EventHub(), offline);
    service.open(CONN);
    const big = new Uint8Array(3 * 1024 * 1024).map((_, i) => i % 251);
    feed('big', big);
    const detail = service.topic({ connectionId: CONN, topic: 'big' });
    expect(detail.lastMessage?.size).toBe(big.length);
    expect(detail.lastMessage!.payload.length).toBeLessThan(big.length);
    const parts: Uint8Array[] = [];
    for (let offset = 0; offset < big.length; offset += 1024 * 1024) {
      parts.push(service.payload({ connectionId: CONN, topic: 'big', offset, length: 1024 * 1024 }).bytes);
    }
    expect(Buffer.concat(parts).equals(Buffer.from(big))).toBe(true);
  });

  it('says NOT_FOUND for a topic without messages', () => {
    service = new ExplorerService(new EventHub(), offline);
    service.open(CONN);
    expect(fail(() => decode('none', 'auto')).code).toBe('NOT_FOUND');
  });
});

describe('ExplorerService history', () => {
  afterEach(() => service.dispose());

  it('lists a topic history with deltas, diffs two messages as JSON and charts a JSON field', () => {
    service = new ExplorerService(new EventHub(), offline);
    service.open(CONN);
    feed('s', '{"temp": 20, "unit": "C"}');
    feed('s', '{"unit": "C", "temp": 21}');
    feed('s', 'not json');
    feed('s', '{"temp": 23}');
    const page = service.history({ connectionId: CONN, topic: 's', limit: 500 });
    expect(page.items.map((i) => i.n)).toEqual([1, 2, 3, 4]);
    expect(page.items[0]!.deltaMs).toBeNull();
    expect(page.items[1]!.deltaMs).toBe(10);

    const diff = service.diff({ connectionId: CONN, topic: 's', a: 1, b: 2 });
    expect(diff.json).toBe(true);
    expect(diff.lines.filter((l) => l.op !== 'same').map((l) => `${l.op} ${l.text.trim()}`)).toEqual(['removed "temp": 20,', 'added "temp": 21,']);

    const series = service.series({ connectionId: CONN, topic: 's', field: 'temp' });
    expect(series.points.map((p) => p.v)).toEqual([20, 21, 23]);
    expect(series.skipped).toBe(1);
    expect(series.fields).toEqual(['temp']);
  });

  it('numbers history entries stably as old ones are pushed out by the budget', () => {
    service = new ExplorerService(new EventHub(), offline, { historyBudgetBytes: 2_000 });
    service.open(CONN);
    for (let i = 1; i <= 100; i++) feed('n', String(i));
    const page = service.history({ connectionId: CONN, topic: 'n', limit: 500 });
    expect(page.items.length).toBeLessThan(100);
    expect(page.items.at(-1)!.n).toBe(100);
    const oldest = page.items[0]!;
    const decoded = service.decode({ connectionId: CONN, topic: 'n', kind: 'text', n: oldest.n });
    expect(decoded.ok && decoded.text).toBe(String(oldest.n));
    expect(fail(() => service.decode({ connectionId: CONN, topic: 'n', kind: 'text', n: 1 })).code).toBe('NOT_FOUND');
  });

  it('holds messages while paused, counts them, drops beyond the budget and applies the rest on resume', () => {
    service = new ExplorerService(new EventHub(), offline, { bufferMessages: 5 });
    service.open(CONN);
    feed('p', '0');
    service.pause(CONN, true);
    for (let i = 1; i <= 8; i++) feed('p', String(i));
    expect(service.topic({ connectionId: CONN, topic: 'p' }).messageCount).toBe(1);
    expect(service.gauge(CONN)).toMatchObject({ paused: true, bufferedMessages: 5, fill: 1, received: 9, dropped: 3 });
    const resumed = service.pause(CONN, false);
    expect(resumed).toMatchObject({ paused: false, bufferedMessages: 0 });
    expect(service.topic({ connectionId: CONN, topic: 'p' }).messageCount).toBe(6);
  });
});

describe('ExplorerService against a real broker', () => {
  let broker: Mosquitto;
  let harness: CoreHarness;

  beforeAll(async () => {
    broker = await startMosquitto();
  });
  afterAll(async () => {
    await broker.stop();
  });
  afterEach(async () => {
    await harness.close();
  });

  it('counts the retained messages of a subtree, clears them, and an outside subscriber sees none left', async () => {
    harness = await startCoreHarness('memory');
    const outside = await mqtt.connectAsync(broker.url);
    for (let i = 0; i < 30; i++) await outside.publishAsync(`keep/${i % 3}/t${i}`, `v${i}`, { qos: 1, retain: true });
    await outside.publishAsync('other/t', 'stay', { qos: 1, retain: true });
    const { connectionId } = await harness.client.invoke('connections.connect', { url: broker.url, protocolVersion: 5 });
    await waitFor(async () => (await harness.client.invoke('explorer.getTopic', { connectionId, topic: 'keep/2/t29' })).messageCount > 0, { what: 'retained to arrive' });

    const preview = await harness.client.invoke('explorer.clearRetained', { connectionId, topic: 'keep', subtree: true, dryRun: true });
    expect(preview.count).toBe(30);
    expect(preview.deleted).toBeUndefined();
    const done = await harness.client.invoke('explorer.clearRetained', { connectionId, topic: 'keep', subtree: true });
    expect(done.deleted).toBe(30);

    const fresh = await mqtt.connectAsync(broker.url);
    const seen: string[] = [];
    fresh.on('message', (topic) => seen.push(topic));
    await fresh.subscribeAsync('#', { qos: 1 });
    await waitFor(() => seen.includes('other/t'), { what: 'the untouched retained message' });
    expect(seen.filter((t) => t.startsWith('keep/'))).toEqual([]);
    await fresh.endAsync();
    await outside.endAsync();
  });

  it('adds a subscription with MQTT 5 options while connected and lists it, then removes it', async () => {
    harness = await startCoreHarness('memory');
    const { connectionId } = await harness.client.invoke('connections.connect', { url: broker.url, protocolVersion: 5, subscriptions: [] });
    const outcomes = await harness.client.invoke('explorer.subscribe', {
      connectionId,
      subscriptions: [{ filter: 'live/#', qos: 1, noLocal: true, retainHandling: 2, subscriptionIdentifier: 7 }],
    });
    expect(outcomes).toEqual([{ filter: 'live/#', ok: true, reasonCode: 1 }]);
    expect((await harness.client.invoke('explorer.listSubscriptions', { connectionId })).map((s) => s.filter)).toEqual(['live/#']);

    const outside = await mqtt.connectAsync(broker.url);
    await outside.publishAsync('live/a', 'x', { qos: 1 });
    const detail = await waitFor(async () => {
      const d = await harness.client.invoke('explorer.getTopic', { connectionId, topic: 'live/a' });
      return d.lastMessage ? d : null;
    });
    expect(detail.lastMessage?.properties?.subscriptionIdentifiers).toEqual([7]);

    await harness.client.invoke('explorer.unsubscribe', { connectionId, filters: ['live/#'] });
    expect(await harness.client.invoke('explorer.listSubscriptions', { connectionId })).toEqual([]);
    await outside.endAsync();
  });

  it('keeps the MQTT 5 properties of every remembered message, so older ones show them too', async () => {
    harness = await startCoreHarness('memory');
    const { connectionId } = await harness.client.invoke('connections.connect', { url: broker.url, protocolVersion: 5, subscriptions: [{ filter: 'props/#', qos: 1 }] });
    const outside = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
    await outside.publishAsync('props/t', '{"n":1}', {
      qos: 1,
      properties: {
        contentType: 'application/json',
        responseTopic: 'props/reply',
        correlationData: Buffer.from([1, 2, 3]),
        messageExpiryInterval: 3600,
        payloadFormatIndicator: true,
        userProperties: { site: 'north', line: '7' },
      },
    });
    await outside.publishAsync('props/t', 'plain', { qos: 1 });
    await outside.publishAsync('props/t', 'last', { qos: 1, properties: { userProperties: { site: 'south' } } });
    const page = await waitFor(async () => {
      const p = await harness.client.invoke('explorer.listHistory', { connectionId, topic: 'props/t', limit: 10 });
      return p.items.length === 3 ? p : null;
    });
    const [first, second, third] = page.items;
    expect(first!.properties).toMatchObject({ contentType: 'application/json', responseTopic: 'props/reply', payloadFormatIndicator: true, userProperties: [['site', 'north'], ['line', '7']] });
    // The broker may lower the expiry by the time the message spent with it.
    expect(first!.properties?.messageExpiryInterval).toBeGreaterThan(3590);
    expect([...first!.properties!.correlationData!]).toEqual([1, 2, 3]);
    expect(second!.properties?.userProperties).toBeUndefined();
    expect(third!.properties?.userProperties).toEqual([['site', 'south']]);
    await outside.endAsync();
  });

  it('shows a SUBACK refusal with its reason code instead of pretending to subscribe', async () => {
    // mosquitto 2.0 grants a forbidden subscription and filters on delivery; our embedded broker answers 0x87.
    const strict = createBroker({ sysInterval: 0, listeners: [{ kind: 'tcp', port: 0, host: '127.0.0.1' }], acl: [{ scope: 'anonymous', access: 'readwrite', topic: 'open/#' }] });
    const [listener] = await strict.start();
    harness = await startCoreHarness('memory');
    try {
      const { connectionId } = await harness.client.invoke('connections.connect', { url: `mqtt://127.0.0.1:${listener!.port}`, protocolVersion: 5, subscriptions: [] });
      const outcomes = await harness.client.invoke('explorer.subscribe', { connectionId, subscriptions: [{ filter: 'open/#' }, { filter: 'secret/#' }] });
      expect(outcomes[0]).toMatchObject({ filter: 'open/#', ok: true });
      expect(outcomes[1]).toMatchObject({ filter: 'secret/#', ok: false, reasonCode: 0x87 });
      expect(outcomes[1]!.reason).toMatch(/refused "secret\/#"/);
      expect((await harness.client.invoke('explorer.listSubscriptions', { connectionId })).map((s) => s.filter)).toEqual(['open/#']);
    } finally {
      await strict.stop();
    }
  });

  it('takes the pause buffer’s budget as a setting over the contract and holds no more than it while paused', async () => {
    harness = await startCoreHarness('memory');
    const { connectionId } = await harness.client.invoke('connections.connect', { url: broker.url, protocolVersion: 5, subscriptions: [{ filter: 'budget/#', qos: 1 }] });
    const before = await harness.client.invoke('explorer.pause', { connectionId, paused: false });
    expect(before).toMatchObject({ capacityMessages: 500_000, capacityBytes: 128 * 1024 * 1024 });
    const set = await harness.client.invoke('explorer.setPauseBudget', { connectionId, messages: 5, bytes: 1024 * 1024 });
    expect(set).toMatchObject({ capacityMessages: 5, capacityBytes: 1024 * 1024 });
    await harness.client.invoke('explorer.pause', { connectionId, paused: true });
    const outside = await mqtt.connectAsync(broker.url);
    for (let i = 0; i < 8; i++) await outside.publishAsync(`budget/${i}`, `v${i}`, { qos: 1 });
    await outside.endAsync();
    const gauge = await waitFor(async () => {
      const g = await harness.client.invoke('explorer.pause', { connectionId, paused: true });
      return g.received >= 8 ? g : undefined;
    }, { what: 'all eight to arrive' });
    expect(gauge).toMatchObject({ bufferedMessages: 5, dropped: 3, fill: 1 });
    await expect(harness.client.invoke('explorer.setPauseBudget', { connectionId, messages: 0, bytes: 1024 })).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
  });
});
