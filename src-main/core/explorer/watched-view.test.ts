import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ConnectionId, MessageView } from '../../../shared/ipc/common';
import { TopiaryError } from '../../../shared/ipc/errors';
import type { InspectedMessage, MessageBatch } from '../../../shared/ipc/explorer';
import { waitFor } from '../../test-support/wait-for';
import { scriptWorkerFile } from '../../test-support/worker-file';
import { DecodersService } from '../decoders/decoders-service';
import { TEXT_PAGE_BYTES } from '../decoders/decoded-payload';
import { EventHub } from '../ipc/event-hub';
import { ExplorerService, INLINE_PAYLOAD_BYTES } from './explorer-service';

// The watched topic's newest message carries its decoded view, so a window shows a new value without asking
// `explorer.decode` (a round trip to a busy core): the view must be exactly what that request would answer.

const CONN = 'c1' as ConnectionId;
let dir: string;
let decoders: DecodersService;
let explorer: ExplorerService;
let batches: MessageBatch[];
let clock = 1_700_000_000_000;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'topiary-watched-'));
  decoders = await DecodersService.open({ userDataDir: dir, workerFile: await scriptWorkerFile(), changed: () => explorer.bindingsChanged() });
  const hub = new EventHub();
  batches = [];
  hub.attach('ui', {
    send: (frame) => {
      if (frame.kind === 'event' && frame.name === 'explorer.messagesReceived') batches.push(frame.payload as MessageBatch);
    },
    onFrame: () => () => undefined,
    onClose: () => () => undefined,
    close: () => undefined,
  });
  explorer = new ExplorerService(hub, {
    clearRetained: () => Promise.reject(new TopiaryError('NOT_CONNECTED', 'offline')),
    subscribe: () => Promise.reject(new TopiaryError('NOT_CONNECTED', 'offline')),
    unsubscribe: () => Promise.reject(new TopiaryError('NOT_CONNECTED', 'offline')),
    decodeBound: (message) => decoders.decode(message),
    previews: { hasBinding: (topic) => decoders.hasBinding(topic), decodeBatch: (messages) => decoders.decodeBatch(messages) },
  }, { watchIntervalMs: 1 });
  explorer.open(CONN);
});
afterEach(async () => {
  explorer.dispose();
  await decoders.close();
  await rm(dir, { recursive: true, force: true });
});

function feed(topic: string, payload: string | Uint8Array, extra: Partial<MessageView> = {}): void {
  clock += 10;
  explorer.ingest(CONN, { topic, payload: typeof payload === 'string' ? new TextEncoder().encode(payload) : payload, qos: 0, retain: false, dup: false, receivedAt: clock, ...extra });
}

/** Every watched message received so far, in order. */
function received(): InspectedMessage[] {
  return batches.flatMap((b) => b.messages);
}

