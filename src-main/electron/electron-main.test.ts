import type { BrowserWindowConstructorOptions } from 'electron';
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { waitFor as waitUntil } from '../test-support/wait-for';
import { FRAME_CHANNEL } from './ipc-main-wire';
import { RENDERER_CSP } from './security';

// The shell's wiring, run against a stand-in `electron` module (the binary cannot run here) and
// the real core in a temp user-data folder.

interface FakeContents extends EventEmitter {
  readonly sent: unknown[][];
  openHandler?: (details: { url: string }) => { action: string };
}

interface FakeWindow {
  readonly options: BrowserWindowConstructorOptions;
  readonly webContents: FakeContents;
  readonly loaded: string[];
}

interface FakeElectron {
  readonly app: EventEmitter & {
    sandboxed: boolean;
    quits: number;
    exited: number | undefined;
    readonly paths: Record<string, string>;
    ready(): void;
    quit(): void;
  };
  readonly windows: FakeWindow[];
  readonly ipcMain: EventEmitter;
  readonly sessionHandlers: {
    request?: (contents: unknown, permission: string, callback: (granted: boolean) => void) => void;
    headers?: (details: { responseHeaders?: Record<string, string[]> }, callback: (response: unknown) => void) => void;
  };
  readonly errors: string[];
  readonly protocolCalls: { readonly privileged: { scheme: string; privileges?: Record<string, boolean> }[]; readonly registeredWhileReady: boolean[]; handlers: Map<string, (request: Request) => Promise<Response>> };
}

vi.mock('electron', async () => {
  const { EventEmitter } = await import('node:events');
  const paths: Record<string, string> = {};
  let resolveReady: () => void = () => undefined;
  const readyPromise = new Promise<void>((resolve) => (resolveReady = resolve));
  let isReady = false;
  const app = Object.assign(new EventEmitter(), {
    sandboxed: false,
    quits: 0,
    exited: undefined as number | undefined,
    paths,
    ready: () => {
      isReady = true;
      resolveReady();
    },
    enableSandbox() {
      app.sandboxed = true;
    },
    requestSingleInstanceLock: () => true,
    setPath: (name: string, value: string) => void (paths[name] = value),
    getPath: (name: string) => paths[name] ?? os.tmpdir(),
    whenReady: () => readyPromise,
    quit() {
      const event = { prevented: false, preventDefault: () => void (event.prevented = true) };
      app.emit('before-quit', event);
      if (!event.prevented) app.quits++;
    },
    exit(code: number) {
      app.exited = code;
    },
  });
  const windows: FakeWindow[] = [];
  class BrowserWindow {
    readonly webContents: FakeContents;
    readonly loaded: string[] = [];
    constructor(readonly options: BrowserWindowConstructorOptions) {
      const contents = Object.assign(new EventEmitter(), {
        sent: [] as unknown[][],
        openHandler: undefined as FakeContents['openHandler'],
        mainFrame: undefined as unknown,
        setWindowOpenHandler(handler: FakeContents['openHandler']) {
          contents.openHandler = handler;
        },
        send: (...args: unknown[]) => void contents.sent.push(args),
        isDestroyed: () => false,
        close: () => undefined,
      });
      this.webContents = contents;
      app.emit('web-contents-created', {}, contents);
      windows.push(this);
    }
    async loadFile(file: string): Promise<void> {
      this.loaded.push(`loadFile:${file}`);
    }
    async loadURL(url: string): Promise<void> {
      this.loaded.push(url);
    }
    static getAllWindows = () => windows;
  }
  const sessionHandlers: FakeElectron['sessionHandlers'] = {};
  const defaultSession = {
    setPermissionRequestHandler: (handler: FakeElectron['sessionHandlers']['request']) => void (sessionHandlers.request = handler),
    setPermissionCheckHandler: () => undefined,
    setDevicePermissionHandler: () => undefined,
    webRequest: { onHeadersReceived: (handler: FakeElectron['sessionHandlers']['headers']) => void (sessionHandlers.headers = handler) },
  };
  const errors: string[] = [];
  const protocolCalls: FakeElectron['protocolCalls'] = { privileged: [], registeredWhileReady: [], handlers: new Map() };
  const protocol = {
    registerSchemesAsPrivileged(schemes: FakeElectron['protocolCalls']['privileged']) {
      // Electron throws when this comes after ready; the stand-in records when it came.
      protocolCalls.registeredWhileReady.push(isReady);
      protocolCalls.privileged.push(...schemes);
    },
    handle(scheme: string, handler: (request: Request) => Promise<Response>) {
      protocolCalls.handlers.set(scheme, handler);
    },
  };
  const fake = {
    protocol,
    app,
    BrowserWindow,
    ipcMain: new EventEmitter(),
    session: { defaultSession },
    shell: { openExternal: async () => undefined },
    // No keychain in the stand-in: the core falls back to its encrypted-file vault.
    safeStorage: { isEncryptionAvailable: () => false },
    dialog: { showErrorBox: (title: string, message: string) => void errors.push(`${title}: ${message}`) },
  };
  return { ...fake, default: fake, windows, sessionHandlers, errors, protocolCalls };
});

const here = path.dirname(fileURLToPath(import.meta.url));
const rendererPage = 'app://topiary/index.html';
const fileRendererPage = pathToFileURL(path.join(here, '../renderer/index.html')).href;
let userData: string;
let fake: FakeElectron;
let window: FakeWindow;
const previousUserData = process.env.TOPIARY_USER_DATA;
const previousGcTuning = process.env.TOPIARY_GC_TUNING;

