import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:net';
import { listenOnPreferredPort, loadWebIdentity, saveWebPort } from './web-identity';

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'topiary-identity-'));
});
afterEach(() => fs.rm(dir, { recursive: true, force: true }));

describe('web mode identity', () => {
  it('keeps the token and the bound port across restarts, in a file only the user can read', async () => {
    const first = await loadWebIdentity(dir);
    expect(first.newToken).toBe(true);
    expect(first.port).toBeUndefined();
    expect(first.token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    await saveWebPort(first, 43_210);
    const second = await loadWebIdentity(dir);
    expect(second).toMatchObject({ token: first.token, port: 43_210, newToken: false });
    expect((await fs.stat(second.file)).mode & 0o777).toBe(0o600);
  });

  it('makes a new token when asked to rotate, keeping the port', async () => {
    const first = await loadWebIdentity(dir);
    await saveWebPort(first, 40_001);
    const rotated = await loadWebIdentity(dir, { rotateToken: true });
    expect(rotated.token).not.toBe(first.token);
    expect(rotated.port).toBe(40_001);
    expect((await loadWebIdentity(dir)).token).toBe(rotated.token);
  });

  it('puts a file found readable by others back to 0600, and replaces a damaged or weak token', async () => {
    const file = path.join(dir, 'web-mode.json');
    await fs.writeFile(file, JSON.stringify({ token: 'short', port: 'x' }), { mode: 0o644 });
    const identity = await loadWebIdentity(dir);
    expect(identity.newToken).toBe(true);
    expect(identity.token).not.toBe('short');
    expect(identity.port).toBeUndefined();
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
    await fs.writeFile(file, '{not json');
    expect((await loadWebIdentity(dir)).newToken).toBe(true);
  });
});

describe('choosing the port', () => {
  const listen = (port: number): Promise<Server> =>
    new Promise((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve(server));
    });
  const portOf = (server: Server): number => (server.address() as { port: number }).port;

  it('takes the saved port again, and another one (saying so) when something else holds it now', async () => {
    const first = await listenOnPreferredPort(listen, undefined, undefined, () => undefined);
    const saved = portOf(first);
    await new Promise((resolve) => first.close(resolve));
    const again = await listenOnPreferredPort(listen, undefined, saved, () => undefined);
    expect(portOf(again)).toBe(saved);
    const taken: number[] = [];
    const moved = await listenOnPreferredPort(listen, undefined, saved, (port) => taken.push(port));
    expect(taken).toEqual([saved]);
    expect(portOf(moved)).not.toBe(saved);
    // A port the user asked for is never silently replaced.
    await expect(listenOnPreferredPort(listen, saved, undefined, () => undefined)).rejects.toMatchObject({ code: 'EADDRINUSE' });
    await Promise.all([again, moved].map((s) => new Promise((resolve) => s.close(resolve))));
  });
});
