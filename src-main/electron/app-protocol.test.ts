import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_ORIGIN, createAppProtocolHandler, isAppUrl, registerAppScheme, RENDERER_URL } from './app-protocol';
import { RENDERER_CSP } from './security';

let dir: string;
let handler: (request: Request) => Promise<Response>;
const get = (url: string, method = 'GET'): Promise<Response> => handler(new Request(url, { method }));

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'topiary-app-protocol-'));
  const renderer = path.join(dir, 'renderer');
  await mkdir(path.join(renderer, 'assets'), { recursive: true });
  await writeFile(path.join(renderer, 'index.html'), '<!doctype html><title>Topiary</title>');
  await writeFile(path.join(renderer, 'assets/app.js'), 'console.log(1)');
  await writeFile(path.join(dir, 'secret.txt'), 'outside the renderer');
  await symlink(path.join(dir, 'secret.txt'), path.join(renderer, 'assets/link.txt'));
  handler = createAppProtocolHandler(renderer);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('the app:// protocol', () => {
  it('registers app as a standard, secure scheme with fetch', () => {
    const calls: unknown[] = [];
    registerAppScheme({ registerSchemesAsPrivileged: (schemes) => void calls.push(schemes) });
    expect(calls).toEqual([[{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } }]]);
    expect(RENDERER_URL).toBe(`${APP_ORIGIN}/index.html`);
    expect(isAppUrl('app://topiary/index.html')).toBe(true);
    expect(isAppUrl('app://topiary.evil/index.html')).toBe(false);
    expect(isAppUrl('file:///app/index.html')).toBe(false);
  });

  it('serves the renderer folder with content types and the renderer CSP', async () => {
    const page = await get('app://topiary/index.html');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>Topiary</title>');
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toBe(RENDERER_CSP);
    expect((await get('app://topiary/')).status).toBe(200);
    const script = await get('app://topiary/assets/app.js');
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await script.text()).toBe('console.log(1)');
  });

  it('refuses every way out of the folder: encoded dot segments, encoded slashes, symlinks, NUL bytes', async () => {
    expect((await get('app://topiary/..%2f..%2fsecret.txt')).status).toBe(403);
    expect((await get('app://topiary/assets/..%2f..%2f..%2fsecret.txt')).status).toBe(403);
    expect((await get('app://topiary/%2e%2e%2fsecret.txt')).status).toBe(403);
    // URL parsing folds plain and %2e dot segments into the folder itself: the file is simply not there.
    expect((await get('app://topiary/../secret.txt')).status).toBe(404);
    expect((await get('app://topiary/%2e%2e/secret.txt')).status).toBe(404);
    expect((await get('app://topiary/assets/link.txt')).status).toBe(403);
    expect((await get('app://topiary/index.html%00.js')).status).toBe(400);
    expect((await get('app://topiary/%E0%A4%A')).status).toBe(400);
    for (const response of await Promise.all(['app://topiary/..%2fsecret.txt', 'app://topiary/assets/link.txt'].map((u) => get(u)))) {
      expect(await response.text()).not.toContain('outside the renderer');
    }
  });

  it('answers only its own host, only reads, and 404s what is missing or a folder', async () => {
    expect((await get('app://other/index.html')).status).toBe(404);
    expect((await get('app://topiary/index.html', 'POST')).status).toBe(405);
    expect((await get('app://topiary/missing.js')).status).toBe(404);
    expect((await get('app://topiary/assets')).status).toBe(404);
  });
});
