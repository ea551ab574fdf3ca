import { app, BrowserWindow, ipcMain, session, shell } from 'electron';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createAppCore, type AppCore } from '../core/app-core';
import { createIpcMainWire } from './ipc-main-wire';

// The desktop shell: only wiring. Everything it hosts lives in the Electron-free core.

const rendererIndex = path.join(__dirname, '../renderer/index.html');
const rendererRoot = pathToFileURL(path.dirname(rendererIndex)).href + '/';
const isTrustedUrl = (url: string): boolean => url.startsWith(rendererRoot);

let core: AppCore | undefined;

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
      webSecurity: true,
      spellcheck: false,
    },
  });
  const contents = window.webContents;
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  const detach = core?.attach(createIpcMainWire(ipcMain, contents, isTrustedUrl));
  contents.once('destroyed', () => detach?.());
  await window.loadFile(rendererIndex);
}

app.on('web-contents-created', (_event, contents) => {
  contents.on('will-attach-webview', (event) => event.preventDefault());
});

app.whenReady().then(async () => {
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  core = await createAppCore({ userDataDir: app.getPath('userData') });
  await openWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) void openWindow();
  });
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

app.on('before-quit', () => {
  void core?.close();
});
