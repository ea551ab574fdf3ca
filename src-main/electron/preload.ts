import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';

// The one bridge the page gets: send a frame, receive frames. No Node, no ipcRenderer itself.
const FRAME_CHANNEL = 'topiary:frame';

contextBridge.exposeInMainWorld('topiaryBridge', {
  send(frame: unknown): void {
    ipcRenderer.send(FRAME_CHANNEL, frame);
  },
  onFrame(listener: (frame: unknown) => void): () => void {
    const handler = (_event: IpcRendererEvent, frame: unknown): void => listener(frame);
    ipcRenderer.on(FRAME_CHANNEL, handler);
    return () => ipcRenderer.off(FRAME_CHANNEL, handler);
  },
});
