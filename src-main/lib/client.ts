import { loadDtlsTransport } from '../core/transport/mqtt-datagram-client';
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Packet } from 'mqtt';
import type { ConnectionId, MessageProperties, MessageView, Qos } from '../../shared/ipc/common';
import type { BrokerFacts, ConnectionInfo, ServerRedirect } from '../../shared/ipc/connections';
import type { ParsedArg } from '../../shared/ipc/contract';
import { TopiaryError, type ErrorData } from '../../shared/ipc/errors';
import { isSecureScheme } from '../../shared/mqtt/broker-url';
import { checkTopicFilter, checkTopicName } from '../../shared/mqtt/topic-rules';
import { brokerList } from '../core/connections/broker-list';
import { Connection, type QueuedHandle } from '../core/connections/connection';
import type { AuthMethod } from '../core/connections/auth-method';
import { resolveTls } from '../core/connections/tls-options';
import { publishOptions } from '../core/connections/client-options';
import type { PacketWriter } from '../core/connections/publish-batch';
import { resolveConnectOptions, type ConnectOptions } from './connect-options';
import { DeadlineSweeper, withLimits, type CallLimits } from './deadline';
import { MessageStream } from './message-stream';

type PublishArgs = ParsedArg<'publish.send'>;

/** A payload: text (UTF-8), bytes, or a plain object or array sent as JSON (content type application/json). */
export type Payload = string | Uint8Array | Readonly<Record<string, unknown>> | readonly unknown[];

/** MQTT 5 publish properties; user properties as ordered pairs or an object. */
export interface PublishProperties {
  readonly payloadFormatIndicator?: boolean;
  readonly messageExpiryInterval?: number;
  readonly contentType?: string;
  readonly responseTopic?: string;
  readonly correlationData?: Uint8Array | string;
  readonly userProperties?: readonly (readonly [string, string])[] | Readonly<Record<string, string>>;
  readonly topicAlias?: number;
}

export interface PublishOptions extends CallLimits {
  readonly qos?: Qos;
  readonly retain?: boolean;
  readonly properties?: PublishProperties;
  /** false: resolve once the packet is written or queued, not on the acknowledgement (fire-and-forget). */
  readonly wait?: boolean;
}

/** What came back for a publish. */
export interface PublishAck {
  readonly topic: string;
  readonly qos: Qos;
  /** The acknowledgement that ended the exchange; 'none' for QoS 0 and for `wait: false`. */
  readonly ack: 'PUBACK' | 'PUBCOMP' | 'none';
  readonly packetId?: number;
  /** The PUBACK/PUBREC reason code (MQTT 5; 0 = success, 0x10 = no matching subscribers). */
  readonly reasonCode: number;
  /** Milliseconds from sending to the final acknowledgement (0 for QoS 0 or `wait: false`). */
  readonly roundTripMs: number;
  /** The connection was down: the message waited in the queue (with `wait: false`: it is waiting now). */
  readonly queued: boolean;
}

export interface SubscribeOptions extends CallLimits {
  readonly qos?: Qos;
  readonly noLocal?: boolean;
  readonly retainAsPublished?: boolean;
  readonly retainHandling?: 0 | 1 | 2;
  readonly subscriptionIdentifier?: number;
  /** false: resolve once the SUBSCRIBE is sent; refusals then come as `error` events. */
  readonly wait?: boolean;
}

/** The SUBACK, one entry per filter: the granted QoS (0–2) or the refusal's reason code (≥ 0x80). */
export interface SubscribeAck {
  readonly granted: readonly { readonly filter: string; readonly reasonCode: number; readonly ok: boolean; readonly reason?: string }[];
}

export interface UnsubscribeAck {
  /** MQTT 5 UNSUBACK reason codes, one per filter (empty for 3.x, whose UNSUBACK has none). */
  readonly reasonCodes: readonly number[];
}

