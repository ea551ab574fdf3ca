import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { encode } from '@msgpack/msgpack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { requests } from '../../shared/ipc/contract';
import { decodeFrame, encodeFrame } from '../../shared/ipc/frame-codec';
import { createAppCore, type AppCore } from '../core/app-core';
import { openSocket } from '../test-support/core-harness';
import { isPeerGone, startWebHost, type WebHost } from './web-host';

// Web mode is a network surface: whatever arrives on its port, the process keeps running and the
// page keeps being served. Random and mutated contract frames (many per connection), malformed
// WebSocket framing and mutated upgrade requests, from a seeded generator so a failure replays.

const SEED = Number(process.env.TOPIARY_FUZZ_SEED ?? 20261206);
const CONTRACT_FRAMES = Number(process.env.TOPIARY_FUZZ_FRAMES ?? 90_000);
const FRAMES_PER_BATCH = 4_000;
const UPGRADE_ATTEMPTS = Number(process.env.TOPIARY_FUZZ_UPGRADES ?? 8_000);
const RAW_FRAME_CONNECTIONS = 300;
const RAW_FRAMES_PER_CONNECTION = 8;

/** Requests that act outside the core's temp folder (ports, hosts, files, long jobs); fuzzed by name only. */
const OUTWARD = new Set([
  'broker.start', 'broker.restart', 'broker.saveSettings', 'broker.createQuickTls', 'certificates.testBroker', 'certificates.listSystemRoots',
  'certificates.generateCa', 'certificates.issue', 'connections.connect', 'profiles.connect', 'profiles.importForeign',
  'publish.startJob', 'publish.request', 'publish.send',
]);
const METHODS = Object.keys(requests).filter((m) => !OUTWARD.has(m));

/** xorshift32: small, fast and repeatable from the seed. */
function generator(seed: number): { int(n: number): number; chance(p: number): boolean; pick<T>(items: readonly T[]): T } {
  let state = seed >>> 0 || 1;
  const next = (): number => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x1_0000_0000;
  };
  return { int: (n) => Math.floor(next() * n), chance: (p) => next() < p, pick: (items) => items[Math.floor(next() * items.length)]! };
}
const rng = generator(SEED);

function randomString(max = 40): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz./#+$-_ 0123456789\u0000\u00ff\u{1f600}';
  let s = '';
  for (let i = rng.int(max); i > 0; i--) s += alphabet[rng.int(alphabet.length)];
  return s;
}

function randomValue(depth = 0): unknown {
  switch (rng.int(depth > 3 ? 7 : 10)) {
    case 0: return null;
    case 1: return rng.chance(0.5);
    case 2: return rng.pick([0, -1, 1.5, 2 ** 53, -(2 ** 63), Number.NaN, Infinity, 65536, rng.int(1_000_000)]);
    case 3: return randomString();
    case 4: return rng.pick(['connectionId', 'c1', '#', '+/+', '', 'x'.repeat(5000), '../../etc/passwd', '__proto__', 'constructor']);
    case 5: return new Uint8Array(rng.int(64)).map(() => rng.int(256));
    case 6: return undefined;
    case 7: return Array.from({ length: rng.int(5) }, () => randomValue(depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = rng.int(5); i > 0; i--) o[rng.pick(['connectionId', 'topic', 'id', 'profile', 'ops', 'limit', 'path', 'settings', 'constructor', randomString(8)])] = randomValue(depth + 1);
      return o;
    }
  }
}

/** A frame the core must survive and, where it is a well-formed request, answer. */
function mutatedFrame(): Uint8Array {
  const shape = rng.int(10);
  if (shape === 0) return encode(randomValue(), { ignoreUndefined: true });
  // A "__proto__" key is refused by the decoder itself, which closes the socket (1007).
  if (rng.chance(0.0001)) return encode(Object.defineProperty({ kind: 'request', id: 1, method: 'connections.list' }, '__proto__', { value: {}, enumerable: true }));
  const frame: Record<string, unknown> = {
    kind: shape === 1 ? rng.pick(['response', 'failure', 'event', 'Request', '', 7]) : 'request',
    id: shape === 2 ? randomValue() : 1_000_000 + rng.int(1_000_000),
    // Unknown names and shapes the core refuses before any handler runs are most of the mix: they are
    // the cheap part, so the run stays short; a third go to real handlers with random arguments.
    method: shape === 3 || shape === 6 || shape === 7 ? randomString() : rng.pick(METHODS),
    arg: randomValue(),
  };
  if (shape === 4) delete frame[rng.pick(['kind', 'id', 'method', 'arg'])];
  const bytes = encode(frame, { ignoreUndefined: true });
  // Now and then a frame gets flipped bytes: an undecodable one makes the core close that socket (1007).
  if (rng.chance(0.0001)) for (let i = 1 + rng.int(3); i > 0; i--) bytes[rng.int(bytes.length)] = rng.int(256);
  return bytes;
}

