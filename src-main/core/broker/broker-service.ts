import path from 'node:path';
import {
  BrokerSettingsSchema,
  type AccessChange,
  type AccessPreview,
  type BridgeSettings,
  type BridgeStatusRow,
  type BrokerClientRow,
  type BrokerListenerSettings,
  type BrokerLogEntry,
  type BrokerRetainedRow,
  type BrokerSettings,
  type BrokerStatsSample,
  type BrokerStatus,
  type MovedSetting,
} from '../../../shared/ipc/broker';
import { TopiaryError } from '../../../shared/ipc/errors';
import {
  createBroker,
  JournalStore,
  formatAclFile,
  formatPasswordFile,
  MemoryStore,
  parseAclFile,
  importPasswordFile,
  type Broker,
  type BrokerEvent,
  type ListenerConfig,
  type PersistenceStore,
  type PskEntry,
  type UserAuthMethod,
  type UserRecord,
} from './index';

/** A user as the settings file holds it (the engine's record, with mutable arrays for the schema's type). */
type SettingsUser = BrokerSettings['users'][number];
const asSettingsUser = (u: UserRecord): SettingsUser => u as SettingsUser;
import { parseBridgeTopicLines } from '../../../shared/mqtt/bridge-topics';
import { Bridge } from './bridge';
import { previewAccessLoss, type AccessRules } from './access-preview';
import { previewPayload } from '../explorer/preview';
import type { SecretStore } from '../secrets/secret-store';
import { readFileIfExists, writeFileAtomic } from '../storage/atomic-file';
import { createUserRecord } from './user-credentials';

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
  /** Seals bridge passwords before they are written; without it, bridges cannot keep a password. */
  readonly secrets?: SecretStore;
  /** Topiary's own live connections (client id, the port of the URL it uses, its name), so an access preview can name them. */
  readonly ownConnections?: () => readonly OwnConnection[];
  /** Called once new users/ACL/anonymous settings are in force on a running broker, with the ports it listens on. */
  readonly accessApplied?: (ports: ReadonlySet<number>) => void;
}

export interface OwnConnection {
  readonly clientId: string;
  readonly port: number;
  readonly name: string;
}

/** What broker-settings.json holds: the settings, with each bridge password and each DTLS pre-shared key sealed beside it. */
interface SettingsFile {
  readonly settings: BrokerSettings;
  readonly sealedPasswords: Readonly<Record<string, string>>;
  /** PSK identity → its key sealed by the secret store (base64); settings.pskIdentities says whose it is. */
  readonly sealedPsks?: Readonly<Record<string, string>>;
}

const SETTINGS_FILE = 'broker-settings.json';

