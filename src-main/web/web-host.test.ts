import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { request } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createClient } from '../../shared/ipc/client';
import { createAppCore, type AppCore } from '../core/app-core';
import { openSocket } from '../test-support/core-harness';
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

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'topiary-web-'));
    await writeFile(path.join(dir, 'index.html'), '<!doctype html><title>Topiary</title>');
    core = await createAppCore({ userDataDir: path.join(dir, 'user-data') });
    attached = 0;
    host = await startWebHost({
      rendererDir: dir,
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
});
