import { mkdir } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Handlers } from '../../shared/ipc/contract';
import type { Wire } from '../../shared/ipc/wire';
import { TopiaryError } from '../../shared/ipc/errors';
import type { CertificateId } from '../../shared/ipc/certificates';
import { ConnectArgsSchema } from '../../shared/ipc/connections';
import { brokerHandlers } from './broker/broker-handlers';
import { BrokerService } from './broker/broker-service';
import { certificatesHandlers, CertificatesService } from './certificates-service';
import { ConnectionManager } from './connections/connection-manager';
import { ExplorerService } from './explorer-service';
import { EventHub } from './ipc/event-hub';
import { serve } from './ipc/serve';
import { ProfileService } from './profiles/profile-service';
import { ComposerStore } from './publish/composer-store';
import { PublishService } from './publish/publish-service';
import { openEncryptedFileSecretStore } from './secrets/encrypted-file-secret-store';
import type { SecretStore } from './secrets/secret-store';

export interface CoreOptions {
  /** The folder Topiary keeps its files in (profiles, certificates, secrets). */
  readonly userDataDir: string;
  /** Seals saved passwords and keys: the Electron shell passes a safeStorage one, web mode the one chooseWebSecretStore picks; without one, the encrypted-file vault. */
  readonly secrets?: SecretStore;
  /** The hosts pass true: start the embedded broker with the app when its settings say so. Off by default for tests. */
  readonly autoStartBroker?: boolean;
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
  // One vault for everything that seals secrets: profiles and the certificate store.
  const secrets = options.secrets ?? (await openEncryptedFileSecretStore({ keyFile: path.join(options.userDataDir, 'secret.key') }));
  const certificates = await CertificatesService.open({
    userDataDir: options.userDataDir,
    secrets,
    usedBy: (id) => [
      ...profiles.list().profiles.filter((p) => p.options.tls?.identityId === id || (p.options.tls?.caIds ?? []).includes(id)).map((p) => p.name),
      ...broker.status().settings.listeners.filter((l) => 'serverIdentityId' in l && (l.serverIdentityId === id || l.clientCaId === id)).map((l) => `Embedded broker (${l.kind} listener on port ${l.port})`),
    ],
    changed: (list) => hub.emit('certificates.changed', list),
  });
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
    message: (connectionId, message) => {
      explorer.ingest(connectionId, message);
      composer.onMessage(connectionId, message);
    },
    closed: (connectionId) => {
      explorer.close(connectionId);
      composer.connectionClosed(connectionId);
    },
  }, { certificates: certificates.store });
  const profiles = await ProfileService.open({
    userDataDir: options.userDataDir,
    secrets,
    // Through the request handler, so a profile's connection is set up exactly like a quick connect.
    connect: async (args) => handlers['connections.connect'](args, { clientId: 'profiles' }),
    liveConnectionIds: () => connections.list().map((c) => c.connectionId),
    changed: (list) => hub.emit('profiles.changed', list),
  });

  const broker = await BrokerService.open({
    directory: options.userDataDir,
    secrets,
    onStatus: (status) => hub.emit('broker.statusChanged', status),
    onStats: (sample) => hub.emit('broker.statsSampled', sample),
    onLog: (entries) => hub.emit('broker.logged', entries),
    resolveTls: async (serverIdentityId, clientCaId) => {
      const pem = await certificates.resolveTlsMaterial({ identityId: serverIdentityId as CertificateId, caIds: clientCaId ? [clientCaId as CertificateId] : [] });
      if (!pem.cert || !pem.key) throw new TopiaryError('BROKER_ERROR', 'The TLS listener\'s server identity has no private key in the certificate store; pick a server identity with its key.');
      return { cert: pem.cert, key: pem.key, ...(pem.ca.length > 0 ? { ca: pem.ca.join('\n') } : {}) };
    },
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
    'connections.reconnect': ({ connectionId }) => connections.reconnect(connectionId),
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
    'explorer.setPauseBudget': ({ connectionId, messages, bytes }) => explorer.setPauseBudget(connectionId, messages, bytes),
    'explorer.pause': ({ connectionId, paused }) => explorer.pause(connectionId, paused),
    'explorer.subscriptions': ({ connectionId }) => explorer.subscriptions(connectionId),
    'explorer.subscribe': ({ connectionId, subscriptions }) => explorer.subscribe(connectionId, subscriptions),
    'explorer.unsubscribe': async ({ connectionId, filters }) => {
      await explorer.unsubscribe(connectionId, filters);
      return null;
    },
    'publish.send': (args) => connections.publish(args),
    'publish.compose': (args) => composer.compose(args),
    'publish.preview': ({ connectionId, ...message }) => composer.preview(message, connectionId),
    'publish.resetCounter': ({ connectionId, topic }) => {
      composer.resetCounter(connectionId, topic);
      return null;
    },
    'publish.startJob': (args) => composer.startJob(args),
    'publish.stopJob': ({ jobId }) => composer.stopJob(jobId),
    'publish.jobs': () => composer.jobList(),
    'publish.request': (args) => composer.request(args),
    'publish.suggestTopics': (args) => composer.suggestTopics(args),
    'publish.savedList': ({ scope }) => composer.savedList(scope),
    'publish.savedSave': (args) => composer.savedSave(args),
    'publish.savedDelete': ({ id }) => composer.savedDelete(id),
    'publish.history': ({ limit }) => composer.history(limit),
    'publish.clearHistory': () => composer.clearHistory(),
    'publish.draftGet': ({ scope }) => composer.draft(scope),
    'publish.draftSet': ({ scope, draft }) => composer.setDraft(scope, draft),
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
    ...certificatesHandlers(certificates),
    ...brokerHandlers(broker, {
      generateCa: (args) => certificates.generateCa(args),
      issue: (args) => certificates.issue(args),
      saveProfile: (args) => profiles.save(args),
    }),
  };

  const composer = new PublishService(
    {
      publish: (args) => connections.publish(args),
      connection: (connectionId) => {
        const info = connections.get(connectionId);
        return { name: info.name, protocolVersion: info.protocolVersion, ...(info.broker?.receiveMaximum !== undefined ? { receiveMaximum: info.broker.receiveMaximum } : {}) };
      },
      subscribe: async (connectionId, filter) => (await connections.addSubscriptions(connectionId, [{ filter, qos: 1 }]))[0] ?? { ok: false },
      unsubscribe: (connectionId, filter) => connections.removeSubscriptions(connectionId, [filter]),
      userFilters: (connectionId) => {
        try {
          return explorer.subscriptions(connectionId).map((s) => s.filter);
        } catch {
          return [];
        }
      },
      topics: (connectionId) => explorer.topicIndex(connectionId),
      pubrec: (connectionId, packetId) => {
        const entries = connections.packetLog(connectionId, { types: ['pubrec'], direction: 'in', offset: 0, limit: 100_000 }).entries;
        for (let i = entries.length - 1; i >= 0; i--) if (entries[i]?.packetId === packetId) return entries[i];
        return undefined;
      },
      progress: (progress) => hub.emit('publish.progress', progress),
    },
    await ComposerStore.open({ userDataDir: options.userDataDir }),
  );

  // Last, once every service exists: messages start flowing as soon as this connects.
  if (options.autoStartBroker === true && broker.status().settings.autoStart) {
    // A newcomer sees a live tree at once: start the broker and connect to it. A failure to
    // start is shown in the broker panel; the app itself still opens.
    try {
      await broker.start();
      const url = broker.connectUrl();
      if (url) {
        const subscriptions = [
          { filter: '#', qos: 2 },
          { filter: '$SYS/#', qos: 0 },
        ];
        await connections.connect(ConnectArgsSchema.parse({ url, name: 'Embedded broker', subscriptions }));
      }
    } catch {
      // Reported through broker.status().error.
    }
  }

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
      await composer.close();
      await connections.closeAll();
      await broker.close();
      explorer.dispose();
    },
  };
}
