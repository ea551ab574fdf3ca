import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { unpackedPath } from './worker-location';

describe('unpackedPath', () => {
  it('points a file inside app.asar at its unpacked copy', () => {
    const packed = path.join('/opt', 'Topiary', 'resources', 'app.asar', 'dist', 'main', 'history-worker.cjs');
    expect(unpackedPath(packed)).toBe(path.join('/opt', 'Topiary', 'resources', 'app.asar.unpacked', 'dist', 'main', 'history-worker.cjs'));
  });

  it('leaves a path outside an asar (web mode, tests, the CLI) as it is', () => {
    const plain = path.join('/home', 'me', 'topiary', 'dist', 'main', 'history-worker.cjs');
    expect(unpackedPath(plain)).toBe(plain);
    // A folder merely named like an archive is not one.
    const lookalike = path.join('/srv', 'app.asar.d', 'history-worker.cjs');
    expect(unpackedPath(lookalike)).toBe(lookalike);
  });
});