function isAddressInUse(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown; details?: { reason?: unknown; errno?: unknown } };
  return e.code === 'EADDRINUSE' || e.details?.errno === 'EADDRINUSE' || e.details?.reason === 'address-in-use' || /EADDRINUSE/.test(String(e.message ?? ''));
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
  /** The "moved" test setting: in memory only, so a restart of the app never leaves the broker refusing everyone. */
  private moved: MovedSetting | undefined;
  private readonly memory = new MemoryStore();
  /** Where the last broker kept its state: a switch moves that state to the new place. */
  private lastPersistence: BrokerSettings['persistence'] | undefined;
  private readonly logEntries: BrokerLogEntry[] = [];
  private readonly samples: BrokerStatsSample[] = [];
  private pendingLog: BrokerLogEntry[] = [];
  private sampler: ReturnType<typeof setInterval> | undefined;
  private offEvents: (() => void) | undefined;
  /** Serialises start/stop so a restart never races itself. */
  private queue: Promise<unknown> = Promise.resolve();
  private bridges: Bridge[] = [];
  /**
   * Ports chosen for "port 0" listeners at the last start, by kind and address: a restart keeps
   * them, so connections to the broker (the app's own among them) reconnect instead of losing it.
   */
  private chosenPorts = new Map<string, number>();
  /**
   * The unsealed pre-shared keys by identity, for the DTLS listeners' handshakes (which look keys up synchronously).
   * Filled when a broker with a DTLS listener starts and kept current by setPsk and deletePsk; only ever in memory.
   */
  private readonly psks = new Map<string, Buffer>();

  private constructor(
    private readonly options: BrokerServiceOptions,
    private settings: BrokerSettings,
    /** Bridge name to its sealed password (base64). */
    private sealedPasswords: Record<string, string>,
    /** PSK identity to its sealed key (base64). */
    private sealedPsks: Record<string, string>,
  ) {}

  static async open(options: BrokerServiceOptions): Promise<BrokerService> {
    const text = await readFileIfExists(path.join(options.directory, SETTINGS_FILE));
    let settings = BrokerSettingsSchema.parse({});
    let sealed: Record<string, string> = {};
    let sealedPsks: Record<string, string> = {};
    if (text !== undefined) {
      try {
        const file = JSON.parse(text) as Partial<SettingsFile>;
        const parsed = BrokerSettingsSchema.safeParse(file.settings);
        // Unreadable settings fall back to defaults rather than keeping the broker from starting.
        if (parsed.success) {
          settings = parsed.data;
          sealed = { ...(file.sealedPasswords ?? {}) };
          sealedPsks = { ...(file.sealedPsks ?? {}) };
          // An identity whose sealed key is missing (a hand-edited file) cannot be used: drop it rather than show it as set.
          settings = { ...settings, pskIdentities: settings.pskIdentities.filter((p) => typeof sealedPsks[p.identity] === 'string') };
        }
      } catch {
        // As above: defaults.
      }
    }
    return new BrokerService(options, settings, sealed, sealedPsks);
  }

  status(): BrokerStatus {
    const listeners = (this.broker?.boundListeners() ?? []).map((l) => ({
      kind: l.kind,
      host: l.host,
      port: l.port,
      url: l.url,
      exposed: !LOOPBACK.has(l.host),
    }));
    const bridges: BridgeStatusRow[] = this.bridges.map((b) => b.status());
    return {
      running: this.broker?.isRunning ?? false,
      startedAt: this.startedAt,
      listeners,
      settings: this.settings,
      bridges,
      error: this.lastError,
      ...(this.moved ? { moved: this.moved } : {}),
    };
  }

  /** Sends every client to another server, or stops (null); kept across broker restarts but never saved. */
  setMoved(moved: MovedSetting | null): BrokerStatus {
    this.moved = moved ?? undefined;
    this.broker?.setMoved(this.moved);
    return this.announce();
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
    const sealed: Record<string, string> = {};
    const bridges: BridgeSettings[] = [];
    for (const { password, passwordStored: _shown, ...bridge } of settings.bridges) {
      if (password !== undefined && password !== '') {
        if (!this.options.secrets) throw new TopiaryError('BROKER_ERROR', 'Bridge passwords need the secret store, which is not available.');
        sealed[bridge.name] = (await this.options.secrets.encrypt(Buffer.from(password, 'utf8'))).toString('base64');
      } else if (password === undefined && this.sealedPasswords[bridge.name] !== undefined) {
        sealed[bridge.name] = this.sealedPasswords[bridge.name]!;
      }
      bridges.push(sealed[bridge.name] !== undefined ? { ...bridge, passwordStored: true } : bridge);
    }
    this.sealedPasswords = sealed;
    // Pre-shared keys are managed by setPsk/deletePsk alone; a user removed here takes their keys along.
    await this.writeSettings(this.withoutOrphanPsks({ ...settings, bridges, pskIdentities: this.settings.pskIdentities }));
    if (this.broker?.isRunning) return this.restart();
    return this.announce();
  }

  /**
   * Adds or replaces a user with the methods they may sign in with (default: a password and every SCRAM
   * mechanism); only the salted hash and SCRAM's salted keys are kept. Applies at once to a running broker.
   */
  async setUser(username: string, password: string, authMethods?: readonly UserAuthMethod[]): Promise<BrokerStatus> {
    // 210,000 PBKDF2 rounds take a while: createUserRecord hashes on the thread pool, not the event loop.
    const user = await createUserRecord(username, password, authMethods ? { authMethods } : {});
    const users = [...this.settings.users.filter((u) => u.username !== username), asSettingsUser(user)];
    return this.applyAccess({ ...this.settings, users });
  }

  /** Removes a user, and with them their DTLS pre-shared keys. */
  async deleteUser(username: string): Promise<BrokerStatus> {
    if (!this.settings.users.some((u) => u.username === username)) throw new TopiaryError('NOT_FOUND', `There is no user "${username}".`);
    return this.applyAccess(this.withoutOrphanPsks({ ...this.settings, users: this.settings.users.filter((u) => u.username !== username) }));
  }

  /**
   * Gives a user a DTLS pre-shared key under an identity, or replaces that identity's key. The key is sealed by the
   * secret store before it is written, and a running broker's DTLS listeners take it at their next handshake.
   */
  async setPsk(username: string, identity: string, keyHex: string): Promise<BrokerStatus> {
    const secrets = this.options.secrets;
    if (!secrets) throw new TopiaryError('BROKER_ERROR', 'DTLS pre-shared keys need the secret store, which is not available.');
    if (!this.settings.users.some((u) => u.username === username)) throw new TopiaryError('NOT_FOUND', `There is no user "${username}". Add the user first, then give them a pre-shared key.`);
    const owner = this.settings.pskIdentities.find((p) => p.identity === identity)?.username;
    if (owner !== undefined && owner !== username) throw new TopiaryError('IN_USE', `The PSK identity "${identity}" already belongs to user "${owner}". Remove it there first, or choose another identity.`);
    const key = Buffer.from(keyHex, 'hex');
    const sealed = (await secrets.encrypt(key)).toString('base64');
    this.sealedPsks = { ...this.sealedPsks, [identity]: sealed };
    const pskIdentities = [...this.settings.pskIdentities.filter((p) => p.identity !== identity), { identity, username }];
    await this.writeSettings({ ...this.settings, pskIdentities });
    this.psks.set(identity, key);
    return this.announce();
  }

  /** Removes a DTLS pre-shared key; the next handshake with its identity is refused (unknown_psk_identity). */
  async deletePsk(identity: string): Promise<BrokerStatus> {
    if (!this.settings.pskIdentities.some((p) => p.identity === identity)) throw new TopiaryError('NOT_FOUND', `There is no PSK identity "${identity}".`);
    const { [identity]: _gone, ...rest } = this.sealedPsks;
    this.sealedPsks = rest;
    this.psks.delete(identity);
    await this.writeSettings({ ...this.settings, pskIdentities: this.settings.pskIdentities.filter((p) => p.identity !== identity) });
    return this.announce();
  }

  /** The key and user of a PSK identity, as a DTLS listener's handshake asks for them. */
  private pskEntry(identity: string): PskEntry | undefined {
    const username = this.settings.pskIdentities.find((p) => p.identity === identity)?.username;
    const key = this.psks.get(identity);
    return username !== undefined && key !== undefined ? { key, username } : undefined;
  }

  /** Settings without the pre-shared keys of users they no longer have (the sealed keys go too). */
  private withoutOrphanPsks(settings: BrokerSettings): BrokerSettings {
    const users = new Set(settings.users.map((u) => u.username));
    const pskIdentities = settings.pskIdentities.filter((p) => users.has(p.username));
    const kept = new Set(pskIdentities.map((p) => p.identity));
    for (const identity of Object.keys(this.sealedPsks)) {
      if (kept.has(identity)) continue;
      const { [identity]: _gone, ...rest } = this.sealedPsks;
      this.sealedPsks = rest;
      this.psks.delete(identity);
    }
    return { ...settings, pskIdentities };
  }

  /** Opens every sealed pre-shared key into memory, for a start with a DTLS listener. */
  private async unsealPsks(): Promise<void> {
    this.psks.clear();
    for (const { identity } of this.settings.pskIdentities) {
      const sealed = this.sealedPsks[identity];
      if (sealed === undefined) continue;
      if (!this.options.secrets) throw new TopiaryError('BROKER_ERROR', 'DTLS pre-shared keys need the secret store, which is not available.');
      try {
        this.psks.set(identity, await this.options.secrets.decrypt(Buffer.from(sealed, 'base64')));
      } catch (error) {
        throw new TopiaryError('BROKER_ERROR', `The pre-shared key of DTLS identity "${identity}" could not be unsealed (${error instanceof Error ? error.message : String(error)}). Remove it and add it again.`);
      }
    }
  }

  /** Adds the users of a mosquitto password file; weak hashes ($6$, few PBKDF2 rounds) are taken with a warning to re-hash. */
  async importUsers(text: string): Promise<{ imported: number; warnings: readonly string[]; status: BrokerStatus }> {
    const { users: imported, warnings } = importPasswordFile(text);
    const names = new Set(imported.map((u) => u.username));
    const users = [...this.settings.users.filter((u) => !names.has(u.username)), ...imported.map(asSettingsUser)];
    return { imported: imported.length, warnings, status: await this.applyAccess({ ...this.settings, users }) };
  }

  exportUsers(): string {
    return formatPasswordFile(this.settings.users);
  }

  async setAcl(text: string): Promise<BrokerStatus> {
    const acl = parseAclFile(text);
    return this.applyAccess({ ...this.settings, acl });
  }

  exportAcl(): string {
    return formatAclFile(this.settings.acl);
  }

  /** Who would lose which access if `change` were applied; nothing is changed. A stopped broker has no one to lose. */
  previewAccess(change: AccessChange): AccessPreview {
    const current = this.accessRules(this.settings);
    const next: AccessRules = {
      acl: change.aclText !== undefined ? parseAclFile(change.aclText ?? '') : current.acl,
      allowAnonymous: change.allowAnonymous ?? current.allowAnonymous,
      usernames: new Set([...current.usernames].filter((u) => u !== change.deleteUser)),
    };
    const ports = new Set(this.status().listeners.map((l) => l.port));
    const own = (this.options.ownConnections?.() ?? []).filter((c) => ports.has(c.port));
    return previewAccessLoss(this.broker?.listClients() ?? [], current, next, (client) => own.find((o) => o.clientId === client.clientId)?.name);
  }

  private accessRules(settings: BrokerSettings): AccessRules {
    return { acl: settings.acl, allowAnonymous: settings.allowAnonymous, usernames: new Set(settings.users.map((u) => u.username)) };
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
      dropped: c.dropped,
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

  /** Saves users/ACL and hands them to a running broker without a restart. */
  private async applyAccess(settings: BrokerSettings): Promise<BrokerStatus> {
    await this.writeSettings(settings);
    if (this.broker?.isRunning) {
      this.broker.setUsers(settings.users as UserRecord[]);
      this.broker.setAclRules(settings.acl);
      this.broker.setAllowAnonymous(settings.allowAnonymous);
      this.options.accessApplied?.(new Set(this.status().listeners.map((l) => l.port)));
    }
    return this.announce();
  }

  private async writeSettings(settings: BrokerSettings): Promise<void> {
    this.settings = settings;
    const file: SettingsFile = { settings, sealedPasswords: this.sealedPasswords, sealedPsks: this.sealedPsks };
    await writeFileAtomic(path.join(this.options.directory, SETTINGS_FILE), JSON.stringify(file, null, 2) + '\n');
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
      case 'udp':
        return { kind: 'udp', port: l.port, host: l.host, udp: { idleTimeoutMs: l.idleTimeoutSeconds * 1000 } };
      case 'dtls': {
        // Without a server identity the listener takes the users' pre-shared keys only.
        if (l.serverIdentityId && !this.options.resolveTls) throw new TopiaryError('BROKER_ERROR', 'DTLS listeners with a certificate need the certificate store, which is not available.');
        const pem = l.serverIdentityId && this.options.resolveTls ? await this.options.resolveTls(l.serverIdentityId, undefined) : undefined;
        return {
          kind: 'dtls',
          port: l.port,
          host: l.host,
          ...(pem ? { key: pem.key, cert: pem.cert } : {}),
          psk: (identity) => this.pskEntry(identity),
          udp: { idleTimeoutMs: l.idleTimeoutSeconds * 1000 },
        };
      }
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
    try {
      return await this.startWith(true);
    } catch (error) {
      // A remembered port may have been taken meanwhile: try once more with fresh ones.
      if (this.chosenPorts.size === 0 || !isAddressInUse(error)) throw error;
      this.chosenPorts.clear();
      return this.startWith(false);
    }
  }

  /** The store for this run; when the setting changed since the last run, the state moves along (retained messages and sessions). */
  private async persistenceFor(kind: BrokerSettings['persistence']): Promise<PersistenceStore> {
    const disk = (): JournalStore => new JournalStore(path.join(this.options.directory, 'broker-state'));
    const store: PersistenceStore = kind === 'disk' ? disk() : this.memory;
    const previous = this.lastPersistence;
    this.lastPersistence = kind;
    if (previous === undefined || previous === kind) return store;
    const from = previous === 'disk' ? disk() : this.memory;
    const state = await from.load();
    if (state) await store.save(state);
    if (from instanceof JournalStore) from.close();
    return store;
  }

  private async startWith(reusePorts: boolean): Promise<BrokerStatus> {
    const s = this.settings;
    const key = (l: { kind: string; host: string }, i: number): string => `${i}:${l.kind}:${l.host}`;
    try {
      if (s.listeners.some((l) => l.kind === 'dtls')) await this.unsealPsks();
      const listeners = await Promise.all(
        s.listeners.map(async (l, i) => {
          const config = await this.listenerConfig(l);
          const remembered = reusePorts && l.port === 0 ? this.chosenPorts.get(key(l, i)) : undefined;
          return remembered !== undefined ? { ...config, port: remembered } : config;
        }),
      );
      const persistence = await this.persistenceFor(s.persistence);
      const broker = createBroker({
        listeners,
        allowAnonymous: s.allowAnonymous,
        users: s.users,
        ...(s.acl.length > 0 ? { acl: s.acl } : {}),
        sysInterval: s.sysIntervalSeconds,
        limits: s.limits,
        persistence,
        ...(this.moved ? { moved: this.moved } : {}),
      });
      this.offEvents = broker.onEvent((e) => this.record(describeEvent(e)));
      const bound = await broker.start();
      this.chosenPorts.clear();
      s.listeners.forEach((l, i) => {
        const b = bound[i];
        if (l.port === 0 && b) this.chosenPorts.set(key(l, i), b.port);
      });
      this.broker = broker;
      this.startedAt = Date.now();
      this.lastError = null;
      this.samples.length = 0;
      this.sampler = setInterval(() => this.sample(), this.options.sampleIntervalMs ?? 1_000);
      this.sampler.unref?.();
      await this.startBridges();
    } catch (error) {
      this.offEvents?.();
      const message = error instanceof Error ? error.message : String(error);
      const inUse = isAddressInUse(error);
      this.lastError = {
        code: 'BROKER_ERROR',
        message: inUse ? `A broker port is already in use (${message}). Choose another port, or 0 for a free one.` : `The embedded broker could not start: ${message}`,
      };
      this.announce();
      throw new TopiaryError('BROKER_ERROR', this.lastError.message, inUse ? { reason: 'address-in-use' } : undefined);
    }
    return this.announce();
  }

  private async startBridges(): Promise<void> {
    const localUrl = this.connectUrl();
    if (!localUrl) return;
    for (const b of this.settings.bridges) {
      if (!b.enabled) continue;
      const parsed = parseBridgeTopicLines(b.topics);
      if (!parsed.ok) continue;
      const sealed = this.sealedPasswords[b.name];
      const password = sealed !== undefined && this.options.secrets ? (await this.options.secrets.decrypt(Buffer.from(sealed, 'base64'))).toString('utf8') : undefined;
      const bridge = new Bridge(
        {
          name: b.name,
          remoteUrl: b.remoteUrl,
          topics: parsed.topics,
          protocolVersion: b.protocolVersion,
          rejectUnauthorized: b.rejectUnauthorized,
          ...(b.clientId ? { clientId: b.clientId } : {}),
          ...(b.username ? { username: b.username } : {}),
          ...(password !== undefined ? { password } : {}),
        },
        localUrl,
        () => this.announce(),
      );
      this.bridges.push(bridge);
      bridge.start();
    }
  }

  private async doStop(): Promise<void> {
    const bridges = this.bridges;
    this.bridges = [];
    await Promise.all(bridges.map((b) => b.stop()));
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
      queueOverflow: s.queueOverflow,
    };
    this.samples.push(sample);
    if (this.samples.length > SAMPLE_LIMIT) this.samples.shift();
    this.options.onStats(sample);
    this.flushLog();
    // Bridges' forwarded counts move without state changes; refresh them with the samples.
    if (this.bridges.length > 0) this.announce();
  }
}