export interface ConnectedEvent {
  readonly url: string;
  readonly sessionPresent: boolean;
  /** The CONNACK's facts: reason code and, for MQTT 5, every property the broker sent. */
  readonly connack: BrokerFacts | undefined;
}

export interface DisconnectedEvent {
  readonly url: string;
  /** Why, as the contract's error data; absent after `end()`. */
  readonly reason?: ErrorData;
  /** Whether the client will try again. */
  readonly willReconnect: boolean;
}

export interface ReconnectingEvent {
  readonly attempt: number;
  readonly maxAttempts: number;
  readonly nextInMs: number;
}

export interface ClientEvents {
  connected: [ConnectedEvent];
  disconnected: [DisconnectedEvent];
  reconnecting: [ReconnectingEvent];
  message: [MessageView];
  published: [PublishAck];
  subscribed: [SubscribeAck];
  error: [TopiaryError];
  auth: [{ readonly reasonCode: number; readonly properties?: Readonly<Record<string, unknown>> }];
  /** A broker sent the client to another server (MQTT 5 Server Reference with 0x9C/0x9D) and it went there. */
  redirected: [ServerRedirect];
  /** Every status change (state, queued count, CONNACK facts), as the app's connection list sees it. */
  status: [ConnectionInfo];
}

const DEFAULT_TIMEOUT_MS = 30_000;
const JSON_TYPE = 'application/json';

/** One broker connection on the app's own connection code (failover, back-off, queue, TLS). */
export class TopiaryClient extends EventEmitter<ClientEvents> {
  private connection!: Connection;
  private readonly streams = new Set<MessageStream>();
  private readonly heldReads: (() => void)[] = [];
  private lastState: ConnectionInfo['state'] = 'connecting';
  private lastRedirect: ServerRedirect | undefined;
  private readonly defaultTimeoutMs: number;
  private readonly v5: boolean;
  private readonly connectionId = randomUUID() as ConnectionId;
  private readonly deadlines: DeadlineSweeper;
  /**
   * Messages that arrive before connect() has handed the client over (a session's queued messages, retained
   * ones after the first SUBACK): held and replayed once the caller could attach its listeners.
   */
  private early: MessageView[] | undefined = [];
  /** MQTT.js options for a publish without properties, one per QoS and retain flag (MQTT.js copies them). */
  private readonly plainOptions = [0, 1, 2].map((qos) => [false, true].map((retain) => Object.freeze({ qos: qos as Qos, retain })));

  private constructor(
    readonly options: ParsedArg<'connections.connect'>,
    defaultTimeoutMs: number,
    private readonly packetLogCapacity: number,
    private readonly customAuth?: AuthMethod,
  ) {
    super();
    this.defaultTimeoutMs = defaultTimeoutMs;
    this.deadlines = new DeadlineSweeper(defaultTimeoutMs);
    this.v5 = options.protocolVersion === 5;
  }

  /** Connects; resolves on the first CONNACK that accepts (subscriptions made), rejects with a classified error. */
  static async open(options: ConnectOptions): Promise<TopiaryClient> {
    const args = await resolveConnectOptions(options);
    const client = new TopiaryClient(args, options.defaultTimeoutMs ?? DEFAULT_TIMEOUT_MS, options.packetLogCapacity ?? 0, typeof options.authMethod === 'object' ? options.authMethod : undefined);
    await client.start(options);
    // After the caller's `await connect()` continuation has run and attached its listeners.
    setImmediate(() => client.replayEarly());
    return client;
  }

