import type { WebSocket } from 'ws';
import { decodeFrame, encodeFrame } from '../../shared/ipc/frame-codec';
import { Listeners, type Frame, type Wire } from '../../shared/ipc/wire';

/** The core's end of the web-mode wire: binary MessagePack frames over one WebSocket. */
export function createSocketWire(socket: WebSocket): Wire {
  const frames = new Listeners<Frame>();
  const closes = new Listeners<void>();
  socket.on('message', (data, isBinary) => {
    if (!isBinary) {
      socket.close(1003, 'binary frames only');
      return;
    }
    let value: unknown;
    try {
      const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
      value = decodeFrame(bytes);
    } catch {
      socket.close(1007, 'undecodable frame');
      return;
    }
    // The shape is checked by whoever listens (serve validates requests).
    frames.emit(value as Frame);
  });
  socket.on('close', () => closes.emit());
  socket.on('error', () => socket.terminate());
  return {
    send(frame) {
      if (socket.readyState === socket.OPEN) socket.send(encodeFrame(frame));
    },
    onFrame: (listener) => frames.add(listener),
    onClose: (listener) => closes.add(listener),
    close: () => socket.close(1000),
  };
}
