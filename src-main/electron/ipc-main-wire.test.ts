import type { IpcMain, WebContents } from 'electron';
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { Frame } from '../../shared/ipc/wire';
import { createIpcMainWire, FRAME_CHANNEL } from './ipc-main-wire';

// Small stand-ins for Electron's IpcMain and WebContents: the wire only uses on/off/once/send.

const TRUSTED = 'file:///opt/topiary/resources/app.asar/dist/renderer/';
const isTrustedUrl = (url: string): boolean => url.startsWith(TRUSTED);

interface FakeFrame {
  readonly url: string;
  readonly parent: FakeFrame | null;
}

class FakeContents extends EventEmitter {
  readonly sent: unknown[][] = [];
  destroyed = false;
  closed = false;
  readonly mainFrame: FakeFrame = { url: `${TRUSTED}index.html`, parent: null };
  send(channel: string, ...args: unknown[]): void {
    this.sent.push([channel, ...args]);
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  close(): void {
    this.closed = true;
  }
  destroy(): void {
    this.destroyed = true;
    this.emit('destroyed');
  }
}

function setUp() {
  const ipcMain = new EventEmitter();
  const contents = new FakeContents();
  const wire = createIpcMainWire(ipcMain as unknown as IpcMain, contents as unknown as WebContents, isTrustedUrl);
  const received: Frame[] = [];
  wire.onFrame((frame) => received.push(frame));
  const deliver = (sender: unknown, senderFrame: FakeFrame | null, frame: unknown): void => {
    ipcMain.emit(FRAME_CHANNEL, { sender, senderFrame }, frame);
  };
  return { ipcMain, contents, wire, received, deliver };
}

const frame: Frame = { kind: 'request', id: 1, method: 'connections.list', arg: null };

describe('createIpcMainWire', () => {
  it('passes frames from its window’s main frame on our page to the core', () => {
    const { contents, received, deliver } = setUp();
    deliver(contents, contents.mainFrame, frame);
    expect(received).toEqual([frame]);
  });

  it('drops frames sent by another window', () => {
    const { received, deliver } = setUp();
    const other = new FakeContents();
    deliver(other, other.mainFrame, frame);
    expect(received).toEqual([]);
  });

  it('drops frames from a page that is not ours', () => {
    const { contents, received, deliver } = setUp();
    deliver(contents, { url: 'https://example.com/', parent: null }, frame);
    deliver(contents, { url: 'file:///tmp/evil.html', parent: null }, frame);
    expect(received).toEqual([]);
  });

  it('drops frames from a subframe, even one on our page', () => {
    const { contents, received, deliver } = setUp();
    deliver(contents, { url: `${TRUSTED}index.html`, parent: contents.mainFrame }, frame);
    expect(received).toEqual([]);
  });

  it('drops frames whose sending frame is already gone', () => {
    const { contents, received, deliver } = setUp();
    deliver(contents, null, frame);
    expect(received).toEqual([]);
  });

  it('sends frames to its window on the frame channel', () => {
    const { contents, wire } = setUp();
    wire.send(frame);
    expect(contents.sent).toEqual([[FRAME_CHANNEL, frame]]);
  });

  it('stops listening and reports the close when the window is destroyed', () => {
    const { ipcMain, contents, wire, received, deliver } = setUp();
    let closes = 0;
    wire.onClose(() => closes++);
    expect(ipcMain.listenerCount(FRAME_CHANNEL)).toBe(1);
    contents.destroy();
    expect(ipcMain.listenerCount(FRAME_CHANNEL)).toBe(0);
    expect(closes).toBe(1);
    deliver(contents, contents.mainFrame, frame);
    wire.send(frame);
    expect(received).toEqual([]);
    expect(contents.sent).toEqual([]);
  });

  it('closes its window when the core closes the wire', () => {
    const { contents, wire } = setUp();
    wire.close();
    expect(contents.closed).toBe(true);
  });
});