async function waitFor(predicate: () => boolean, timeoutMs = 5_000): Promise<void> {
  await waitUntil(predicate, { timeoutMs, intervalMs: 10, what: 'the shell' });
}

beforeAll(async () => {
  userData = mkdtempSync(path.join(os.tmpdir(), 'topiary-shell-'));
  process.env.TOPIARY_USER_DATA = userData;
  // The shell tunes V8 for the process it runs in: here that is a test worker other test files share.
  process.env.TOPIARY_GC_TUNING = 'off';
  fake = (await import('electron')) as unknown as FakeElectron;
  await import('./electron-main');
  fake.app.ready();
  await waitFor(() => fake.windows.length === 1 || fake.errors.length > 0);
  expect(fake.errors).toEqual([]);
  window = fake.windows[0]!;
});

afterAll(async () => {
  // Close the core (and any broker it started) even when a test failed before the quit test.
  if (fake?.app.quits === 0) {
    fake.app.quit();
    await waitFor(() => fake.app.quits > 0, 10_000);
  }
  if (previousUserData === undefined) delete process.env.TOPIARY_USER_DATA;
  else process.env.TOPIARY_USER_DATA = previousUserData;
  if (previousGcTuning === undefined) delete process.env.TOPIARY_GC_TUNING;
  else process.env.TOPIARY_GC_TUNING = previousGcTuning;
  rmSync(userData, { recursive: true, force: true });
});

describe('the Electron shell', () => {
  it('sandboxes every renderer and keeps the window isolated from Node', () => {
    expect(fake.app.sandboxed).toBe(true);
    expect(window.options.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, webviewTag: false });
    expect(window.options.webPreferences?.preload).toMatch(/preload\.cjs$/);
  });

  it('keeps its files in the same user-data folder as web mode', () => {
    expect(fake.app.paths.userData).toBe(userData);
    expect(fake.app.paths.sessionData).toBe(path.join(userData, 'chromium'));
  });

  it('loads the renderer from its own app:// origin, registered as a privileged scheme before ready, never from file://', () => {
    expect(window.loaded).toEqual([rendererPage]);
    expect(fake.protocolCalls.privileged).toEqual([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } }]);
    expect(fake.protocolCalls.registeredWhileReady).toEqual([false]);
    expect([...fake.protocolCalls.handlers.keys()]).toEqual(['app']);
  });

  it('hands app:// to a handler that refuses escapes, other hosts and writes (app-protocol.test.ts covers it in full)', async () => {
    const handler = fake.protocolCalls.handlers.get('app')!;
    const get = (url: string, method = 'GET') => handler(new Request(url, { method }));
    for (const url of ['app://topiary/..%2f..%2fpackage.json', 'app://topiary/%2e%2e/%2e%2e/package.json', 'app://elsewhere/index.html']) {
      expect((await get(url)).status, url).toBeGreaterThanOrEqual(400);
    }
    expect((await get('app://topiary/index.html', 'POST')).status).toBe(405);
  });

  it('blocks navigation and new windows in the window it opens', () => {
    let prevented = false;
    window.webContents.emit('will-navigate', { preventDefault: () => (prevented = true) }, 'https://example.com/');
    expect(prevented).toBe(true);
    expect(window.webContents.openHandler?.({ url: 'https://example.com/' })).toEqual({ action: 'deny' });
  });

  it('denies permission requests and serves responses with the renderer CSP', () => {
    const answers: boolean[] = [];
    fake.sessionHandlers.request?.(null, 'media', (granted) => answers.push(granted));
    expect(answers).toEqual([false]);
    let response: unknown;
    fake.sessionHandlers.headers?.({ responseHeaders: {} }, (r) => (response = r));
    expect(response).toEqual({ responseHeaders: { 'Content-Security-Policy': [RENDERER_CSP] } });
  });

  it('answers requests from its own page through the core and ignores other pages', async () => {
    const contents = window.webContents;
    const request = (id: number) => ({ kind: 'request', id, method: 'connections.list', arg: {} });
    fake.ipcMain.emit(FRAME_CHANNEL, { sender: contents, senderFrame: { url: 'https://evil.example/', parent: null } }, request(1));
    // A file:// page is not ours any more: only app://topiary is.
    fake.ipcMain.emit(FRAME_CHANNEL, { sender: contents, senderFrame: { url: fileRendererPage, parent: null } }, request(3));
    fake.ipcMain.emit(FRAME_CHANNEL, { sender: contents, senderFrame: { url: rendererPage, parent: null } }, request(2));
    await waitFor(() => contents.sent.some(([, frame]) => (frame as { id?: number }).id === 2));
    // The core also pushes events (broker status and the like); only answers matter here.
    const answers = contents.sent
      .map(([channel, frame]) => [channel, (frame as { kind: string }).kind, (frame as { id?: number }).id])
      .filter(([, kind]) => kind !== 'event');
    expect(answers).toEqual([[FRAME_CHANNEL, 'response', 2]]);
  });

  it('quits only after closing the core', async () => {
    fake.app.quit();
    expect(fake.app.quits).toBe(0);
    await waitFor(() => fake.app.quits === 1);
    expect(fake.app.exited).toBeUndefined();
  });
});
