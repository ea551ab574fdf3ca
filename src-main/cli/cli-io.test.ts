import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJsonFile } from './cli-io';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'topiary-cli-io-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('readJsonFile', () => {
  it('returns the parsed JSON of a file a flag names', async () => {
    const file = path.join(dir, 'ok.json');
    await writeFile(file, '{ "rules": [1, 2] }');
    expect(readJsonFile(file, 'rules file')).toEqual({ rules: [1, 2] });
  });

  it('says which file could not be read, naming what it was for', () => {
    const file = path.join(dir, 'missing.json');
    expect(() => readJsonFile(file, 'config file')).toThrow(expect.objectContaining({ code: 'VALIDATION_ERROR', message: `The config file ${file} cannot be read; check the path.` }));
  });

  it('says which file is not JSON, with the parser’s reason', async () => {
    const file = path.join(dir, 'bad.json');
    await writeFile(file, '{ "rules": [');
    expect(() => readJsonFile(file, 'rules file')).toThrow(expect.objectContaining({ code: 'VALIDATION_ERROR', message: expect.stringMatching(/^The rules file .*bad\.json is not valid JSON: .+\.$/) }));
  });
});
