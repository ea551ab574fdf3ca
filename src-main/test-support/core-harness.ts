import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { createClient, type ContractClient } from '../../shared/ipc/client';
import { createMemoryWirePair } from '../../shared/ipc/memory-wire';
import type { Frame, Wire } from '../../shared/ipc/wire';
import { createAppCore, type AppCore, type CoreOptions } from '../core/app-core';
import { createSocketWire } from '../web/socket-wire';
import { startWebHost, type WebHost } from '../web/web-host';

export type WireKind = 'memory' | 'websocket';

/** A running core and a client talking to it over a real wire, plus every frame the client received. */
export interface CoreHarness {
  readonly core: AppCore;
  readonly client: ContractClient;
  readonly received: Frame[];
  readonly host?: WebHost;
  close(): Promise<void>;
}

/** Opens a `ws` client socket to web mode, as a page of the given origin would. */
export function openSocket(url: string, origin: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { origin });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

function recording(wire: Wire, received: Frame[]): Wire {
  wire.onFrame((frame) => received.push(frame));
  return wire;
}

/** `options` adds to the core's (the built workers a test needs, say); the user-data folder is always a new temporary one. */
export async function startCoreHarness(kind: WireKind, options: Omit<CoreOptions, 'userDataDir'> = {}): Promise<CoreHarness> {
  const userDataDir = await mkdtemp(path.join(os.tmpdir(), 'topiary-core-'));
  const core = await createAppCore({ ...options, userDataDir });
  const received: Frame[] = [];
  const cleanup = async (host?: WebHost): Promise<void> => {
    await host?.close();
    await core.close();
    await rm(userDataDir, { recursive: true, force: true });
  };
  if (kind === 'memory') {
    const [coreEnd, clientEnd] = createMemoryWirePair();
    core.attach(coreEnd);
    const client = createClient(recording(clientEnd, received));
    return { core, client, received, close: () => cleanup() };
  }
  const rendererDir = await mkdtemp(path.join(os.tmpdir(), 'topiary-renderer-'));
  const host = await startWebHost({ rendererDir, attach: (wire) => core.attach(wire) });
  const socket = await openSocket(`ws://127.0.0.1:${host.port}/ipc?token=${host.token}`, host.origin);
  const client = createClient(recording(createSocketWire(socket), received));
  return {
    core,
    client,
    received,
    host,
    close: async () => {
      client.close();
      await cleanup(host);
      await rm(rendererDir, { recursive: true, force: true });
    },
  };
}