  private async start(limits: CallLimits): Promise<void> {
    const brokers = brokerList(this.options);
    const usesTls = brokers.some((b) => isSecureScheme(b.scheme));
    const tls = usesTls ? await resolveTls(this.options.tls) : undefined;
    if (brokers.some((b) => b.scheme === 'mqtts-dtls')) await loadDtlsTransport();
    const clientId = this.options.clientId && this.options.clientId.length > 0 ? this.options.clientId : `topiary-${randomUUID().slice(0, 8)}`;
    this.connection = new Connection(
      this.connectionId,
      this.options,
      brokers,
      clientId,
      tls,
      {
        status: (info) => this.onStatus(info),
        message: (_id, message) => this.onMessage(message),
        packetReceived: (packet) => this.onPacket(packet),
        ...(typeof this.customAuth === 'object' ? { authMethod: this.customAuth } : {}),
      },
      // Off unless asked for: an entry per packet is a fifth of a QoS 0 burst's cost.
      this.packetLogCapacity,
    );
    const started = this.connection.start();
    await withLimits(started, `Connecting to ${this.options.url}`, limits, this.options.connectTimeoutMs * Math.max(1, brokers.length) + 1_000, () => {
      void this.connection.stop();
    });
  }

  /** The connection as the app shows it: state, URL, client id, CONNACK facts, queued count. */
  get info(): ConnectionInfo {
    return this.connection.current;
  }

  get connected(): boolean {
    return this.connection.current.state === 'connected';
  }

  /** Publishes held while offline (bounded: beyond 10,000 a publish fails at once). */
  get queuedCount(): number {
    return this.connection.queuedCount;
  }

  /** The recent control packets, oldest first (the app's packet log). */
  packetLog(): ReturnType<Connection['log']['entries']> {
    return this.connection.log.entries();
  }

  /**
   * Publishes; resolves on the PUBACK (QoS 1) or PUBCOMP (QoS 2) with its reason code and round trip, or on
   * the write for QoS 0. While offline the message queues and the promise settles after the reconnect.
   */
  publish(topic: string, payload: Payload, options: PublishOptions = {}): Promise<PublishAck> {
    if (options.wait !== false && this.connection.sendsNow) return this.publishNow(topic, payload, options);
    let args: PublishArgs;
    try {
      args = this.publishArgs(topic, payload, options);
    } catch (error) {
      return Promise.reject(error);
    }
    const qos = args.qos;
    if (options.wait === false) {
      const outcome = this.connection.publishOrQueue(args, {});
      const sent = outcome instanceof Promise ? outcome : outcome.result;
      const queued = !this.connected;
      sent.then(
        (r) => this.listenerCount('published') > 0 && this.emit('published', toAck(topic, qos, r, queued)),
        (e: unknown) => this.emitError(e),
      );
      return Promise.resolve({ topic, qos, ack: 'none', reasonCode: 0, roundTripMs: 0, queued });
    }
    const outcome = this.connection.publishOrQueue(args, { awaitQueued: true });
    const queued = !(outcome instanceof Promise);
    const work = queued ? (outcome as QueuedHandle).result : (outcome as Promise<Awaited<QueuedHandle['result']>>);
    const limited = withLimits(work, `Publishing to "${topic}"`, options, this.defaultTimeoutMs, queued ? () => (outcome as QueuedHandle).withdraw() : undefined);
    return limited.then((r) => {
      const ack = toAck(topic, qos, r, queued);
      if (this.listenerCount('published') > 0) this.emit('published', ack);
      return ack;
    });
  }

