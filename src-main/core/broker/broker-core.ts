import { TOPIARY_VERSION } from '../version';
import { causeOf, contractError } from '../../../shared/ipc/errors';
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Acl, parseAclFile } from './acl';
import { willPermitted } from './access-guard';
import { admitSocket, connectDeadlinePassed } from './connect-guard';
import { Authenticator, type AuthResult, type Credentials, type EnhancedAuthExchange } from './authenticator';
import type { Broker, BrokerOptions, LocalPublish } from './broker';
import { PROTOCOL_MAX_PACKET, SESSION_NEVER_EXPIRES } from './connect-handshake';
import { Connection } from './connection';
import type { ClientIdentity, ConnectionHost, ConnectionSettings, Flushable, RouteResult, TrafficCounters } from './connection-host';
import type { FlowControl } from './flow-control';
import { createMessage, type Message } from './message';
import { MemoryStore, storeMessage, type BrokerJournal, type BrokerSnapshot, type PersistenceStore } from './persistence';
import { ReasonCode } from '../../../shared/mqtt/reason-codes';
import { DEFAULT_RESPONSE_TOPIC_PREFIX } from './response-information';
import { RetainedStore } from './retained-store';
import { Session, type SessionLink, type SessionRecorder } from './session';
import { restoreSnapshot, takeSnapshot } from './state-snapshot';
import { SubscriptionIndex, subscriptionInfo, type SharedGroup, type Subscription } from './subscription-index';
import { startListener, type DatagramListenerStats, type RunningListener } from './listeners';
import { importPasswordFile } from './password-file';
import { LongTimer } from './long-timer';
import { LoadAverages, SysCounters, sysTopicValues } from './sys-topics';
import { isValidTopicName } from './topic';
import type { Transport } from './transport';
import {
  type BoundListener,
  type BrokerEvent,
  type BrokerLimits,
  type BrokerStats,
  type ClientInfo,
  type QoS,
  type RetainedInfo,
  type UserRecord,
  type AclRule,
  type MovedSetting,
} from './types';

const SWEEP_MS = 250;
const DEFAULT_QUEUE_MESSAGES = 100_000;
const DEFAULT_QUEUE_BYTES = 256 * 1024 * 1024;
/** Queued QoS 1/2 messages for an online client above which the publishers feeding it are paused. */
const QUEUE_HIGH_WATER = 1000;
const SAVE_MS = 1000;
export const BROKER_VERSION = `topiary-broker ${TOPIARY_VERSION}`;

type MutableStats = { -readonly [K in keyof BrokerStats]: BrokerStats[K] };

/** The broker: sessions, routing, listeners and the operations the UI calls. */
export class BrokerCore implements Broker, ConnectionHost {
  readonly settings: ConnectionSettings;
  private readonly limits: BrokerLimits;
  private readonly auth: Authenticator;
  private readonly acl: Acl;
  private readonly index = new SubscriptionIndex();
  private readonly retained = new RetainedStore();
  private readonly sessions = new Map<string, Session>();
  private readonly connections = new Set<Connection>();
  private readonly stats: MutableStats;
  /** The counters connections add to: the same object as the stats. */
  readonly traffic: TrafficCounters;
  /** Coarse clock (ms) refreshed by the sweep timer; cheap enough to read per packet. */
  clock = Date.now();
  private readonly events = new EventEmitter();
  private listeners: RunningListener[] = [];
  private sweepTimer: NodeJS.Timeout | undefined;
  private sysTimer: NodeJS.Timeout | undefined;
  private saveTimer: NodeJS.Timeout | undefined;
  private readonly flushList: Flushable[] = [];
  private flushScheduled = false;
  /**
   * Depth of client input being handled. Writes made meanwhile go out when the handler returns rather
   * than on a setImmediate: they still leave as one batch per read chunk, but without waiting for the
   * rest of the poll phase, which put every other ready socket's work ahead of them.
   */
  private handling = 0;
  private routeMark = 0;
  private readonly routeTargets: Session[] = [];
  private connectedCount = 0;
  /** Sockets accepted over the connection limit, waiting to be refused at CONNECT. */
  private refusing = 0;
  private rateWindowStart = 0;
  private rateCount = 0;
  private dirty = false;
  private running = false;
  private restored = false;
  private readonly store: PersistenceStore;
  /** Set when the store journals each change; then state is never saved whole except at stop. */
  private readonly journal: BrokerJournal | undefined;
  /** Writes a persistent session's message changes to the journal. */
  private readonly recorder: SessionRecorder = {
    queued: (s, o) => this.journal!.record({ t: 'out', c: s.clientId, n: o.seq, m: storeMessage(o.message), q: o.qos, r: o.retain, ...(o.subIds ? { ids: o.subIds } : {}) }),
    sent: (s, o) => this.journal!.record({ t: 'tx', c: s.clientId, n: o.seq, p: o.packetId }),
    released: (s, o) => this.journal!.record({ t: 'rel', c: s.clientId, n: o.seq }),
    done: (s, o) => this.journal!.record({ t: 'done', c: s.clientId, n: o.seq }),
    inboundQos2: (s, p, held) => this.journal!.record(held ? { t: 'in2', c: s.clientId, p } : { t: 'rel2', c: s.clientId, p }),
  };
  private readonly load = new LoadAverages();
  private readonly sys = new SysCounters();
  private readonly warnings: string[] = [];
  private movedSetting: MovedSetting | undefined;

