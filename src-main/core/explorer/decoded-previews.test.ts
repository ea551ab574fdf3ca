import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ConnectionId } from '../../../shared/ipc/common';
import { TopiaryError } from '../../../shared/ipc/errors';
import type { ExplorerChanged, TreeRow } from '../../../shared/ipc/explorer';
import { waitFor } from '../../test-support/wait-for';
import { scriptWorkerFile } from '../../test-support/worker-file';
import { DecodersService } from '../decoders/decoders-service';
import { EventHub } from '../ipc/event-hub';
import { previewText } from './decoded-previews';
import { ExplorerService } from './explorer-service';

const CONN = 'c1' as ConnectionId;
let dir: string;
let decoders: DecodersService;
let explorer: ExplorerService;
let hub: EventHub;
let decodedCalls = 0;
let clock = 1_700_000_000_000;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'topiary-previews-'));
  decoders = await DecodersService.open({ userDataDir: dir, workerFile: await scriptWorkerFile(), changed: () => explorer.bindingsChanged() });
  hub = new EventHub();
  decodedCalls = 0;
  explorer = new ExplorerService(
    hub,
    {
      clearRetained: () => Promise.reject(new TopiaryError('NOT_CONNECTED', 'offline')),
      subscribe: () => Promise.reject(new TopiaryError('NOT_CONNECTED', 'offline')),
      unsubscribe: () => Promise.reject(new TopiaryError('NOT_CONNECTED', 'offline')),
      previews: {
        hasBinding: (topic) => decoders.hasBinding(topic),
        decodeBatch: (messages) => {
          decodedCalls += messages.length;
          return decoders.decodeBatch(messages);
        },
      },
    },
    { changeIntervalMs: 10 },
  );
  explorer.open(CONN);
});
afterEach(async () => {
  explorer.dispose();
  await decoders.close();
  await rm(dir, { recursive: true, force: true });
});

function feed(topic: string, text: string): void {
  clock += 10;
  explorer.ingest(CONN, { topic, payload: new TextEncoder().encode(text), qos: 0, retain: false, dup: false, receivedAt: clock });
}

function rowOf(topic: string): TreeRow {
  explorer.view({ connectionId: CONN, ops: [{ op: 'expandToDepth', depth: 8 }] }, 'ui');
  const row = explorer.rows({ connectionId: CONN, start: 0, count: 2000 }, 'ui').rows.find((r) => r.path === topic);
  if (!row) throw new Error(`no row ${topic}`);
  return row;
}

describe('decoded previews in the tree', () => {
  it('shows the bound decoder script’s value for a bound topic and the raw preview for the others', async () => {
    await decoders.save({ filter: 'sensors/#', decoder: { kind: 'script', source: 'const r = msg.json(); return { celsius: r.t };' }, enabled: true });
    feed('sensors/a', '{"t": 21.5, "noise": 1}');
    feed('other/b', '{"t": 3}');
    // The first look answers at once with the raw preview; the decoded text follows.
    expect(rowOf('sensors/a')).toMatchObject({ preview: '{"t": 21.5, "noise": 1}' });
    await waitFor(() => rowOf('sensors/a').preview === '{"celsius":21.5}', { what: () => `a decoded preview: ${JSON.stringify(rowOf('sensors/a'))}` });
    expect(rowOf('sensors/a').previewDecoded).toBe(true);
    expect(rowOf('other/b')).toMatchObject({ preview: '{"t": 3}' });
    expect(rowOf('other/b').previewDecoded).toBeUndefined();
  });

  it('decodes each message once however often the rows are asked for, and keeps the older decoded text until the newer one is ready', async () => {
    await decoders.save({ filter: 'sensors/#', decoder: { kind: 'script', source: 'return "v=" + msg.text;' }, enabled: true });
    feed('sensors/a', '1');
    rowOf('sensors/a');
    await waitFor(() => rowOf('sensors/a').preview === 'v=1', { what: 'v=1' });
    for (let i = 0; i < 20; i++) rowOf('sensors/a');
    expect(decodedCalls).toBe(1);
    feed('sensors/a', '2');
    // Not the raw "2": the previous decoded text stays while the new one is decoded.
    expect(rowOf('sensors/a').preview).toBe('v=1');
    await waitFor(() => rowOf('sensors/a').preview === 'v=2', { what: 'v=2' });
    expect(decodedCalls).toBe(2);
  });

  it('falls back to the raw preview when the decoder fails on a message', async () => {
    await decoders.save({ filter: 'sensors/#', decoder: { kind: 'json' }, enabled: true });
    feed('sensors/a', 'not json at all');
    rowOf('sensors/a');
    await waitFor(() => decodedCalls === 1, { what: 'one decode' });
    await waitFor(() => rowOf('sensors/a').previewDecoded === undefined && rowOf('sensors/a').preview === 'not json at all', { what: 'the raw preview' });
  });

  it('decodes afresh when the bindings change, and says so with a new explorer version', async () => {
    const versions: number[] = [];
    hub.attach('listener', {
      send: (frame) => {
        if (frame.kind === 'event' && frame.name === 'explorer.changed') versions.push((frame.payload as ExplorerChanged).version);
      },
      onFrame: () => () => undefined,
      onClose: () => () => undefined,
      close: () => undefined,
    });
    const binding = await decoders.save({ filter: 'sensors/#', decoder: { kind: 'script', source: 'return "A";' }, enabled: true });
    feed('sensors/a', 'x');
    rowOf('sensors/a');
    await waitFor(() => rowOf('sensors/a').preview === 'A', { what: 'A' });
    const before = versions.at(-1) ?? 0;
    await decoders.save({ id: binding.id, filter: 'sensors/#', decoder: { kind: 'script', source: 'return "B";' }, enabled: true });
    await waitFor(() => (versions.at(-1) ?? 0) > before, { what: 'a new version after the bindings changed' });
    rowOf('sensors/a');
    await waitFor(() => rowOf('sensors/a').preview === 'B', { what: 'B' });
    await decoders.save({ id: binding.id, filter: 'sensors/#', decoder: { kind: 'script', source: 'return "B";' }, enabled: false });
    expect(rowOf('sensors/a')).toMatchObject({ preview: 'x' });
  });

  it('makes one line of a decoded value, cut to the preview length', () => {
    expect(previewText({ ok: true, kind: 'json', text: '{\n  "a": 1\n}', value: { a: 1 }, totalBytes: 8, truncated: false, warnings: [] })).toBe('{"a":1}');
    expect(previewText({ ok: true, kind: 'script', text: 'x', value: 'a\nb', totalBytes: 1, truncated: false, warnings: [] })).toBe('a b');
    expect(previewText({ ok: true, kind: 'script', text: '', value: 'y'.repeat(500), totalBytes: 1, truncated: false, warnings: [] })).toHaveLength(80);
    expect(previewText({ ok: false, kind: 'json', error: 'cannot decode as JSON: no' })).toBeNull();
  });
});