  /** The burst path: connected, awaited; one promise and one MQTT.js callback per message. */
  private publishNow(topic: string, payload: Payload, options: PublishOptions): Promise<PublishAck> {
    return new Promise<PublishAck>((resolve, reject) => {
      const check = checkTopicName(topic);
      if (!check.ok) throw new TopiaryError('TOPIC_ERROR', `"${topic}" cannot be published to: ${check.message ?? 'invalid topic'}`, { topic });
      const qos = options.qos ?? 0;
      if (qos !== 0 && qos !== 1 && qos !== 2) checkQos(qos);
      const retain = options.retain === true;
      let body: Buffer | string;
      let contentType: string | undefined;
      if (typeof payload === 'string') body = payload;
      else if (payload instanceof Uint8Array) body = Buffer.isBuffer(payload) ? payload : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
      else if (typeof payload === 'object' && payload !== null) {
        body = JSON.stringify(payload);
        contentType = JSON_TYPE;
      } else throw new TopiaryError('PAYLOAD_ERROR', 'A payload is text, bytes, or an object or array to send as JSON.');
      const properties = this.v5 ? publishProperties(options.properties, contentType) : undefined;
      const mqttOptions = properties ? publishOptions(qos, retain, properties, true) : (this.plainOptions[qos]![retain ? 1 : 0] as { qos: Qos; retain: boolean });
      let settled = false;
      const watch = this.deadlines.watch(options, `Publishing to "${topic}"`, (error) => {
        if (settled) return;
        settled = true;
        reject(error);
      });
      const started = performance.now();
      this.connection.sendNow(topic, body, mqttOptions, (error, packetId, reasonCode) => {
        this.deadlines.done(watch);
        if (settled) return;
        settled = true;
        if (error) return reject(error);
        const ack: PublishAck = {
          topic,
          qos,
          ack: qos === 1 ? 'PUBACK' : qos === 2 ? 'PUBCOMP' : 'none',
          ...(qos > 0 && packetId !== undefined ? { packetId } : {}),
          reasonCode: reasonCode ?? 0,
          roundTripMs: qos === 0 ? 0 : performance.now() - started,
          queued: false,
        };
        if (this.listenerCount('published') > 0) this.emit('published', ack);
        resolve(ack);
      });
    });
  }

  /** @internal The socket's writer for encoded packets: how replay() sends QoS 0 floods in batches. */
  packetWriter(): PacketWriter {
    return this.connection.packetWriter();
  }

  /** Subscribes; resolves with the SUBACK's verdict per filter. The subscriptions are made again on every reconnect. */
  async subscribe(filters: string | readonly string[], options: SubscribeOptions = {}): Promise<SubscribeAck> {
    const list = typeof filters === 'string' ? [filters] : [...filters];
    if (list.length === 0) throw new TopiaryError('VALIDATION_ERROR', 'Give at least one topic filter to subscribe to.');
    const qos = checkQos(options.qos ?? 0);
    for (const f of list) {
      const check = checkTopicFilter(f);
      if (!check.ok) throw new TopiaryError('TOPIC_ERROR', `"${f}" is not a valid topic filter: ${check.message ?? 'invalid'}`);
    }
    const subs = list.map((filter) => ({
      filter,
      qos,
      ...(options.noLocal !== undefined ? { noLocal: options.noLocal } : {}),
      ...(options.retainAsPublished !== undefined ? { retainAsPublished: options.retainAsPublished } : {}),
      ...(options.retainHandling !== undefined ? { retainHandling: options.retainHandling } : {}),
      ...(options.subscriptionIdentifier !== undefined ? { subscriptionIdentifier: options.subscriptionIdentifier } : {}),
    }));
    const work = this.connection.addSubscriptions(subs).then((verdicts) => {
      const ack: SubscribeAck = { granted: verdicts };
      this.emit('subscribed', ack);
      for (const v of verdicts) if (!v.ok) this.emitError(new TopiaryError('TOPIC_ERROR', v.reason ?? `The broker refused "${v.filter}".`, { filter: v.filter, reasonCode: v.reasonCode }));
      return ack;
    });
    if (options.wait === false) {
      work.catch((e: unknown) => this.emitError(e));
      return { granted: [] };
    }
    return withLimits(work, `Subscribing to ${list.join(', ')}`, options, this.defaultTimeoutMs);
  }

  async unsubscribe(filters: string | readonly string[], options: CallLimits & { readonly wait?: boolean } = {}): Promise<UnsubscribeAck> {
    const list = typeof filters === 'string' ? [filters] : [...filters];
    const work = this.connection.removeSubscriptions(list).then((reasonCodes) => ({ reasonCodes }));
    if (options.wait === false) {
      work.catch((e: unknown) => this.emitError(e));
      return { reasonCodes: [] };
    }
    return withLimits(work, `Unsubscribing from ${list.join(', ')}`, options, this.defaultTimeoutMs);
  }

