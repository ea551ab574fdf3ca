import type { IpcMain, IpcMainEvent, WebContents } from 'electron';
import { Listeners, type Frame, type Wire } from '../../shared/ipc/wire';

/** The single IPC channel every frame travels on. */
export const FRAME_CHANNEL = 'topiary:frame';

/**
 * The main process's end of the Electron wire for one window. Frames from any other sender
 * (another window, a subframe, a frame navigated away from our page, a frame already gone)
 * are dropped before the core sees them.
 */
export function createIpcMainWire(ipcMain: IpcMain, contents: WebContents, isTrustedUrl: (url: string) => boolean): Wire {
  const frames = new Listeners<Frame>();
  const closes = new Listeners<void>();
  const onMessage = (event: IpcMainEvent, frame: unknown): void => {
    const sender = event.senderFrame;
    if (event.sender !== contents || !sender || sender.parent !== null || !isTrustedUrl(sender.url)) return;
    frames.emit(frame as Frame);
  };
  ipcMain.on(FRAME_CHANNEL, onMessage);
  contents.once('destroyed', () => {
    ipcMain.off(FRAME_CHANNEL, onMessage);
    closes.emit();
  });
  return {
    send(frame) {
      if (!contents.isDestroyed()) contents.send(FRAME_CHANNEL, frame);
    },
    onFrame: (listener) => frames.add(listener),
    onClose: (listener) => closes.add(listener),
    close: () => contents.close(),
  };
}
