import path from 'node:path';
import {
  BrokerSettingsSchema,
  type BrokerClientRow,
  type BrokerListenerSettings,
  type BrokerLogEntry,
  type BrokerRetainedRow,
  type BrokerSettings,
  type BrokerStatsSample,
  type BrokerStatus,
} from '../../shared/ipc/broker';
import { TopiaryError } from '../../shared/ipc/errors';
import { createBroker, FileStore, MemoryStore, type Broker, type BrokerEvent, type ListenerConfig, type PersistenceStore } from './broker';
import { previewPayload } from './explorer/preview';
import { readFileIfExists, writeFileAtomic } from './storage/atomic-file';

export interface TlsMaterialPem {
  readonly key: string;
  readonly cert: string;
  readonly ca?: string;
}

export interface BrokerServiceOptions {
  /** The folder for broker-settings.json and, with disk persistence, the broker's state. */
  readonly directory: string;
  readonly onStatus: (status: BrokerStatus) => void;
  readonly onStats: (sample: BrokerStatsSample) => void;
  readonly onLog: (entries: readonly BrokerLogEntry[]) => void;
  /** Resolves a server identity (and client CA) from the certificate store, for TLS listeners. */
  readonly resolveTls?: (serverIdentityId: string, clientCaId?: string) => Promise<TlsMaterialPem>;
  /** Milliseconds between stats samples; tests use a short one. */
  readonly sampleIntervalMs?: number;
}

const LOG_LIMIT = 2_000;
const SAMPLE_LIMIT = 300;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

function describeEvent(e: BrokerEvent): BrokerLogEntry {
  switch (e.type) {
    case 'client.connected':
      return { at: e.at, type: e.type, clientId: e.clientId, text: `${e.clientId} connected from ${e.remoteAddress} (MQTT ${e.protocolVersion === 5 ? '5.0' : e.protocolVersion === 4 ? '3.1.1' : '3.1'}${e.username ? `, user ${e.username}` : ''})` };
    case 'client.disconnected':
      return { at: e.at, type: e.type, clientId: e.clientId, text: `${e.clientId} disconnected: ${e.reason}` };
    case 'auth.failed':
      return { at: e.at, type: e.type, clientId: e.clientId, text: `${e.clientId || '(no id)'} from ${e.remoteAddress} refused (reason 0x${e.reasonCode.toString(16)})${e.username ? `, user ${e.username}` : ''}` };
    case 'protocol.error':
      return { at: e.at, type: e.type, ...(e.clientId ? { clientId: e.clientId } : {}), text: `protocol error from ${e.clientId ?? e.remoteAddress}: ${e.message}` };
    case 'message.dropped':
      return { at: e.at, type: e.type, clientId: e.clientId, text: `message on ${e.topic} for ${e.clientId} dropped: ${e.reason}` };
  }
}

/**
 * The embedded broker as the app runs it: settings persisted in the user-data folder, start,
 * stop and restart, and what the dashboard shows (clients, retained messages, rates, a log).
 */
