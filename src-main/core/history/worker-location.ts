import path from 'node:path';

/**
 * Where the history worker's file really is. In a packaged app the built code sits inside app.asar,
 * but the worker and libsql's native module are unpacked beside it (electron-builder.yml `asarUnpack`):
 * a worker thread started from the unpacked copy resolves libsql from `app.asar.unpacked/node_modules`
 * as plain Node would, with no reliance on Electron's asar support inside workers.
 */
export function unpackedPath(file: string): string {
  const packed = `${path.sep}app.asar${path.sep}`;
  const at = file.lastIndexOf(packed);
  return at < 0 ? file : `${file.slice(0, at)}${path.sep}app.asar.unpacked${path.sep}${file.slice(at + packed.length)}`;
}
