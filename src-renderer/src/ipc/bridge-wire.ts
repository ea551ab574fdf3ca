import { Listeners, type Frame, type Wire } from '../../../shared/ipc/wire';

/** What the Electron preload exposes: one narrow, frame-shaped bridge and nothing else. */
export interface TopiaryBridge {
  send(frame: unknown): void;
  onFrame(listener: (frame: unknown) => void): () => void;
}

declare global {
  interface Window {
    readonly topiaryBridge?: TopiaryBridge;
  }
}

/** The page's end of the Electron wire. */
export function createBridgeWire(bridge: TopiaryBridge): Wire {
  const closes = new Listeners<void>();
  return {
    send: (frame) => bridge.send(frame),
    onFrame: (listener) => bridge.onFrame((frame) => listener(frame as Frame)),
    onClose: (listener) => closes.add(listener),
    close: () => closes.emit(),
  };
}