  constructor(readonly options: BrokerOptions) {
    this.limits = options.limits ?? {};
    this.movedSetting = options.moved;
    const users = [...(options.users ?? [])];
    if (options.passwordFile) {
      const imported = importPasswordFile(readConfigFile(options.passwordFile, 'password file'));
      users.push(...imported.users);
      this.warnings.push(...imported.warnings);
    }
    this.auth = new Authenticator(options.allowAnonymous ?? true, users, options.enhancedAuthMethods);
    const rules = [...(options.acl ?? [])];
    if (options.aclFile) rules.push(...parseAclFile(readConfigFile(options.aclFile, 'ACL file')));
    this.acl = new Acl(rules);
    const queueMessages = this.limits.maxQueued ?? DEFAULT_QUEUE_MESSAGES;
    // Publishers are paused well before the limit, so a client that reads never loses a message to it.
    const queueHighWater = Math.max(1, Math.min(QUEUE_HIGH_WATER, Math.floor(queueMessages / 2)));
    this.settings = {
      maxPacketSize: this.limits.maxPacketSize ?? PROTOCOL_MAX_PACKET,
      maxInflight: Math.max(1, Math.min(65535, this.limits.maxInflight ?? 100)),
      queueLimit: { messages: queueMessages, bytes: this.limits.maxQueuedBytes ?? DEFAULT_QUEUE_BYTES },
      queueHighWater,
      queueResume: Math.floor(queueHighWater / 4),
      topicAliasMaximum: this.limits.topicAliasMaximum ?? 10,
      sendTopicAliases: options.sendTopicAliases ?? true,
      responseTopicPrefix: options.responseTopicPrefix ?? DEFAULT_RESPONSE_TOPIC_PREFIX,
      maximumQos: this.limits.maximumQos ?? 2,
      retainAvailable: this.limits.retainAvailable ?? true,
      protocolVersions: options.protocolVersions ?? [3, 4, 5],
      maxKeepalive: this.limits.maxKeepalive,
      maxMessageRate: this.limits.maxMessageRate,
      persistentClientExpiration: options.persistentClientExpiration ?? SESSION_NEVER_EXPIRES,
      sessionOwnerMismatch: options.sessionOwnerMismatch ?? 'start-clean',
    };
    this.store = options.persistence ?? new MemoryStore();
    this.journal = this.store.journal;
    this.stats = {
      startedAt: Date.now(),
      clientsConnected: 0,
      clientsTotal: 0,
      messagesReceived: 0,
      messagesSent: 0,
      bytesReceived: 0,
      bytesSent: 0,
      publishReceived: 0,
      publishSent: 0,
      publishDropped: 0,
      publishBytesReceived: 0,
      publishBytesSent: 0,
      queueOverflow: 0,
      subscriptions: 0,
      retained: 0,
    };
    this.traffic = this.stats;
  }

  // ---- lifecycle ----------------------------------------------------------