function upgradeRequest(port: number, token: string): Buffer {
  const lines = [
    `${rng.chance(0.95) ? 'GET' : rng.pick(['POST', 'PUT', 'GE T', '\u0000'])} ${rng.chance(0.8) ? '/ipc' : rng.pick(['/', '/ipc/', '//ipc', '/%ff', `/ipc?${randomString(20)}`])}${rng.chance(0.5) ? `?token=${rng.chance(0.3) ? token : randomString(32)}` : ''} HTTP/1.1`,
    `Host: ${rng.chance(0.8) ? `127.0.0.1:${port}` : rng.pick(['evil.example', '', `localhost:${port}`, randomString(20)])}`,
    `Origin: ${rng.chance(0.7) ? `http://127.0.0.1:${port}` : rng.pick(['null', 'http://evil.example', randomString(20)])}`,
    `Upgrade: ${rng.pick(['websocket', 'WebSocket', 'h2c', ''])}`,
    `Connection: ${rng.pick(['Upgrade', 'keep-alive, Upgrade', 'close'])}`,
    `Sec-WebSocket-Key: ${rng.chance(0.8) ? 'dGhlIHNhbXBsZSBub25jZQ==' : randomString(30)}`,
    `Sec-WebSocket-Version: ${rng.pick(['13', '8', '', 'x'])}`,
  ];
  const kept = lines.filter((_, i) => i === 0 || rng.chance(0.9));
  if (rng.chance(0.05)) kept.push(`X-Big: ${'a'.repeat(20_000)}`);
  let text = `${kept.join('\r\n')}\r\n\r\n`;
  if (rng.chance(0.1)) text = text.slice(0, rng.int(text.length));
  const bytes = Buffer.from(text, 'latin1');
  if (rng.chance(0.1)) for (let i = 1 + rng.int(4); i > 0; i--) bytes[rng.int(bytes.length)] = rng.int(256);
  return bytes;
}

/** One raw TCP attempt: write, then read the answer, reset, or half-close, as a hostile client might. */
function rawAttempt(port: number, bytes: Buffer, then: 'read' | 'reset' | 'end'): Promise<void> {
  return new Promise((resolve) => {
    const socket: Socket = connect(port, '127.0.0.1', () => {
      socket.write(bytes);
      if (then === 'reset') socket.resetAndDestroy();
      else if (then === 'end') socket.end();
    });
    // A truncated request waits for the rest forever; a hostile client would give up and reset.
    socket.setTimeout(300, () => socket.resetAndDestroy());
    socket.on('data', () => {
      if (then === 'read') socket.resetAndDestroy();
    });
    socket.on('error', () => resolve());
    socket.on('close', () => resolve());
  });
}

