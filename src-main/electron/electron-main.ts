import { app, BrowserWindow, dialog, ipcMain, protocol, safeStorage, session, shell } from 'electron';
import path from 'node:path';
import { createAppCore, type AppCore } from '../core/app-core';
import { openDesktopSecretStore } from '../core/secrets/desktop-secret-store';
import { defaultUserDataDir } from '../core/user-data';
import { isAppUrl, registerAppScheme, RENDERER_URL, serveRenderer } from './app-protocol';
import { createIpcMainWire } from './ipc-main-wire';
import { preferShortGcPauses } from '../gc-tuning';
import { guardSession, guardWebContents } from './security';

// The desktop shell: only wiring. Everything it hosts lives in the Electron-free core.

const rendererDir = path.join(__dirname, '../renderer');
/** Only our own page, served on app://, may talk to the core. */
const isTrustedUrl = isAppUrl;
/** How long quitting waits for brokers and connections to close before giving up on them. */
const CLOSE_TIMEOUT_MS = 5_000;

let core: AppCore | undefined;

// Every renderer is sandboxed, including any a future feature opens without saying so.
app.enableSandbox();
// The renderer's own origin, app://topiary; Electron takes privileged schemes only before ready.
registerAppScheme(protocol);
// The same folder as web mode (and TOPIARY_USER_DATA is honoured): Electron's default would be
// named after package.json's lowercase "name", a different folder on Linux.
app.setPath('userData', defaultUserDataDir());
// Chromium's caches and storage go in a subfolder, apart from profiles, certificates and secrets.
app.setPath('sessionData', path.join(app.getPath('userData'), 'chromium'));

async function openWindow(): Promise<void> {
  const window = new BrowserWindow({
    width: 1280,
    height: 820,
    title: 'Topiary',
    backgroundColor: '#15181d',
    webPreferences: {
      preload: path.join(__dirname, 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    },
  });
  const contents = window.webContents;
  const detach = core?.attach(createIpcMainWire(ipcMain, contents, isTrustedUrl));
  contents.once('destroyed', () => detach?.());
  await window.loadURL(RENDERER_URL);
}

function focusWindow(): void {
  const [window] = BrowserWindow.getAllWindows();
  if (!window) return;
  if (window.isMinimized()) window.restore();
  window.focus();
}

function failStartup(error: unknown): void {
  const reason = error instanceof Error ? error.message : String(error);
  dialog.showErrorBox(
    'Topiary could not start',
    `STARTUP_FAILED: ${reason}\n\nCheck that ${app.getPath('userData')} is writable, then start Topiary again.`,
  );
  app.exit(1);
}

// Two instances would share one user-data folder (profiles, broker state): focus the first instead.
if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', focusWindow);

  app.on('web-contents-created', (_event, contents) => guardWebContents(contents, (url) => void shell.openExternal(url)));

  app
    .whenReady()
    .then(async () => {
      guardSession(session.defaultSession);
      serveRenderer(protocol, rendererDir);
      // The OS keychain seals secrets where it can; without one, the core's encrypted-file vault does.
      const secrets = await openDesktopSecretStore({ userDataDir: app.getPath('userData'), safeStorage });
      preferShortGcPauses();
      core = await createAppCore({ userDataDir: app.getPath('userData'), autoStartBroker: true, ...(secrets ? { secrets } : {}) });
      await openWindow();
      app.on('activate', () => {
        if (BrowserWindow.getAllWindows().length === 0) void openWindow().catch(failStartup);
      });
    })
    .catch(failStartup);

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });

  // Quit only after the core has closed its brokers and connections (bounded, so quit never hangs).
  app.on('before-quit', (event) => {
    const closing = core;
    if (!closing) return;
    core = undefined;
    event.preventDefault();
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, CLOSE_TIMEOUT_MS).unref());
    void Promise.race([closing.close(), timeout])
      .catch(() => undefined)
      .finally(() => app.quit());
  });
}