  /** Restores persisted state and opens every configured listener. */
  async start(): Promise<BoundListener[]> {
    if (this.running) return this.listeners.map((l) => l.bound);
    if (!this.restored) {
      // Only the first start reads the store; a restarted instance still holds its state in memory.
      const snapshot = await this.store.load();
      if (snapshot) this.restore(snapshot);
      this.restored = true;
    }
    this.running = true;
    for (const s of this.sessions.values()) if (!s.link && !s.expiryTimer) this.scheduleExpiry(s);
    this.stats.startedAt = Date.now();
    this.clock = Date.now();
    this.sweepTimer = setInterval(() => this.sweep(), SWEEP_MS);
    this.sweepTimer.unref();
    const sysInterval = this.options.sysInterval ?? 10;
    if (sysInterval > 0) {
      this.sysTimer = setInterval(() => this.publishSys(), sysInterval * 1000);
      this.sysTimer.unref();
    }
    this.saveTimer = setInterval(() => {
      if (this.journal) {
        // Changes made outside any client's input (the UI's publish, timers) are committed here.
        this.journal.commit();
        this.journal.compactIfDue(() => this.snapshot());
      } else if (this.dirty && this.store.savesOnlyAtStop !== true) void this.save();
    }, SAVE_MS);
    this.saveTimer.unref();
    const configs = this.options.listeners ?? [{ kind: 'tcp', port: 1883 }];
    try {
      const refused = (remoteAddress: string, message: string): void => this.emit({ type: 'protocol.error', at: Date.now(), remoteAddress, message });
      for (const c of configs) this.listeners.push(await startListener(c, (t) => this.accept(t), refused));
    } catch (e) {
      await this.stop();
      throw e;
    }
    if (sysInterval > 0) this.publishSys();
    return this.listeners.map((l) => l.bound);
  }

  listen(): Promise<BoundListener[]> {
    return this.start();
  }

  /** Closes listeners, tells v5 clients the server is shutting down, saves state. */
  async stop(): Promise<void> {
    if (!this.running && this.listeners.length === 0) return;
    this.running = false;
    clearInterval(this.sweepTimer);
    clearInterval(this.sysTimer);
    clearInterval(this.saveTimer);
    const closing = this.listeners.map((l) => l.close());
    this.listeners = [];
    const closed: Promise<void>[] = [];
    const all = [...this.connections];
    for (const conn of all) {
      closed.push(new Promise((resolve) => conn.transport.onClose(() => resolve())));
      conn.graceful = true; // no wills on shutdown: nobody is left to receive them
      conn.disconnect(ReasonCode.ServerShuttingDown, 'server shutting down');
    }
    for (const s of this.sessions.values()) {
      s.expiryTimer?.cancel();
      s.expiryTimer = undefined;
      s.will?.timer?.cancel();
      s.will = undefined;
    }
    await Promise.race([Promise.all(closed), new Promise((r) => setTimeout(r, 1000).unref())]);
    // Peers that ignore the close (a WebSocket without its close handshake) are cut off.
    for (const conn of all) conn.transport.destroy();
    await Promise.all(closing);
    await this.save();
    this.journal?.close();
  }

  get isRunning(): boolean {
    return this.running;
  }

  boundListeners(): BoundListener[] {
    return this.listeners.map((l) => l.bound);
  }

  datagramStats(): (DatagramListenerStats & { readonly url: string })[] {
    return this.listeners.flatMap((l) => (l.datagramStats ? [{ url: l.bound.url, ...l.datagramStats() }] : []));
  }

  private accept(t: Transport): void {
    if (!this.running) {
      t.destroy();
      return;
    }
    this.sys.sockets++;
    const admission = admitSocket(this.connections.size, this.refusing, this.limits.maxConnections);
    if (admission === 'drop') {
      t.destroy();
      return;
    }
    const conn = new Connection(this, t);
    if (admission === 'refuse-at-connect') {
      conn.overLimit = true;
      this.refusing++;
    }
    this.connections.add(conn);
  }

  /** Hands a transport to the broker (listeners call this; tests and in-process wires may too). */
  handleTransport(t: Transport): void {
    this.accept(t);
  }

  // ---- connections and sessions --------------------------------------------

  assignClientId(): string {
    for (;;) {
      const id = `auto-${randomBytes(8).toString('hex')}`;
      if (!this.sessions.has(id)) return id;
    }
  }