function pageStatus(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/' }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Sends a batch on one socket and waits for the answer to a final real request behind it. */
function sendBatch(socket: WebSocket, frames: readonly Uint8Array[], probeId: number): Promise<'answered' | 'closed'> {
  return new Promise((resolve) => {
    // Answers are only scanned for the probe's id (a MessagePack uint32), not decoded: the run's time
    // should go to the core, not to this test reading thousands of refusals.
    const needle = Buffer.from([0xce, (probeId >>> 24) & 0xff, (probeId >>> 16) & 0xff, (probeId >>> 8) & 0xff, probeId & 0xff]);
    const onMessage = (data: Buffer): void => {
      if (data.includes(needle) && (decodeFrame(data) as { id?: unknown }).id === probeId) finish('answered');
    };
    const onClose = (): void => finish('closed');
    const finish = (how: 'answered' | 'closed'): void => {
      socket.off('message', onMessage);
      socket.off('close', onClose);
      resolve(how);
    };
    socket.on('message', onMessage);
    socket.on('close', onClose);
    for (const bytes of frames) socket.send(bytes, { binary: true });
    socket.send(encodeFrame({ kind: 'request', id: probeId, method: 'connections.list', arg: {} }), { binary: true });
  });
}

describe('web mode under fuzzing', () => {
  let dir: string;
  let core: AppCore;
  let host: WebHost;
  const unusual: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'topiary-fuzz-'));
    await writeFile(path.join(dir, 'index.html'), '<!doctype html><title>Topiary</title>');
    core = await createAppCore({ userDataDir: path.join(dir, 'user-data') });
    host = await startWebHost({
      rendererDir: dir,
      attach: (wire) => core.attach(wire),
      onError: (where, error) => {
        // Malformed requests are expected here ('client'); anything else must only be a peer going away.
        if (where !== 'client' && !isPeerGone(error)) unusual.push(`${where}: ${error.message}`);
      },
    });
  });

  afterAll(async () => {
    await host?.close();
    await core?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it(`takes ${CONTRACT_FRAMES + UPGRADE_ATTEMPTS + RAW_FRAME_CONNECTIONS * RAW_FRAMES_PER_CONNECTION} random and mutated frames and upgrade attempts and keeps serving the page (seed ${SEED})`, async () => {
    const started = Date.now();
    let sent = 0;
    let pageChecks = 0;
    const url = `ws://127.0.0.1:${host.port}/ipc?token=${host.token}`;

    // Contract frames, thousands per connection; a connection the core closes is replaced.
    let socket = await openSocket(url, host.origin);
    let probeId = 0xf000_0000;
    let answered = 0;
    while (sent < CONTRACT_FRAMES) {
      const batch = Array.from({ length: Math.min(FRAMES_PER_BATCH, CONTRACT_FRAMES - sent) }, mutatedFrame);
      sent += batch.length;
      if ((await sendBatch(socket, batch, probeId++)) === 'answered') answered++;
      else socket = await openSocket(url, host.origin);
      expect(await pageStatus(host.port)).toBe(200);
      pageChecks++;
    }
    socket.terminate();

    const phase0 = Date.now();
    // Malformed WebSocket framing after a valid upgrade: bad opcodes, unmasked frames, lies about lengths.
    let rawSent = 0;
    for (let c = 0; c < RAW_FRAME_CONNECTIONS; c += 20) {
      await Promise.all(
        Array.from({ length: 20 }, async () => {
          const ws = await openSocket(url, host.origin);
          const raw = (ws as unknown as { _socket: Socket })._socket;
          await new Promise<void>((resolve) => {
            raw.once('close', () => resolve());
            for (let f = 0; f < RAW_FRAMES_PER_CONNECTION; f++) {
              const bytes = Buffer.from(Array.from({ length: 2 + rng.int(40) }, () => rng.int(256)));
              if (rng.chance(0.5)) bytes[0] = rng.pick([0x82, 0x02, 0x8f, 0x88, 0x09, 0x00]);
              raw.write(bytes);
              rawSent++;
            }
            raw.end();
          });
        }),
      );
    }

    const phase1 = Date.now();
    // Upgrade attempts, sixty-four in flight, answered, reset or half-closed; the page is fetched between them.
    let attempts = 0;
    const statuses: number[] = [];
    await Promise.all(
      Array.from({ length: 64 }, async (_, lane) => {
        while (attempts < UPGRADE_ATTEMPTS) {
          attempts++;
          await rawAttempt(host.port, upgradeRequest(host.port, host.token), rng.pick(['read', 'reset', 'end'] as const));
          if (lane === 0 && attempts % 200 < 64) statuses.push(await pageStatus(host.port));
        }
      }),
    );
    console.log(`fuzz phases: contract ${phase0 - started} ms, framing ${phase1 - phase0} ms, upgrades ${Date.now() - phase1} ms; cpu ${Math.round(process.cpuUsage().user / 1000)} ms`);
    expect(statuses.length).toBeGreaterThan(10);
    expect(statuses.every((s) => s === 200)).toBe(true);
    pageChecks += statuses.length;

    const total = sent + rawSent + attempts;
    expect(total).toBeGreaterThanOrEqual(100_000);
    expect(answered).toBeGreaterThan(0);
    expect(pageChecks).toBeGreaterThan(20);
    expect(unusual).toEqual([]);
    // Still whole: a fresh page connects and the contract answers.
    expect(await pageStatus(host.port)).toBe(200);
    const last = await openSocket(url, host.origin);
    expect(await sendBatch(last, [], 0xf0ff_0000)).toBe('answered');
    last.terminate();
    console.log(`fuzz: ${total} frames and upgrade attempts in ${Date.now() - started} ms, seed ${SEED}`);
  }, 180_000);
});
