import { mkdir } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import type { Handlers } from '../../shared/ipc/contract';
import type { Wire } from '../../shared/ipc/wire';
import { ConnectionManager } from './connections/connection-manager';
import { ExplorerService } from './explorer-service';
import { EventHub } from './ipc/event-hub';
import { serve } from './ipc/serve';

export interface CoreOptions {
  /** The folder Topiary keeps its files in (profiles, certificates, secrets). */
  readonly userDataDir: string;
}

/** Everything stateful, Electron-free: what both hosts wire up. */
export interface AppCore {
  readonly handlers: Handlers;
  /** Serves one UI client over a wire; returns a detach function. */
  attach(wire: Wire): () => void;
  close(): Promise<void>;
}

export async function createAppCore(options: CoreOptions): Promise<AppCore> {
  await mkdir(options.userDataDir, { recursive: true, mode: 0o700 });
  const hub = new EventHub();
  const explorer = new ExplorerService(hub);
  const connections = new ConnectionManager({
    status: (info) => {
      if (info.state === 'connecting') explorer.open(info.connectionId);
      hub.emit('connections.statusChanged', info);
    },
    message: (connectionId, message) => explorer.ingest(connectionId, message),
    closed: (connectionId) => explorer.close(connectionId),
  });

  const handlers: Handlers = {
    'connections.connect': (args) => connections.connect(args),
    'connections.disconnect': ({ connectionId }) => connections.disconnect(connectionId),
    'connections.list': () => connections.list(),
    'connections.info': ({ connectionId }) => connections.get(connectionId),
    'connections.packetLog': ({ connectionId, ...window }) => connections.packetLog(connectionId, window),
    'connections.exportPacketLog': ({ connectionId, ...filter }) => connections.exportPacketLog(connectionId, filter),
    'explorer.rows': (args, { clientId }) => explorer.rows(args, clientId),
    'explorer.topic': (args) => explorer.topic(args),
    'explorer.watch': ({ connectionId, topic }, { clientId }) => {
      explorer.watch(clientId, connectionId, topic);
      return null;
    },
    'publish.send': (args) => connections.publish(args),
  };

  return {
    handlers,
    attach(wire) {
      const clientId = randomUUID();
      const detachHub = hub.attach(clientId, wire);
      const stopServing = serve(wire, handlers, { clientId });
      return () => {
        detachHub();
        stopServing();
        explorer.forgetClient(clientId);
      };
    },
    async close() {
      await connections.closeAll();
      explorer.dispose();
    },
  };
}