  /** The current "moved" setting. */
  get moved(): MovedSetting | undefined {
    return this.movedSetting;
  }

  movedTo(): { readonly reasonCode: number; readonly serverReference: string } | undefined {
    const m = this.movedSetting;
    return m && { reasonCode: m.permanent ? ReasonCode.ServerMoved : ReasonCode.UseAnotherServer, serverReference: m.serverReference };
  }

  /** Refers clients elsewhere (or stops): connected clients are sent there now, new ones at CONNECT. */
  setMoved(moved: MovedSetting | undefined): void {
    this.movedSetting = moved;
    const to = this.movedTo();
    if (!to) return;
    for (const conn of [...this.connections]) {
      if (conn.state !== 'connected') continue;
      conn.disconnect(to.reasonCode, `referred to ${to.serverReference}`, { serverReference: to.serverReference });
    }
  }

  /** Decides whether one more client may connect now (connection count and rate limits). */
  admitConnection(conn: { readonly overLimit: boolean }): number {
    const max = this.limits.maxConnections;
    if (conn.overLimit || (max !== undefined && this.connectedCount >= max)) return ReasonCode.QuotaExceeded;
    const rate = this.limits.maxConnectionRate;
    if (rate !== undefined) {
      const now = Date.now();
      if (now - this.rateWindowStart >= 1000) {
        this.rateWindowStart = now;
        this.rateCount = 0;
      }
      if (++this.rateCount > rate) return ReasonCode.ConnectionRateExceeded;
    }
    return ReasonCode.Success;
  }

  /** Attaches a connection to its session: takes over a live one, resumes or starts fresh. */
  openSession(_link: SessionLink, clientId: string, cleanStart: boolean, expiryInterval: number): { session: Session; present: boolean } {
    let session = this.sessions.get(clientId);
    if (session?.link) {
      session.link.disconnect(ReasonCode.SessionTakenOver, 'session taken over by a new connection');
      session = this.sessions.get(clientId);
    }
    if (session) {
      session.expiryTimer?.cancel();
      session.expiryTimer = undefined;
      if (session.will) {
        // A new connection for the client id cancels a will still waiting out its delay, clean start or not (MQTT-3.1.2-8).
        session.will.timer?.cancel();
        session.will = undefined;
      }
      if (cleanStart) {
        this.endSession(session);
        session = undefined;
      }
    }
    const present = session !== undefined;
    if (!session) {
      session = new Session(clientId);
      this.sessions.set(clientId, session);
    }
    session.expiryInterval = expiryInterval;
    this.dirty = true;
    return { session, present };
  }

  connectionReady(conn: Connection): void {
    this.connectedCount++;
    this.sys.connections++;
    if (this.connectedCount > this.sys.clientsMaximum) this.sys.clientsMaximum = this.connectedCount;
    if (conn.session) this.journalSession(conn.session);
    this.emit({
      type: 'client.connected',
      at: Date.now(),
      clientId: conn.clientId,
      remoteAddress: conn.remoteAddress,
      protocolVersion: conn.version,
      username: conn.username,
    });
  }

  /** Bookkeeping when a connection ends: will, session expiry, event. */
  connectionClosed(conn: Connection, wasConnected: boolean): void {
    if (this.connections.delete(conn) && conn.overLimit) this.refusing--;
    if (!wasConnected) return;
    this.connectedCount--;
    const session = conn.session;
    this.emit({ type: 'client.disconnected', at: Date.now(), clientId: conn.clientId, reason: conn.closeReason, reasonCode: conn.closeReasonCode });
    if (!session || session.link !== conn) return;
    session.link = undefined;
    if (conn.will && !conn.graceful && this.running) {
      const delay = Math.min(conn.will.delay, session.expiryInterval);
      if (delay === 0) this.publishWill(conn.will);
      else {
        const will = { ...conn.will, delay, timer: undefined as LongTimer | undefined };
        will.timer = new LongTimer(() => {
          session.will = undefined;
          this.publishWill(will);
        }, delay * 1000);
        session.will = will;
      }
    }
    // DISCONNECT may have changed the session's expiry.
    this.journalSession(session);
    this.scheduleExpiry(session);
    this.dirty = true;
  }

