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
import { certificatesHandlers } from './certificates/certificates-handlers';
import { CertificatesService } from './certificates/certificates-service';
import { decodersHandlers } from './decoders/decoders-handlers';
import { DecodersService } from './decoders/decoders-service';
import { ConnectionEventFanOut, ConnectionManager } from './connections/connection-manager';
import { connectionsHandlers, type BrokerChecker } from './connections/connections-handlers';
import { checkBroker } from '../lib/broker-check';
import { settleYoungGeneration } from './runtime/settle-young-generation';
import { explorerHandlers } from './explorer/explorer-handlers';
import { ExplorerService } from './explorer/explorer-service';
import { CaptureJobs } from './history/capture-jobs';
import { historyHandlers } from './history/history-handlers';
import { HistoryService } from './history/history-service';
import { unpackedPath } from './history/worker-location';
import { EventHub } from './ipc/event-hub';
import { serve } from './ipc/serve';
import { ProfileService } from './profiles/profile-service';
import { profilesHandlers } from './profiles/profiles-handlers';
import { ComposerStore } from './publish/composer-store';
import { PayloadTransforms } from './publish/payload-transform';
import { publishHandlers } from './publish/publish-handlers';
import { PublishService } from './publish/publish-service';
import { openEncryptedFileSecretStore } from './secrets/encrypted-file-secret-store';
import type { SecretStore } from './secrets/secret-store';
import { respondersHandlers } from './responders/responders-handlers';
import { RespondersService } from './responders/responders-service';
import { simulationsHandlers } from './simulator/simulations-handlers';
import { SimulationsService } from './simulator/simulations-service';

export interface CoreOptions {
  /** The folder Topiary keeps its files in (profiles, certificates, secrets). */
  readonly userDataDir: string;
  /** Seals saved passwords and keys: the Electron shell passes a safeStorage one, web mode the one chooseWebSecretStore picks; without one, the encrypted-file vault. */
  readonly secrets?: SecretStore;
  /** The hosts pass true: start the embedded broker with the app when its settings say so. Off by default for tests. */
  readonly autoStartBroker?: boolean;
  /** The built history worker; the hosts' default sits beside their own bundle. */
  readonly historyWorkerFile?: string;
  /** The built script sandbox worker; the hosts' default sits beside their own bundle. */
  readonly scriptWorkerFile?: string;
  /** Messages of a composer job computed per crossing to the sandbox worker (1: one crossing each, for comparison). */
  readonly payloadScriptBatch?: number;
}

/** Least time between two settleYoungGeneration() calls made as connections start (reconnect loops included). */
const SETTLE_SPACING_MS = 1000;

/** Everything stateful, Electron-free: what both hosts wire up. */
export interface AppCore {
  readonly handlers: Handlers;
  /** Serves one UI client over a wire; returns a detach function. */
  attach(wire: Wire): () => void;
  close(): Promise<void>;
}

/** The port a connection URL names (its scheme's default when it names none). */
function urlPort(url: string): number {
  try {
    const u = new URL(url);
    if (u.port !== '') return Number(u.port);
    return { 'mqtt:': 1883, 'tcp:': 1883, 'mqtts:': 8883, 'ssl:': 8883, 'ws:': 80, 'wss:': 443 }[u.protocol] ?? 0;
  } catch {
    return 0;
  }
}

