import { mkdir } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Handlers } from '../../shared/ipc/contract';
import type { Wire } from '../../shared/ipc/wire';
import { ConnectionManager } from './connections/connection-manager';
import { ExplorerService } from './explorer-service';
import { EventHub } from './ipc/event-hub';
import { serve } from './ipc/serve';
import { ProfileService } from './profiles/profile-service';
import { openEncryptedFileSecretStore } from './secrets/encrypted-file-secret-store';
import type { SecretStore } from './secrets/secret-store';

export interface CoreOptions {
  /** The folder Topiary keeps its files in (profiles, certificates, secrets). */
  readonly userDataDir: string;
  /** Seals saved passwords and keys; the Electron shell passes a safeStorage one, web mode uses the encrypted-file vault. */
  readonly secrets?: SecretStore;
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
  const explorer = new ExplorerService(hub, {
    clearRetained: async (connectionId, topic) => {
      await connections.publish({ connectionId, topic, payload: new Uint8Array(0), qos: 1, retain: true });
    },
    subscribe: (connectionId, subscriptions) => connections.addSubscriptions(connectionId, subscriptions),
    unsubscribe: (connectionId, filters) => connections.removeSubscriptions(connectionId, filters),
  });
  const connections = new ConnectionManager({
    status: (info) => {
      if (info.state === 'connecting') explorer.open(info.connectionId);
      hub.emit('connections.statusChanged', info);
    },
    message: (connectionId, message) => explorer.ingest(connectionId, message),
    closed: (connectionId) => explorer.close(connectionId),
  });
  const secrets = options.secrets ?? (await openEncryptedFileSecretStore({ keyFile: path.join(options.userDataDir, 'secret.key') }));
  const profiles = await ProfileService.open({
    userDataDir: options.userDataDir,
    secrets,
    connect: (args) => connections.connect(args),
    liveConnectionIds: () => connections.list().map((c) => c.connectionId),
    changed: (list) => hub.emit('profiles.changed', list),
  });

  const handlers: Handlers = {
    'connections.connect': async (args) => {
      const info = await connections.connect(args);
      explorer.noteSubscriptions(info.connectionId, args.subscriptions);
      return info;
    },
    'connections.disconnect': ({ connectionId }) => connections.disconnect(connectionId),
    'connections.list': () => connections.list(),
    'connections.info': ({ connectionId }) => connections.get(connectionId),
    'connections.packetLog': ({ connectionId, ...window }) => connections.packetLog(connectionId, window),
    'connections.exportPacketLog': ({ connectionId, ...filter }) => connections.exportPacketLog(connectionId, filter),
    'explorer.view': (args, { clientId }) => explorer.view(args, clientId),
    'explorer.rows': (args, { clientId }) => explorer.rows(args, clientId),
    'explorer.topic': (args) => explorer.topic(args),
    'explorer.watch': ({ connectionId, topic }, { clientId }) => {
      explorer.watch(clientId, connectionId, topic);
      return null;
    },
    'explorer.decode': (args) => explorer.decode(args),
    'explorer.payload': (args) => explorer.payload(args),
    'explorer.history': (args) => explorer.history(args),
    'explorer.diff': (args) => explorer.diff(args),
    'explorer.series': (args) => explorer.series(args),
    'explorer.setHistoryBudget': ({ connectionId, budgetBytes }) => {
      explorer.setHistoryBudget(connectionId, budgetBytes);
      return null;
    },
    'explorer.clearRetained': (args) => explorer.clearRetained(args),
    'explorer.pause': ({ connectionId, paused }) => explorer.pause(connectionId, paused),
    'explorer.subscriptions': ({ connectionId }) => explorer.subscriptions(connectionId),
    'explorer.subscribe': ({ connectionId, subscriptions }) => explorer.subscribe(connectionId, subscriptions),
    'explorer.unsubscribe': async ({ connectionId, filters }) => {
      await explorer.unsubscribe(connectionId, filters);
      return null;
    },
    'publish.send': (args) => connections.publish(args),
    'profiles.list': () => profiles.list(),
    'profiles.save': (args) => profiles.save(args),
    'profiles.duplicate': ({ id }) => profiles.duplicate(id),
    'profiles.delete': ({ id }) => profiles.delete(id),
    'profiles.move': ({ id, folder, index }) => profiles.move(id, folder, index),
    'profiles.connect': ({ id }) => profiles.connect(id),
    'profiles.export': ({ ids, includeSecrets }) => profiles.export(ids, includeSecrets),
    'profiles.import': ({ text }) => profiles.import(text),
    'profiles.importForeign': ({ text, format }) => profiles.importForeign(text, format),
    'profiles.secretStoreInfo': () => profiles.secretStoreInfo(),
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