  /** Sends a PINGREQ; resolves with the PINGRESP's round trip in milliseconds. */
  ping(limits: CallLimits = {}): Promise<{ roundTripMs: number }> {
    return withLimits(
      this.connection.ping().then((roundTripMs) => ({ roundTripMs })),
      'Ping',
      limits,
      this.defaultTimeoutMs,
    );
  }

  /**
   * The messages whose topic matches `filter`, as an async iterator (subscribe first; this only selects).
   * At most `highWaterMark` messages wait unread: beyond that the client stops reading from the broker until
   * the loop catches up, so a slow consumer slows the socket instead of filling memory.
   */
  messages(filter: string, options: { readonly highWaterMark?: number } = {}): AsyncIterableIterator<MessageView> {
    const check = checkTopicFilter(filter);
    if (!check.ok) throw new TopiaryError('TOPIC_ERROR', `"${filter}" is not a valid topic filter: ${check.message ?? 'invalid'}`);
    if (this.streams.size === 0) this.connection.setReadGate((proceed) => this.gate(proceed));
    const stream = new MessageStream(
      filter,
      Math.max(1, options.highWaterMark ?? 1_000),
      () => this.releaseReads(),
      (s) => {
        this.streams.delete(s);
        if (this.streams.size === 0) this.connection.setReadGate(undefined);
        this.releaseReads();
      },
    );
    this.streams.add(stream);
    return stream;
  }

  /**
   * Proves the user again on the live connection (MQTT 5 re-authentication, AUTH 0x19, with the connection's
   * method); resolves once the broker accepted and proved itself, rejects with AUTHENTICATION_FAILED otherwise
   * (the broker then closes the connection).
   */
  reauthenticate(limits: CallLimits = {}): Promise<void> {
    return withLimits(this.connection.reauthenticate(limits.timeoutMs ?? this.defaultTimeoutMs), 'Re-authenticating', limits, this.defaultTimeoutMs, () => undefined);
  }

  /** Ends the connection with a DISCONNECT (no will); queued publishes fail; iterators finish. */
  async end(): Promise<void> {
    for (const s of [...this.streams]) s.close();
    await this.connection.stop();
  }

  /** Drops the network connection without DISCONNECT, as a network failure would (for tests and tools). */
  abortTransport(): void {
    this.connection.abortTransport();
  }

  private gate(proceed: () => void): void {
    for (const s of this.streams) {
      if (s.full) {
        this.heldReads.push(proceed);
        return;
      }
    }
    proceed();
  }

  private releaseReads(): void {
    for (const s of this.streams) if (s.full) return;
    const held = this.heldReads.splice(0);
    for (const proceed of held) proceed();
  }

  private publishArgs(topic: string, payload: Payload, options: PublishOptions): PublishArgs {
    const check = checkTopicName(topic);
    if (!check.ok) throw new TopiaryError('TOPIC_ERROR', `"${topic}" cannot be published to: ${check.message ?? 'invalid topic'}`, { topic });
    const qos = checkQos(options.qos ?? 0);
    let bytes: string | Uint8Array;
    let contentType: string | undefined;
    if (typeof payload === 'string' || payload instanceof Uint8Array) bytes = payload;
    else if (typeof payload === 'object' && payload !== null) {
      bytes = JSON.stringify(payload);
      contentType = JSON_TYPE;
    } else throw new TopiaryError('PAYLOAD_ERROR', 'A payload is text, bytes, or an object or array to send as JSON.');
    const properties = this.v5 ? publishProperties(options.properties, contentType) : undefined;
    return {
      connectionId: this.connectionId,
      topic,
      payload: bytes,
      qos,
      retain: options.retain ?? false,
      ...(properties ? { properties } : {}),
    } as PublishArgs;
  }

