import { decodeFrame, encodeFrame } from '../../../shared/ipc/frame-codec';
import { Listeners, type Frame, type Wire } from '../../../shared/ipc/wire';

/** The page's end of the web-mode wire; frames sent before the socket opens wait for it. */
export function createWebSocketWire(url: string): Wire {
  const frames = new Listeners<Frame>();
  const closes = new Listeners<void>();
  const socket = new WebSocket(url);
  socket.binaryType = 'arraybuffer';
  const queued: Uint8Array[] = [];
  socket.addEventListener('open', () => {
    for (const bytes of queued.splice(0)) socket.send(bytes);
  });
  socket.addEventListener('message', (event) => {
    if (!(event.data instanceof ArrayBuffer)) return;
    frames.emit(decodeFrame(new Uint8Array(event.data)) as Frame);
  });
  socket.addEventListener('close', () => closes.emit());
  return {
    send(frame) {
      const bytes = encodeFrame(frame);
      if (socket.readyState === WebSocket.OPEN) socket.send(bytes);
      else if (socket.readyState === WebSocket.CONNECTING) queued.push(bytes);
    },
    onFrame: (listener) => frames.add(listener),
    onClose: (listener) => closes.add(listener),
    close: () => socket.close(),
  };
}