export class BrokerService {
  private broker: Broker | undefined;
  private startedAt: number | null = null;
  private lastError: BrokerStatus['error'] = null;
  private readonly memory = new MemoryStore();
  private readonly logEntries: BrokerLogEntry[] = [];
  private readonly samples: BrokerStatsSample[] = [];
  private pendingLog: BrokerLogEntry[] = [];
  private sampler: ReturnType<typeof setInterval> | undefined;
  private offEvents: (() => void) | undefined;
  /** Serialises start/stop so a restart never races itself. */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly options: BrokerServiceOptions,
    private settings: BrokerSettings,
  ) {}

  static async open(options: BrokerServiceOptions): Promise<BrokerService> {
    const text = await readFileIfExists(path.join(options.directory, 'broker-settings.json'));
    let settings = BrokerSettingsSchema.parse({});
    if (text !== undefined) {
      const parsed = BrokerSettingsSchema.safeParse(JSON.parse(text));
      // Unreadable settings fall back to defaults rather than keeping the broker from starting.
      if (parsed.success) settings = parsed.data;
    }
    return new BrokerService(options, settings);
  }

  status(): BrokerStatus {
    const listeners = (this.broker?.boundListeners() ?? []).map((l) => ({
      kind: l.kind,
      host: l.host,
      port: l.port,
      url: l.url,
      exposed: !LOOPBACK.has(l.host),
    }));
    return { running: this.broker?.isRunning ?? false, startedAt: this.startedAt, listeners, settings: this.settings, error: this.lastError };
  }

  /** The URL a local client should use: the first plain TCP listener, else the first. */
  connectUrl(): string | undefined {
    const listeners = this.status().listeners;
    const pick = listeners.find((l) => l.kind === 'tcp') ?? listeners[0];
    if (!pick) return undefined;
    const host = pick.host === '0.0.0.0' || pick.host === '::' ? '127.0.0.1' : pick.host;
    return pick.url.replace(pick.host, host);
  }

  start(): Promise<BrokerStatus> {
    return this.serial(() => this.doStart());
  }

  stop(): Promise<BrokerStatus> {
    return this.serial(async () => {
      await this.doStop();
      return this.announce();
    });
  }

  restart(): Promise<BrokerStatus> {
    return this.serial(async () => {
      await this.doStop();
      return this.doStart();
    });
  }

  async saveSettings(settings: BrokerSettings): Promise<BrokerStatus> {
    this.settings = settings;
    await writeFileAtomic(path.join(this.options.directory, 'broker-settings.json'), JSON.stringify(settings, null, 2) + '\n');
    if (this.broker?.isRunning) return this.restart();
    return this.announce();
  }

  clients(): BrokerClientRow[] {
    return (this.broker?.listClients() ?? []).map((c) => ({
      clientId: c.clientId,
      ...(c.username !== undefined ? { username: c.username } : {}),
      remoteAddress: c.remoteAddress,
      listener: c.listener,
      protocolVersion: c.protocolVersion,
      keepalive: c.keepalive,
      connectedSince: c.connectedSince,
      subscriptions: c.subscriptions.map((s) => `${s.filter} (QoS ${s.qos})`),
      inflight: c.inflight,
      queued: c.queued,
    }));
  }

  disconnectClient(clientId: string): boolean {
    return this.running().disconnectClient(clientId);
  }

  retained(prefix: string, limit: number): { total: number; rows: BrokerRetainedRow[] } {
    // The broker's own $SYS values are retained too; show them only when asked for by prefix.
    const all = (this.broker?.listRetained() ?? []).filter((r) => r.topic.startsWith(prefix) && (prefix.startsWith('$') || !r.topic.startsWith('$')));
    all.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0));
    const rows = all.slice(0, limit).map((r) => ({ topic: r.topic, size: r.payload.length, qos: r.qos, storedAt: r.storedAt, preview: previewPayload(r.payload) }));
    return { total: all.length, rows };
  }

  deleteRetained(topic: string, subtree: boolean): number {
    return this.running().deleteRetained(topic, subtree);
  }

  log(limit: number): BrokerLogEntry[] {
    return this.logEntries.slice(-limit);
  }

  stats(): BrokerStatsSample[] {
    return [...this.samples];
  }

  async close(): Promise<void> {
    await this.serial(() => this.doStop());
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private running(): Broker {
    if (!this.broker?.isRunning) throw new TopiaryError('BROKER_ERROR', 'The embedded broker is not running; start it first.');
    return this.broker;
  }

  private async listenerConfig(l: BrokerListenerSettings): Promise<ListenerConfig> {
    switch (l.kind) {
      case 'tcp':
        return { kind: 'tcp', port: l.port, host: l.host };
      case 'ws':
        return { kind: 'ws', port: l.port, host: l.host, path: l.path };
      case 'tls':
      case 'wss': {
        if (!this.options.resolveTls) throw new TopiaryError('BROKER_ERROR', 'TLS listeners need the certificate store, which is not available.');
        const pem = await this.options.resolveTls(l.serverIdentityId, l.clientCaId);
        const tls = {
          key: pem.key,
          cert: pem.cert,
          ...(pem.ca ? { ca: pem.ca } : {}),
          requireClientCertificate: l.requireClientCertificate,
          useCertificateCnAsUsername: l.useCertificateCnAsUsername,
        };
        return l.kind === 'tls' ? { kind: 'tls', port: l.port, host: l.host, ...tls } : { kind: 'wss', port: l.port, host: l.host, path: l.path, ...tls };
      }
    }
  }

  private async doStart(): Promise<BrokerStatus> {
    if (this.broker?.isRunning) return this.status();
    const s = this.settings;
    try {
      const listeners = await Promise.all(s.listeners.map((l) => this.listenerConfig(l)));
      const persistence: PersistenceStore = s.persistence === 'disk' ? new FileStore(path.join(this.options.directory, 'broker-state')) : this.memory;
      const broker = createBroker({ listeners, allowAnonymous: s.allowAnonymous, sysInterval: s.sysIntervalSeconds, limits: s.limits, persistence });
      this.offEvents = broker.onEvent((e) => this.record(describeEvent(e)));
      await broker.start();
      this.broker = broker;
      this.startedAt = Date.now();
      this.lastError = null;
      this.samples.length = 0;
      this.sampler = setInterval(() => this.sample(), this.options.sampleIntervalMs ?? 1_000);
      this.sampler.unref?.();
    } catch (error) {
      this.offEvents?.();
      const message = error instanceof Error ? error.message : String(error);
      const inUse = (error as { code?: unknown }).code === 'EADDRINUSE' || /EADDRINUSE/.test(message);
      this.lastError = {
        code: 'BROKER_ERROR',
        message: inUse ? `A broker port is already in use (${message}). Choose another port, or 0 for a free one.` : `The embedded broker could not start: ${message}`,
      };
      this.announce();
      throw new TopiaryError('BROKER_ERROR', this.lastError.message);
    }
    return this.announce();
  }

  private async doStop(): Promise<void> {
    if (this.sampler) clearInterval(this.sampler);
    this.sampler = undefined;
    const broker = this.broker;
    this.broker = undefined;
    this.startedAt = null;
    if (broker) await broker.stop();
    this.offEvents?.();
    this.offEvents = undefined;
    this.flushLog();
  }

  private announce(): BrokerStatus {
    const status = this.status();
    this.options.onStatus(status);
    return status;
  }

  private record(entry: BrokerLogEntry): void {
    this.logEntries.push(entry);
    if (this.logEntries.length > LOG_LIMIT) this.logEntries.splice(0, this.logEntries.length - LOG_LIMIT);
    this.pendingLog.push(entry);
  }

  private flushLog(): void {
    if (this.pendingLog.length === 0) return;
    const batch = this.pendingLog;
    this.pendingLog = [];
    this.options.onLog(batch);
  }

  private sample(): void {
    const broker = this.broker;
    if (!broker) return;
    const s = broker.getStats();
    const sample: BrokerStatsSample = {
      at: Date.now(),
      clientsConnected: s.clientsConnected,
      messagesReceived: s.publishReceived,
      messagesSent: s.publishSent,
      bytesReceived: s.bytesReceived,
      bytesSent: s.bytesSent,
      subscriptions: s.subscriptions,
      retained: s.retained,
      dropped: s.publishDropped,
    };
    this.samples.push(sample);
    if (this.samples.length > SAMPLE_LIMIT) this.samples.shift();
    this.options.onStats(sample);
    this.flushLog();
  }
}