  /** Records a session's identity and expiry, and journals its messages while it is persistent. */
  private journalSession(session: Session): void {
    if (!this.journal) return;
    if (session.expiryInterval > 0 || session.recorder) {
      this.journal.record({ t: 'ses', c: session.clientId, ...(session.username !== undefined ? { u: session.username } : {}), x: session.expiryInterval });
    }
    session.recorder = session.expiryInterval > 0 ? this.recorder : undefined;
  }

  private scheduleExpiry(session: Session): void {
    if (!this.running) return;
    if (session.expiryInterval === 0) this.endSession(session);
    else if (session.expiryInterval !== SESSION_NEVER_EXPIRES) {
      session.expiryTimer = new LongTimer(() => this.expireSession(session), session.expiryInterval * 1000);
    }
  }

  /** The session ends: a pending will goes out now, subscriptions and queues are dropped. */
  private expireSession(session: Session): void {
    this.sys.expired++;
    this.endSession(session);
  }

  private endSession(session: Session): void {
    session.expiryTimer?.cancel();
    if (session.will) {
      session.will.timer?.cancel();
      const w = session.will;
      session.will = undefined;
      this.publishWill(w);
    }
    for (const sub of session.subscriptions.values()) this.index.remove(sub);
    session.subscriptions.clear();
    session.clearMessages();
    if (session.recorder || (this.journal && session.expiryInterval > 0)) this.journal?.record({ t: 'end', c: session.clientId });
    session.recorder = undefined;
    if (this.sessions.get(session.clientId) === session) this.sessions.delete(session.clientId);
    this.dirty = true;
  }

  private publishWill(will: { readonly message: Message; readonly expiryInterval: number | undefined; readonly username?: string }): void {
    const origin = will.message.origin ?? '';
    // Rules may have changed since CONNECT, and 3.x clients were let in with a will they may not publish.
    if (!willPermitted(this.acl, { username: will.username, clientId: origin }, will.message)) {
      this.countDrop(origin, will.message.topic, 'will not authorised');
      return;
    }
    // Will Message Expiry counts from when the will is published, not from CONNECT.
    const m = will.expiryInterval === undefined ? will.message : { ...will.message, expiresAt: Date.now() + will.expiryInterval * 1000 };
    this.route(m);
  }

  // ---- routing -------------------------------------------------------------

