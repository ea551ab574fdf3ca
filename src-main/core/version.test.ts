import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { TOPIARY_VERSION } from './version';

it("is package.json's version", () => {
  const pkg = JSON.parse(readFileSync(path.resolve(__dirname, '../../package.json'), 'utf8')) as { version: string };
  expect(TOPIARY_VERSION).toBe(pkg.version);
});
