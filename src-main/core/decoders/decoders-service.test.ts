import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { scriptWorkerFile } from '../../test-support/worker-file';
import { DecodersService } from './decoders-service';

let dir: string;
const open = async (): Promise<DecodersService> => DecodersService.open({ userDataDir: dir, workerFile: await scriptWorkerFile(), changed: () => undefined });

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'topiary-decoders-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('DecodersService', () => {
  it('keeps the bindings in the user-data folder and puts them back in force when reopened', async () => {
    const first = await open();
    const script = await first.save({ filter: 'sensors/#', decoder: { kind: 'script', source: 'return msg.text.toUpperCase();' }, enabled: true });
    await first.save({ filter: 'off/#', decoder: { kind: 'json' }, enabled: false });
    await first.close();
    const file = path.join(dir, 'decoders', 'bindings.json');
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ version: 1, bindings: [{ id: script.id, filter: 'sensors/#' }, { filter: 'off/#', enabled: false }] });
    // Written atomically: no temp file is left beside it.
    expect(await readdir(path.dirname(file))).toEqual(['bindings.json']);

    const again = await open();
    try {
      expect(again.list().map((b) => b.filter)).toEqual(['sensors/#', 'off/#']);
      expect(await again.decode({ topic: 'sensors/a', payload: new TextEncoder().encode('hi'), qos: 0, retain: false })).toMatchObject({ ok: true, kind: 'script', text: 'HI' });
      expect(await again.decode({ topic: 'off/a', payload: new TextEncoder().encode('{}'), qos: 0, retain: false })).toBeUndefined();
    } finally {
      await again.close();
    }
  });

  it.each([
    ['not JSON', '{ not json'],
    ['JSON of the wrong shape', JSON.stringify({ version: 1, bindings: [{ id: 'a', filter: 'x/#', decoder: { kind: 'script' }, enabled: true }] })],
  ])('sets a damaged file (%s) aside and starts with no bindings', async (_what, text) => {
    await mkdir(path.join(dir, 'decoders'));
    await writeFile(path.join(dir, 'decoders', 'bindings.json'), text);
    const service = await open();
    try {
      expect(service.list()).toEqual([]);
      expect((await readdir(path.join(dir, 'decoders'))).some((f) => f.startsWith('bindings.json.damaged-'))).toBe(true);
    } finally {
      await service.close();
    }
  });

  it('without its worker the sandbox fails with a sentence, and built-in bindings still decode', async () => {
    const service = await DecodersService.open({ userDataDir: dir, workerFile: path.join(dir, 'missing-worker.cjs'), changed: () => undefined });
    try {
      const script = await service.save({ filter: 's/#', decoder: { kind: 'script', source: 'return 1;' }, enabled: true });
      expect(script.problem?.message).toMatch(/script sandbox|worker/i);
      await service.save({ filter: 'j/#', decoder: { kind: 'json' }, enabled: true });
      expect(await service.decode({ topic: 'j/a', payload: new TextEncoder().encode('[1]'), qos: 0, retain: false })).toMatchObject({ ok: true, kind: 'json', value: [1] });
      expect(await service.testScript({ source: 'return 1;', topic: 't', payload: new Uint8Array(0) })).toMatchObject({ ok: false, error: expect.stringMatching(/script sandbox|worker/i) });
    } finally {
      await service.close();
    }
  });
});