  /** Delivers a message to every matching session; returns how many received it. */
  route(msg: Message): number {
    this.routeDropped = 0;
    if (msg.retain && this.settings.retainAvailable) {
      this.retained.set(msg, Date.now());
      // $SYS values are regenerated on start, so they never need saving.
      if (msg.topic.charCodeAt(0) !== 36 || !msg.topic.startsWith('$SYS/')) {
        this.dirty = true;
        this.journal?.record({ t: 'ret', m: storeMessage(msg), at: this.clock });
      }
    }
    const entries = this.index.match(msg.topic);
    if (entries.length === 0) return 0;
    const dollar = msg.topic.charCodeAt(0) === 36;
    const mark = ++this.routeMark;
    const targets = this.routeTargets;
    const aclOn = this.acl.enabled;
    const limit = this.settings.queueLimit;
    const highWater = this.settings.queueHighWater;
    let delivered = 0;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      if (dollar && e.wildcardFirst) continue;
      if (e.kind === 'shared') {
        if (this.deliverShared(e, msg)) delivered++;
        continue;
      }
      if (e.noLocal && e.clientId === msg.origin) continue;
      const session = this.sessions.get(e.clientId);
      if (!session) continue;
      if (aclOn && !this.acl.canReceive({ username: session.username, clientId: session.clientId }, msg.topic)) continue;
      if (session.routeMark !== mark) {
        session.routeMark = mark;
        session.routeQos = e.qos;
        session.routeRetain = e.retainAsPublished;
        session.routeSubIds = e.subscriptionId === undefined ? undefined : [e.subscriptionId];
        targets.push(session);
      } else {
        if (e.qos > session.routeQos) session.routeQos = e.qos;
        if (e.retainAsPublished) session.routeRetain = true;
        if (e.subscriptionId !== undefined) (session.routeSubIds ??= []).push(e.subscriptionId);
      }
    }
    for (let i = 0; i < targets.length; i++) {
      const s = targets[i]!;
      const qos = (msg.qos < s.routeQos ? msg.qos : s.routeQos) as QoS;
      if (s.deliver(msg, qos, s.routeRetain && msg.retain, s.routeSubIds, limit)) delivered++;
      // QoS 0 refusals are counted where they happen, with their own reason.
      else if (qos > 0) this.countOverflow(s.clientId, msg.topic);
      if (qos > 0) {
        if (!s.link) this.dirty = true;
        // An online client falling behind: slow its publishers long before its queue could overflow.
        else if (s.queued > highWater) this.throttleSource(s.link.flow);
      }
    }
    targets.length = 0;
    return delivered;
  }

  private deliverShared(group: SharedGroup, msg: Message): boolean {
    const n = group.members.length;
    // Prefer members that are online; fall back to queueing for an offline one.
    for (let pass = 0; pass < 2; pass++) {
      for (let i = 0; i < n; i++) {
        const sub = group.members[(group.next + i) % n]!;
        const session = this.sessions.get(sub.clientId);
        if (!session || (pass === 0 && !session.link)) continue;
        if (this.acl.enabled && !this.acl.canReceive({ username: session.username, clientId: session.clientId }, msg.topic)) continue;
        group.next = (group.next + i + 1) % n;
        const qos = (msg.qos < sub.qos ? msg.qos : sub.qos) as QoS;
        const ok = session.deliver(msg, qos, sub.retainAsPublished && msg.retain, sub.subscriptionId === undefined ? undefined : [sub.subscriptionId], this.settings.queueLimit);
        if (!ok && qos > 0) this.countOverflow(session.clientId, msg.topic);
        if (qos > 0 && session.link && session.queued > this.settings.queueHighWater) this.throttleSource(session.link.flow);
        return ok;
      }
    }
    return false;
  }

  /** The connection whose PUBLISH is being routed right now (for backpressure). */
  private currentSource: FlowControl | undefined;

  /** Sessions that had no room for the message routed last. */
  private routeDropped = 0;

  /** Routes a client's PUBLISH, remembering its publisher so a congested subscriber can slow it. */
  routeFrom(source: FlowControl, msg: Message): RouteResult {
    this.currentSource = source;
    try {
      const delivered = this.route(msg);
      return { delivered, dropped: this.routeDropped };
    } finally {
      this.currentSource = undefined;
    }
  }

  /** A QoS 1/2 message found its session's queue full (offline, or a client that stopped reading). */
  private countOverflow(clientId: string, topic: string): void {
    this.routeDropped++;
    this.stats.queueOverflow++;
    this.countDrop(clientId, topic, 'queue full');
  }

  /** A consumer is congested: pause the publisher currently feeding it. */
  throttleSource(consumer: FlowControl): void {
    const src = this.currentSource;
    if (!src || src === consumer || src.paused) return;
    consumer.holdUntilDrained(src);
  }

  authenticate(credentials: Credentials): AuthResult | Promise<AuthResult> {
    return this.auth.authenticate(credentials);
  }

  startEnhancedAuth(method: string): EnhancedAuthExchange | undefined {
    return this.auth.startEnhanced(method);
  }

  sessionOwner(clientId: string): { readonly username: string | undefined } | undefined {
    return this.sessions.get(clientId);
  }

  mayPublish(who: ClientIdentity, topic: string): boolean {
    return !this.acl.enabled || this.acl.canPublish(who, topic);
  }

  maySubscribe(who: ClientIdentity, filter: string): boolean {
    return !this.acl.enabled || this.acl.canSubscribe(who, filter);
  }

  mayReceive(who: ClientIdentity, topic: string): boolean {
    return !this.acl.enabled || this.acl.canReceive(who, topic);
  }

  addSubscription(sub: Subscription): void {
    this.index.add(sub);
    if (this.journal && this.sessions.get(sub.clientId)?.recorder) this.journal.record({ t: 'sub', c: sub.clientId, s: subscriptionInfo(sub) });
  }

  removeSubscription(sub: Subscription): void {
    this.index.remove(sub);
    if (this.journal && this.sessions.get(sub.clientId)?.recorder) this.journal.record({ t: 'unsub', c: sub.clientId, f: sub.filter });
  }

  /** Writes what the journal holds before client output goes out, so nothing is acknowledged before it is stored. */
  commitJournal(): void {
    this.journal?.commit();
  }

  retainedMatching(filter: string, now: number): readonly Message[] {
    return this.retained.match(filter, now);
  }

  countDrop(clientId: string, topic: string, reason: string): void {
    this.stats.publishDropped++;
    if (this.events.listenerCount('event') > 0) this.emit({ type: 'message.dropped', at: Date.now(), clientId, topic, reason });
  }

  /** Called when a connection starts handling a chunk of input. */
  beginHandling(): void {
    this.handling++;
  }

  /** Called when it is done: the outermost call writes everything queued meanwhile. */
  endHandling(): void {
    if (--this.handling === 0 && this.flushList.length > 0) this.flushAll();
  }

  /** Writes outside any client's input (timers, the UI's publish) are batched per event-loop turn. */
  queueFlush(conn: Flushable): void {
    this.flushList.push(conn);
    if (this.handling === 0 && !this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flushAll);
    }
  }

  private readonly flushAll = (): void => {
    this.flushScheduled = false;
    const list = this.flushList;
    for (let i = 0; i < list.length; i++) list[i]!.flush();
    list.length = 0;
  };

  private sweep(): void {
    const now = Date.now();
    this.clock = now;
    for (const conn of this.connections) {
      if (conn.state === 'connected') {
        // A publisher we paused cannot show activity; its silence is ours.
        if (conn.flow.paused) conn.lastActivity = now;
        else if (conn.keepalive > 0 && now - conn.lastActivity > conn.keepalive * 1500) {
          conn.disconnect(ReasonCode.KeepAliveTimeout, 'keep alive timeout');
        }
      } else if ((conn.state === 'awaiting-connect' || conn.state === 'auth-exchange') && connectDeadlinePassed(conn.acceptedAt, now, this.limits.connectTimeout)) {
        // Not while its password is checked: that time is ours, and the verifier's queue is bounded.
        // Counted from accept: a peer trickling bytes does not buy more time.
        conn.disconnect(ReasonCode.MaximumConnectTime, `no CONNECT within ${this.limits.connectTimeout ?? 10} seconds`);
      }
    }
  }

  markDirty(): void {
    this.dirty = true;
  }

  emit(event: BrokerEvent): void {
    // A failing listener (the UI's, say) must not break the client connection that caused the event.
    for (const listener of this.events.listeners('event') as ((e: BrokerEvent) => void)[]) {
      try {
        listener(event);
      } catch {
        // ignored on purpose: the event log is best effort
      }
    }
  }

  // ---- operations API --------------------------------------------------------

  onEvent(listener: (e: BrokerEvent) => void): () => void {
    this.events.on('event', listener);
    return () => this.events.off('event', listener);
  }

  /** Publishes a message as the broker itself. */
  publish(p: LocalPublish): number {
    if (!isValidTopicName(p.topic)) throw contractError('TOPIC_INVALID', `"${p.topic}" is not a valid topic name: it must be non-empty and contain no + or #.`);
    const payload = typeof p.payload === 'string' ? Buffer.from(p.payload) : p.payload;
    return this.route(createMessage(p.topic, payload, p.qos ?? 0, !!p.retain, p.properties, p.messageExpiryInterval, undefined, Date.now()));
  }

  listClients(): ClientInfo[] {
    const out: ClientInfo[] = [];
    for (const conn of this.connections) {
      if (conn.state !== 'connected' || !conn.session) continue;
      const s = conn.session;
      out.push({
        clientId: conn.clientId,
        username: conn.username,
        remoteAddress: conn.remoteAddress,
        listener: conn.transport.kind,
        protocolVersion: conn.version,
        keepalive: conn.keepalive,
        connectedSince: conn.connectedSince,
        subscriptions: [...s.subscriptions.values()].map(subscriptionInfo),
        publishedTopics: conn.publishedTopics(),
        inflight: s.inflight.size,
        queued: s.queued,
        dropped: s.dropped,
      });
    }
    return out;
  }

  /** Disconnects a client (v5: DISCONNECT 0x98 administrative action); false when it is not connected. */
  disconnectClient(clientId: string): boolean {
    const s = this.sessions.get(clientId);
    const conn = s?.link;
    if (!conn) return false;
    conn.disconnect(ReasonCode.AdministrativeAction, 'disconnected by the administrator');
    return true;
  }

  /** Ends the sessions signed in with a removed pre-shared key: the key was their credential, so they lose access now. */
  disconnectPskSessions(identities: ReadonlySet<string>): number {
    let ended = 0;
    for (const conn of [...this.connections]) {
      const identity = conn.transport.pskIdentity;
      if (identity === undefined || !identities.has(identity) || conn.state === 'closed') continue;
      conn.disconnect(ReasonCode.NotAuthorized, `its DTLS pre-shared key "${identity}" was removed`);
      ended++;
    }
    return ended;
  }

  listRetained(): RetainedInfo[] {
    return this.retained.list().map((e) => ({ topic: e.message.topic, payload: e.message.payload, qos: e.message.qos, storedAt: e.storedAt }));
  }

  /** Deletes retained messages of a topic or (subtree) everything under it; returns the count. */
  deleteRetained(topic: string, subtree = false): number {
    const n = this.retained.delete(topic, subtree);
    if (n > 0) {
      this.dirty = true;
      this.journal?.record({ t: 'delret', topic, subtree });
      this.journal?.commit();
    }
    return n;
  }

  getStats(): BrokerStats {
    return { ...this.stats, clientsConnected: this.connectedCount, clientsTotal: this.sessions.size, subscriptions: this.index.size, retained: this.retained.size };
  }

  private publishSys(): void {
    const now = Date.now();
    let storedMessages = this.retained.size;
    let storedBytes = 0;
    for (const e of this.retained.list()) storedBytes += e.message.payload.length;
    let sharedSubscriptions = 0;
    for (const s of this.sessions.values()) {
      storedMessages += s.queued + s.inflight.size;
      storedBytes += s.queuedBytes;
      for (const o of s.inflight.values()) storedBytes += o.message.payload.length;
      for (const sub of s.subscriptions.values()) if (sub.share !== undefined) sharedSubscriptions++;
    }
    const snapshot = { stats: this.getStats(), counters: this.sys, heapUsed: process.memoryUsage().heapUsed, storedMessages, storedBytes, sharedSubscriptions };
    const values = sysTopicValues(snapshot, this.options.version ?? BROKER_VERSION, now, this.load);
    for (const [topic, value] of values) {
      this.route(createMessage(topic, Buffer.from(value), 0, true, undefined, undefined, undefined, 0));
    }
  }

  configWarnings(): readonly string[] {
    return this.warnings;
  }

  listUsers(): UserRecord[] {
    return this.auth.listUsers();
  }

  setUsers(users: readonly UserRecord[]): void {
    this.auth.setUsers(users);
  }

  setAllowAnonymous(allow: boolean): void {
    this.auth.allowAnonymous = allow;
  }

  listAclRules(): readonly AclRule[] {
    return this.acl.listRules();
  }

  setAclRules(rules: readonly AclRule[]): void {
    this.acl.setRules(rules);
  }

  // ---- persistence -----------------------------------------------------------

  private save(): Promise<void> {
    this.dirty = false;
    return this.store.save(this.snapshot()).catch((e: unknown) => {
      this.emit({ type: 'protocol.error', at: Date.now(), remoteAddress: '', message: `could not save broker state: ${String(e)}` });
    });
  }

  snapshot(): BrokerSnapshot {
    return takeSnapshot(this.retained, this.sessions.values(), Date.now());
  }

  private restore(snap: BrokerSnapshot): void {
    for (const { session, expiresInMs } of restoreSnapshot(snap, { retained: this.retained, index: this.index, sessions: this.sessions }, Date.now(), SESSION_NEVER_EXPIRES)) {
      if (this.journal) session.recorder = this.recorder;
      if (expiresInMs === undefined) continue;
      session.expiryTimer = new LongTimer(() => this.expireSession(session), expiresInMs);
    }
  }
}

function readConfigFile(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw contractError('CONFIG_FILE_UNREADABLE', `The ${what} ${path} could not be read; check that it exists and is readable.`, causeOf(e));
  }
}