export async function createAppCore(options: CoreOptions): Promise<AppCore> {
  await mkdir(options.userDataDir, { recursive: true, mode: 0o700 });
  const hub = new EventHub();
  // Opens its store only when something records or searches.
  const history = new HistoryService({
    file: path.join(options.userDataDir, 'history', 'history.db'),
    workerFile: options.historyWorkerFile ?? unpackedPath(path.join(__dirname, 'history-worker.cjs')),
    onStatus: (status) => hub.emit('history.statusChanged', status),
    onExportProgress: (progress) => hub.emit('history.exportProgressed', progress),
    // Only searches and exports that ask for `decoded` call it; the decoders open below, before any request.
    decode: (messages) => decoders.decodeBatch(messages),
  });
  // One vault for everything that seals secrets: profiles, the certificate store and the broker's users.
  const secrets = options.secrets ?? (await openEncryptedFileSecretStore({ keyFile: path.join(options.userDataDir, 'secret.key') }));

  // Certificates first: connections, profiles and the broker all take their TLS material from the store.
  const certificates = await CertificatesService.open({
    userDataDir: options.userDataDir,
    secrets,
    changed: (list) => hub.emit('certificates.changed', list),
  });

  // Connections, then the services that follow them; each hears the connections' events in the order added.
  const connectionEvents = new ConnectionEventFanOut();
  const connections = new ConnectionManager(connectionEvents, { certificates: certificates.store });
  const decoders = await DecodersService.open({ userDataDir: options.userDataDir, workerFile: options.scriptWorkerFile ?? unpackedPath(path.join(__dirname, 'script-worker.cjs')), changed: (list) => {
      hub.emit('decoders.bindingsChanged', list);
      explorer.bindingsChanged();
    },
  });
  const explorer = new ExplorerService(hub, {
    clearRetained: async (connectionId, topic) => {
      await connections.publish({ connectionId, topic, payload: new Uint8Array(0), qos: 1, retain: true });
    },
    subscribe: (connectionId, subscriptions) => connections.addSubscriptions(connectionId, subscriptions),
    unsubscribe: (connectionId, filters) => connections.removeSubscriptions(connectionId, filters),
    decodeBound: (message) => decoders.decode(message),
    previews: { hasBinding: (topic) => decoders.hasBinding(topic), decodeBatch: (messages) => decoders.decodeBatch(messages) },
  });
  connectionEvents.add(explorer.connectionListener());
  // Auto-responders answer what any open connection receives, on that connection, window or not.
  const responders = await RespondersService.open({
    userDataDir: options.userDataDir,
    workerFile: options.scriptWorkerFile ?? unpackedPath(path.join(__dirname, 'script-worker.cjs')),
    publish: async (connectionId, p) => {
      const correlationData = p.properties?.correlationData;
      const properties = {
        ...(p.properties?.contentType === undefined ? {} : { contentType: p.properties.contentType }),
        ...(correlationData === undefined ? {} : { correlationData: Uint8Array.from(correlationData) }),
      };
      await connections.publish({ connectionId, topic: p.topic, payload: Uint8Array.from(p.payload), qos: p.qos, retain: p.retain, properties });
    },
    changed: (list) => hub.emit('responders.changed', list),
  });
  connectionEvents.add({ message: (connectionId, message) => responders.handle(connectionId, message) });
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
      progress: (progress) => hub.emit('publish.jobProgressed', progress),
    },
    await ComposerStore.open({ userDataDir: options.userDataDir }),
    {
      transforms: new PayloadTransforms(options.scriptWorkerFile ?? unpackedPath(path.join(__dirname, 'script-worker.cjs')), {
        ...(options.payloadScriptBatch !== undefined ? { batchMax: options.payloadScriptBatch } : {}),
      }),
    },
  );
  connectionEvents.add({
    message: (connectionId, message) => composer.onMessage(connectionId, message),
    closed: (connectionId) => composer.connectionClosed(connectionId),
  });
  const captures = new CaptureJobs({ publish: (args) => connections.publish(args), onProgress: (progress) => hub.emit('history.captureProgressed', progress) });
  connectionEvents.add({
    message: (connectionId, message) => {
      history.record(connectionId, message);
      captures.offer(connectionId, message);
    },
    closed: (connectionId) => {
      history.connectionClosed(connectionId);
      captures.connectionClosed(connectionId);
    },
  });
  // The window hears of a status change last, once the explorer has opened the connection's tree.
  connectionEvents.add({ status: (info) => hub.emit('connections.statusChanged', info) });
  // Once a connection is up, what its set-up left in the young generation is promoted while the broker answers its
  // SUBSCRIBE, before the retained messages pour in (see settleYoungGeneration); at most once a second. On the next
  // turn, not in this event: the connection sends its SUBSCRIBE right after announcing 'connected', and must not wait.
  let settledAt = 0;
  connectionEvents.add({
    status: (info) => {
      if (info.state !== 'connected' || Date.now() - settledAt < SETTLE_SPACING_MS) return;
      settledAt = Date.now();
      setImmediate(settleYoungGeneration);
    },
  });
  // The same check as `topiary check`, with the connection's broker, credentials and resolved TLS material.
  const check: BrokerChecker = (target) =>
    checkBroker({
      url: target.url,
      ...(target.username !== undefined ? { username: target.username } : {}),
      ...(target.password !== undefined ? { password: target.password } : {}),
      ...(target.tls
        ? {
            tls: {
              ...(target.tls.ca ? { ca: target.tls.ca } : {}),
              ...(target.tls.cert ? { cert: target.tls.cert } : {}),
              ...(target.tls.key ? { key: target.tls.key } : {}),
              rejectUnauthorized: target.tls.rejectUnauthorized,
              ...(target.tls.servername ? { servername: target.tls.servername } : {}),
              ...(target.tls.ALPNProtocols ? { alpnProtocols: target.tls.ALPNProtocols } : {}),
            },
          }
        : {}),
    });
  const connectionRequests = connectionsHandlers(connections, explorer, check);

  // Saved simulations travel in the profiles' export; none starts by itself. The broker exists by the time one starts.
  const simulations = await SimulationsService.open({
    defaultUrl: () => broker.connectUrl(),
    userDataDir: options.userDataDir,
    workerFile: options.scriptWorkerFile ?? unpackedPath(path.join(__dirname, 'script-worker.cjs')),
    savedChanged: (saved) => hub.emit('simulations.savedChanged', saved),
  });

  const profiles = await ProfileService.open({
    userDataDir: options.userDataDir,
    secrets,
    // Through the request handler, so a profile's connection is set up exactly like a quick connect.
    connect: async (args) => connectionRequests['connections.connect'](args, { clientId: 'profiles' }),
    connectionOptions: (connectionId) => connections.optionsOf(connectionId),
    liveConnectionIds: () => connections.list().map((c) => c.connectionId),
    changed: (list) => hub.emit('profiles.changed', list),
    // Bindings and responders apply to every connection; the profiles' export file carries them, and saved simulations.
    scripts: { decoderBindings: decoders, responders, simulations },
  });

  const broker = await BrokerService.open({
    directory: options.userDataDir,
    secrets,
    onStatus: (status) => hub.emit('broker.statusChanged', status),
    onStats: (sample) => hub.emit('broker.statsSampled', sample),
    onLog: (entries) => hub.emit('broker.logged', entries),
    // The app's own connected clients, so a users/ACL preview can say when Topiary itself would be locked out.
    ownConnections: () => connections.list().flatMap((c) => (c.state === 'connected' ? [{ clientId: c.clientId, port: urlPort(c.url), name: c.name }] : [])),
    // A subscription the new rules deny would go silent while still shown active: asking again makes the broker's
    // verdict (refused, with why) show on the app's own connections, and a rule that grants it back makes it active.
    accessApplied: (ports) => {
      for (const c of connections.list()) {
        if (c.state === 'connected' && ports.has(urlPort(c.url))) connections.resubscribe(c.connectionId).catch(() => undefined);
      }
    },
    resolveTls: async (serverIdentityId, clientCaId) => {
      // The broker's settings keep certificate ids as plain strings (the broker domain's contract).
      const pem = await certificates.resolveTlsMaterial({ identityId: serverIdentityId as CertificateId, caIds: clientCaId ? [clientCaId as CertificateId] : [] });
      if (!pem.cert || !pem.key) throw new TopiaryError('BROKER_ERROR', 'The TLS listener\'s server identity has no private key in the certificate store; pick a server identity with its key.');
      return { cert: pem.cert, key: pem.key, ...(pem.ca.length > 0 ? { ca: pem.ca.join('\n') } : {}) };
    },
  });

  // A certificate in use by a profile or a broker listener is named as such (and not deleted without force).
  certificates.addUsers((id) => [
    ...profiles.list().profiles.filter((p) => p.options.tls?.identityId === id || (p.options.tls?.caIds ?? []).includes(id)).map((p) => p.name),
    ...broker.status().settings.listeners.filter((l) => 'serverIdentityId' in l && (l.serverIdentityId === id || ('clientCaId' in l && l.clientCaId === id))).map((l) => `Embedded broker (${l.kind} listener on port ${l.port})`),
  ]);

  const profileRequests = profilesHandlers(profiles);
  const handlers: Handlers = {
    ...connectionRequests,
    ...explorerHandlers(explorer),
    ...publishHandlers(composer, connections),
    // Quick local TLS makes certificates and a profile besides the broker's listener.
    ...brokerHandlers(broker, {
      generateCa: (args) => certificates.generateCa(args),
      issue: (args) => certificates.issue(args),
      saveProfile: (args) => profiles.save(args),
    }),
    ...profileRequests,
    'profiles.connect': async (args, context) => {
      const info = await profileRequests['profiles.connect'](args, context);
      // Saved profiles are recorded by default; a store that cannot open says so in history.status.
      history.profileConnected(info.connectionId, args.id, info.name).catch(() => undefined);
      return info;
    },
    ...certificatesHandlers(certificates),
    ...historyHandlers(history, captures),
    ...simulationsHandlers(simulations),
    ...decodersHandlers(decoders),
    ...respondersHandlers(responders),
  };

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

  // Start-up's leftovers leave the young generation now, not in the first burst of messages.
  settleYoungGeneration();

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
      await simulations.close();
      await composer.close();
      await connections.closeAll();
      await broker.close();
      await captures.close();
      await history.close();
      explorer.dispose();
      await decoders.close();
      await responders.close();
    },
  };
}
