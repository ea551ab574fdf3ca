import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { request } from 'node:http';
import { connect } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createClient } from '../../shared/ipc/client';
import { createAppCore, type AppCore } from '../core/app-core';
import { openSocket } from '../test-support/core-harness';
import { waitFor } from '../test-support/wait-for';
import { createSocketWire } from './socket-wire';
import { startWebHost, type WebHost } from './web-host';

function get(port: number, urlPath: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: urlPath, headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('web mode host', () => {
  let dir: string;
  let core: AppCore;
  let host: WebHost;
  let attached = 0;
  let errors: { where: string; code: string }[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'topiary-web-'));
    await writeFile(path.join(dir, 'index.html'), '<!doctype html><title>Topiary</title>');
    core = await createAppCore({ userDataDir: path.join(dir, 'user-data') });
    attached = 0;
    errors = [];
    host = await startWebHost({
      rendererDir: dir,
      onError: (where, error) => errors.push({ where, code: (error as NodeJS.ErrnoException).code ?? error.message }),
      attach: (wire) => {
        attached++;
        return core.attach(wire);
      },
    });
  });

  afterEach(async () => {
    await host.close();
    await core.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('listens on 127.0.0.1 only and prints a URL carrying a long random token', () => {
    expect(host.origin).toBe(`http://127.0.0.1:${host.port}`);
    expect(host.url).toBe(`${host.origin}/#token=${host.token}`);
    expect(host.token.length).toBeGreaterThanOrEqual(32);
  });

  it('accepts the page with the right token and origin, and the contract works', async () => {
    const socket = await openSocket(`ws://127.0.0.1:${host.port}/ipc?token=${host.token}`, host.origin);
    const client = createClient(createSocketWire(socket));
    expect(await client.invoke('connections.list', {})).toEqual([]);
    expect(attached).toBe(1);
    client.close();
  });

  it('refuses a socket without a token, with a wrong token, or from a foreign origin', async () => {
    const base = `ws://127.0.0.1:${host.port}/ipc`;
    await expect(openSocket(base, host.origin)).rejects.toThrow('HTTP 401');
    await expect(openSocket(`${base}?token=${'x'.repeat(host.token.length)}`, host.origin)).rejects.toThrow('HTTP 401');
    await expect(openSocket(`${base}?token=${host.token}`, 'http://evil.example')).rejects.toThrow('HTTP 403');
    await expect(openSocket(`${base}?token=${host.token}`, `http://127.0.0.1:${host.port + 1}`)).rejects.toThrow('HTTP 403');
    expect(attached).toBe(0);
  });

  it('refuses requests that name another host (DNS rebinding)', async () => {
    const page = await get(host.port, '/', { host: `evil.example:${host.port}` });
    expect(page.status).toBe(421);
    await expect(openSocket(`ws://127.0.0.1:${host.port}/ipc?token=${host.token}`, `http://evil.example:${host.port}`)).rejects.toThrow(/HTTP 4/);
  });

  it('serves the renderer with a strict CSP and never a file outside its folder', async () => {
    const page = await get(host.port, '/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>Topiary</title>');
    expect(String(page.headers['content-security-policy'])).toContain("script-src 'self'");
    expect(String(page.headers['content-security-policy'])).toContain("object-src 'none'");
    expect((await get(host.port, '/../../../etc/passwd')).status).toBe(403);
    expect((await get(host.port, '/%2e%2e/%2e%2e/etc/passwd')).status).toBe(403);
    expect((await get(host.port, '/missing.js')).status).toBe(404);
  });

  it('closes a socket that sends garbage and keeps serving others', async () => {
    const bad = await openSocket(`ws://127.0.0.1:${host.port}/ipc?token=${host.token}`, host.origin);
    const closed = new Promise<number>((resolve) => bad.once('close', (code) => resolve(code)));
    bad.send(Buffer.from([0xc1, 0xff, 0x00]));
    expect(await closed).toBe(1007);
    const text = await openSocket(`ws://127.0.0.1:${host.port}/ipc?token=${host.token}`, host.origin);
    const textClosed = new Promise<number>((resolve) => text.once('close', (code) => resolve(code)));
    text.send('{"kind":"request"}');
    expect(await textClosed).toBe(1003);
    const good = await openSocket(`ws://127.0.0.1:${host.port}/ipc?token=${host.token}`, host.origin);
    const client = createClient(createSocketWire(good));
    expect(await client.invoke('connections.list', {})).toEqual([]);
    client.close();
  });

  it('survives peers that reset the connection after a refused upgrade, and keeps serving', async () => {
    // Five resets used to end the process: Node hands an upgrade's socket over without an error listener.
    const resetAfterRefusal = (origin: string): Promise<void> =>
      new Promise((resolve) => {
        const socket = connect(host.port, '127.0.0.1', () => {
          socket.write(
            `GET /ipc?token=wrong HTTP/1.1\r\nHost: 127.0.0.1:${host.port}\r\nOrigin: ${origin}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
              'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
          );
        });
        socket.once('data', () => {
          socket.resetAndDestroy();
          resolve();
        });
        socket.on('error', () => resolve());
      });
    for (let i = 0; i < 5; i++) await resetAfterRefusal(i % 2 ? host.origin : 'http://evil.example');
    await waitFor(() => errors.filter((e) => e.where === 'upgrade' && e.code === 'ECONNRESET').length === 5, { what: 'five resets reported' });
    expect((await get(host.port, '/')).status).toBe(200);
    const socket = await openSocket(`ws://127.0.0.1:${host.port}/ipc?token=${host.token}`, host.origin);
    const client = createClient(createSocketWire(socket));
    expect(await client.invoke('connections.list', {})).toEqual([]);
    client.close();
  });

  it('answers a malformed request line with 400 and a bad escape in the path with 400, and keeps serving', async () => {
    const raw = (text: string): Promise<string> =>
      new Promise((resolve) => {
        let answer = '';
        const socket = connect(host.port, '127.0.0.1', () => socket.write(text));
        socket.on('data', (chunk) => (answer += chunk.toString()));
        socket.on('close', () => resolve(answer));
        socket.on('error', () => resolve(answer));
      });
    expect(await raw('NOT HTTP AT ALL\r\n\r\n')).toMatch(/^HTTP\/1\.1 400/);
    expect((await get(host.port, '/%E0%A4%A')).status).toBe(400);
    expect(errors.some((e) => e.where === 'client')).toBe(true);
    expect((await get(host.port, '/')).status).toBe(200);
  });

  it('tells a page whether its token opens this core, by a header, so a page can explain a refusal', async () => {
    expect((await get(host.port, '/link', { 'x-topiary-token': host.token })).status).toBe(204);
    expect((await get(host.port, '/link', { 'x-topiary-token': 'x'.repeat(host.token.length) })).status).toBe(401);
    expect((await get(host.port, '/link')).status).toBe(401);
    expect((await get(host.port, '/link', { host: `evil.example:${host.port}`, 'x-topiary-token': host.token })).status).toBe(421);
  });
});
