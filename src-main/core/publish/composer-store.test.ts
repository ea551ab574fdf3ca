import { mkdtemp, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ComposerStore } from './composer-store';

let dir: string;

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('composer store', () => {
  it('sets a damaged file aside and starts empty instead of failing', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'topiary-composer-store-'));
    await mkdir(path.join(dir, 'composer'));
    await writeFile(path.join(dir, 'composer', 'composer.json'), '{ not json');
    const store = await ComposerStore.open({ userDataDir: dir });
    expect(store.history(10)).toEqual([]);
    expect((await readdir(path.join(dir, 'composer'))).some((f) => f.startsWith('composer.json.damaged-'))).toBe(true);
  });

  it('keeps the newest 500 sends, newest first, and bytes round-trip through the file', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'topiary-composer-store-'));
    const store = await ComposerStore.open({ userDataDir: dir, debounceMs: 5 });
    for (let i = 0; i < 510; i++) {
      store.record({ id: String(i), at: i, connectionName: 'c', message: { topic: `t/${i}`, payload: { form: 'file', bytes: Uint8Array.of(i & 0xff, 1) } }, topic: `t/${i}`, bytes: 2, ack: 'PUBACK' });
    }
    await store.flush();
    const again = await ComposerStore.open({ userDataDir: dir });
    const history = again.history(1_000);
    expect(history).toHaveLength(500);
    expect(history[0]?.topic).toBe('t/509');
    expect(history[0]?.message.payload).toEqual({ form: 'file', bytes: Uint8Array.of(509 & 0xff, 1) });
  });
});