async function receivedMessage(topic: string, n: number): Promise<InspectedMessage> {
  const find = (): InspectedMessage | undefined => received().find((m) => m.topic === topic && m.n === n);
  await waitFor(() => find() !== undefined, { what: () => `message ${n} of ${topic} in a watch batch; got ${received().map((m) => `${m.topic}#${m.n}`).join(',')}` });
  return find()!;
}

describe('the decoded view sent with a watched message', () => {
  it('equals what explorer.decode answers for it, with the message’s properties, on the newest message of each batch', async () => {
    explorer.watch('ui', CONN, 'plant/temp');
    feed('plant/temp', '{"seq": 1}');
    feed('plant/temp', '{"seq": 2, "unit": "C"}', { qos: 1, properties: { contentType: 'application/json', userProperties: [['line', '3']] } });
    const last = await receivedMessage('plant/temp', 2);
    const asked = await explorer.decodeBound({ connectionId: CONN, topic: 'plant/temp', n: 2, kind: 'auto' });
    expect(asked).toMatchObject({ ok: true, kind: 'json', value: { seq: 2, unit: 'C' } });
    expect(last.decoded).toEqual(asked);
    expect(last.properties).toEqual({ contentType: 'application/json', userProperties: [['line', '3']] });
    expect(last.qos).toBe(1);
    // An older message of the same batch is not shown, so it carries no view (no work for nothing).
    const first = received().find((m) => m.n === 1)!;
    if (batches.length === 1) expect(first.decoded).toBeUndefined();
    // A click's answer carries it too: the value shows with the topic's detail, one round trip.
    const detail = await explorer.inspect({ connectionId: CONN, topic: 'plant/temp' });
    expect(detail.lastMessage?.n).toBe(2);
    expect(detail.lastMessage?.decoded).toEqual(asked);
  });

  it('carries a big payload’s first page only, and nothing for a big payload that would be decoded whole', async () => {
    explorer.watch('ui', CONN, 'big/text');
    const big = 'abcdefghij'.repeat(300_000); // 3 MB of text
    feed('big/text', big);
    const text = await receivedMessage('big/text', 1);
    expect(text.size).toBe(big.length);
    expect(text.payload.length).toBe(INLINE_PAYLOAD_BYTES);
    const asked = await explorer.decodeBound({ connectionId: CONN, topic: 'big/text', kind: 'auto' });
    expect(text.decoded === asked || JSON.stringify(text.decoded) === JSON.stringify(asked)).toBe(true);
    expect(text.decoded).toMatchObject({ ok: true, kind: 'text', truncated: true, totalBytes: big.length });
    expect(text.decoded?.ok === true && text.decoded.text.length).toBe(TEXT_PAGE_BYTES);
    expect(JSON.stringify((await explorer.inspect({ connectionId: CONN, topic: 'big/text' })).lastMessage?.decoded)).toBe(JSON.stringify(asked));

    // 200 KB of JSON decodes whole (a tree of it): too big to send with every message, so the window asks.
    explorer.watch('ui', CONN, 'big/json');
    feed('big/json', JSON.stringify({ rows: Array.from({ length: 10_000 }, (_, i) => ({ i, name: `row ${i}` })) }));
    const json = await receivedMessage('big/json', 1);
    expect(json.size).toBeGreaterThan(INLINE_PAYLOAD_BYTES);
    expect(json.decoded).toBeUndefined();
    expect(await explorer.decodeBound({ connectionId: CONN, topic: 'big/json', kind: 'auto' })).toMatchObject({ ok: true, kind: 'json', truncated: false });
  });

  it('is the bound decoder script’s view on a bound topic, and batches stay in order while scripts decode', async () => {
    const binding = await decoders.save({ filter: 'sensors/#', decoder: { kind: 'script', source: 'const r = msg.json(); return { celsius: r.t, retained: msg.retain };' }, enabled: true });
    explorer.watch('ui', CONN, 'sensors/a');
    feed('sensors/a', '{"t": 21.5}', { retain: true });
    const first = await receivedMessage('sensors/a', 1);
    expect(first.decoded).toMatchObject({ ok: true, kind: 'script', bindingId: binding.id, value: { celsius: 21.5, retained: true } });
    expect(first.decoded).toEqual(await explorer.decodeBound({ connectionId: CONN, topic: 'sensors/a', kind: 'auto' }));
    expect((await explorer.inspect({ connectionId: CONN, topic: 'sensors/a' })).lastMessage?.decoded).toMatchObject({ kind: 'script', value: { celsius: 21.5 } });

    // Many batches, each waiting for the sandbox: they arrive in the order the messages did, every one of them.
    // (The pauses only spread the messages over several batches; the order must hold however they fall.)
    for (let i = 2; i <= 40; i++) {
      feed('sensors/a', `{"t": ${i}}`);
      if (i % 5 === 0) await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const last = await receivedMessage('sensors/a', 40);
    expect(received().map((m) => m.n)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(last.decoded).toMatchObject({ ok: true, kind: 'script', value: { celsius: 40 } });
    for (const batch of batches) expect(batch.messages.at(-1)!.decoded).toMatchObject({ kind: 'script' });
  });
});