  private onStatus(info: ConnectionInfo): void {
    const previous = this.lastState;
    this.lastState = info.state;
    this.emit('status', info);
    if (info.redirect && info.redirect !== this.lastRedirect) {
      this.lastRedirect = info.redirect;
      this.emit('redirected', info.redirect);
    }
    if (info.state === previous) return;
    if (info.state === 'connected') {
      this.emit('connected', { url: info.url, sessionPresent: info.broker?.sessionPresent ?? false, connack: info.broker });
      return;
    }
    if (previous === 'connected') {
      this.emit('disconnected', {
        url: info.url,
        ...(info.error ? { reason: info.error } : {}),
        willReconnect: info.state === 'reconnecting',
      });
    }
    if (info.state === 'reconnecting' && info.reconnect) {
      this.emit('reconnecting', { attempt: info.reconnect.attempt, maxAttempts: info.reconnect.maxAttempts, nextInMs: Math.max(0, (info.reconnect.nextAttemptAt ?? Date.now()) - Date.now()) });
    }
    if (info.state === 'error' && previous !== 'connecting' && info.error) {
      this.emitError(new TopiaryError(info.error.code, info.error.message, info.error.details));
    }
  }

  private replayEarly(): void {
    const held = this.early ?? [];
    this.early = undefined;
    for (const m of held) this.onMessage(m);
  }

  private onMessage(message: MessageView): void {
    if (this.early) {
      // Bounded like everything else: a flood before the caller is ready is cut, not buffered without end.
      if (this.early.length < 10_000) this.early.push(message);
      return;
    }
    this.emit('message', message);
    for (const s of this.streams) s.offer(message);
  }

  private onPacket(packet: Packet): void {
    if (packet.cmd !== 'auth') return;
    const p = packet as Packet & { reasonCode?: number; properties?: Record<string, unknown> };
    this.emit('auth', { reasonCode: p.reasonCode ?? 0, ...(p.properties ? { properties: p.properties } : {}) });
  }

  /** An `error` event only when someone listens: an EventEmitter would otherwise throw it at the caller. */
  private emitError(error: unknown): void {
    if (this.listenerCount('error') === 0) return;
    this.emit('error', error instanceof TopiaryError ? error : new TopiaryError('INTERNAL_ERROR', error instanceof Error ? error.message : String(error)));
  }
}

function toAck(topic: string, qos: Qos, r: { packetId?: number; reasonCode?: number; roundTripMs: number; queued?: boolean }, queued: boolean): PublishAck {
  return {
    topic,
    qos,
    ack: r.queued ? 'none' : qos === 1 ? 'PUBACK' : qos === 2 ? 'PUBCOMP' : 'none',
    ...(r.packetId !== undefined ? { packetId: r.packetId } : {}),
    reasonCode: r.reasonCode ?? 0,
    roundTripMs: r.roundTripMs,
    queued: queued || r.queued === true,
  };
}

function checkQos(qos: unknown): Qos {
  if (qos === 0 || qos === 1 || qos === 2) return qos;
  throw new TopiaryError('QOS_ERROR', `QoS must be 0 (at most once), 1 (at least once) or 2 (exactly once), not ${String(qos)}.`, { qos });
}

function publishProperties(p: PublishProperties | undefined, contentType: string | undefined): PublishArgs['properties'] {
  if (!p && !contentType) return undefined;
  const user = p?.userProperties;
  const pairs = user === undefined ? undefined : Array.isArray(user) ? (user as [string, string][]) : Object.entries(user as Record<string, string>);
  const out: Record<string, unknown> = {
    ...(p ?? {}),
    ...(contentType && p?.contentType === undefined ? { contentType } : {}),
    ...(pairs ? { userProperties: pairs } : {}),
    ...(typeof p?.correlationData === 'string' ? { correlationData: new TextEncoder().encode(p.correlationData) } : {}),
  };
  for (const [k, v] of Object.entries(out)) if (v === undefined) delete out[k];
  return out as PublishArgs['properties'];
}

export type { MessageView, MessageProperties };
