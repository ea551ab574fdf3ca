import { promises as fs } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { assertGnomeKeyringTools, startGnomeKeyringSession, type GnomeKeyringSession } from '../../test-support/gnome-keyring-session';
import { childProcessKeyring, classifyKeyringMessage } from './os-keyring';

let dir: string;
let session: GnomeKeyringSession | undefined;
let server: net.Server | undefined;
const sockets = new Set<net.Socket>();

beforeAll(() => assertGnomeKeyringTools());
beforeEach(async () => {
  dir = await fs.mkdtemp(join(tmpdir(), 'topiary-os-keyring-'));
});
afterEach(async () => {
  await session?.close();
  session = undefined;
  const closing = server;
  server = undefined;
  if (closing) {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => closing.close(() => resolve()));
  }
  sockets.clear();
  await fs.rm(dir, { recursive: true, force: true });
});

const SERVICE = 'TopiaryTest';

describe.runIf(process.platform === 'linux')('the OS keyring asked from a child process', () => {
  it('reports "absent" quickly when there is no session bus at all', async () => {
    const keyring = childProcessKeyring({ timeoutMs: 10_000, env: { PATH: process.env.PATH, HOME: dir } });
    const started = Date.now();
    const lookup = await keyring.loadOrCreate(SERVICE, 'a', () => 'value');
    expect(lookup).toMatchObject({ ok: false, reason: 'absent' });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('gives up after its timeout on a bus that never answers, without blocking the event loop', async () => {
    // A socket that accepts the D-Bus connection and then says nothing: the library waits forever.
    const socketPath = join(dir, 'silent-bus');
    server = net.createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => server?.listen(socketPath, resolve));
    const keyring = childProcessKeyring({ timeoutMs: 700, env: { PATH: process.env.PATH, HOME: dir, DBUS_SESSION_BUS_ADDRESS: `unix:path=${socketPath}` } });
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 50);
    const lookup = await keyring.loadOrCreate(SERVICE, 'a', () => 'value');
    clearInterval(ticker);
    expect(lookup).toMatchObject({ ok: false, reason: 'timeout' });
    expect(ticks).toBeGreaterThanOrEqual(5);
  });

  it('writes a new entry once and reads the same value back afterwards from gnome-keyring', async () => {
    session = await startGnomeKeyringSession({ home: join(dir, 'home'), password: 'test' });
    const keyring = childProcessKeyring({ env: session.env, timeoutMs: 10_000 });
    const first = await keyring.loadOrCreate(SERVICE, 'a', () => 'first value');
    expect(first).toEqual({ ok: true, value: 'first value', created: true });
    const second = await keyring.loadOrCreate(SERVICE, 'a', () => 'second value');
    expect(second).toEqual({ ok: true, value: 'first value', created: false });
    const other = await keyring.loadOrCreate(SERVICE, 'b', () => 'other value');
    expect(other).toMatchObject({ ok: true, value: 'other value' });
  });

  it('reports "locked" when gnome-keyring runs but its keyring is locked', async () => {
    session = await startGnomeKeyringSession({ home: join(dir, 'home') });
    const lookup = await childProcessKeyring({ env: session.env, timeoutMs: 10_000 }).loadOrCreate(SERVICE, 'a', () => 'value');
    expect(lookup).toMatchObject({ ok: false, reason: 'locked' });
  });
});

describe("sorting the keyring library's errors", () => {
  it('tells a missing Secret Service from a locked one', () => {
    expect(classifyKeyringMessage('Platform failure: DBus error: Using X11 for dbus-daemon autolaunch was disabled at compile time')).toBe('absent');
    expect(classifyKeyringMessage("Couldn't access platform storage: Secret Service: unlock prompt was dismissed")).toBe('locked');
    expect(classifyKeyringMessage('something unexpected')).toBe('failed');
  });
});
