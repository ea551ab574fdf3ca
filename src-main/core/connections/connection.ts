import { randomUUID } from 'node:crypto';
import { Socket } from 'node:net';
import { type IClientPublishOptions, type IConnackPacket, type IDisconnectPacket, type IPublishPacket, type MqttClient, type Packet } from 'mqtt';
import type { ISubackPacket, ISubscribePacket } from 'mqtt-packet';
import type { ConnectionId, MessageView, Qos } from '../../../shared/ipc/common';
import type { ConnectionInfo, ConnectionState, ServerRedirect, SubscriptionStatus } from '../../../shared/ipc/connections';
import { TopiaryError, type ErrorData } from '../../../shared/ipc/errors';
import type { ParsedArg } from '../../../shared/ipc/contract';
import type { PublishResult } from '../../../shared/ipc/publish';
import { formatBrokerUrl, type BrokerUrl } from '../../../shared/mqtt/broker-url';
import { AuthExchange, chooseAuthMethod, type AuthMethod } from './auth-method';
import { mayRetry, reconnectDelayMs } from './backoff';
import { brokerFacts } from './broker-facts';
import { aimAt, clientOptions, payloadBuffer, publishOptions, type ConnectArgsParsed } from './client-options';
import { classifyConnectionError, describeServerDisconnect } from './connection-errors';
import { messageFromPacket } from './message-from-packet';
import { reasonName } from '../../../shared/mqtt/reason-codes';
import { PacketLog } from './packet-log';
import { SERVER_MOVED, USE_ANOTHER_SERVER, resolveServerReference } from './server-reference';
import { packetSize } from './packet-size';
import type { PacketWriter } from './publish-batch';
import { connectMqtt } from '../transport/mqtt-datagram-client';
import type { ResolvedTls } from './tls-options';
import { useAllocationFreePacketReads } from './packet-reads';
import { type TopicAliasTable, useLeanTopicAliases } from './topic-alias-table';

// Every connection's parser reads without allocating (a flood of tens of thousands a second otherwise fills the young
// generation with Buffer views in a few hundred milliseconds).
useAllocationFreePacketReads();

type PublishArgs = ParsedArg<'publish.send'>;

/** A subscription made while connected (MQTT 5 options included). */
export interface ExtraSubscription {
  readonly filter: string;
  readonly qos: 0 | 1 | 2;
  readonly noLocal?: boolean;
  readonly retainAsPublished?: boolean;
  readonly retainHandling?: 0 | 1 | 2;
  readonly subscriptionIdentifier?: number;
}

/** The SUBACK verdict for one filter. */
export interface SubscriptionVerdict {
  readonly filter: string;
  readonly ok: boolean;
  readonly reasonCode: number;
  readonly reason?: string;
}

export interface ConnectionHooks {
  status(info: ConnectionInfo): void;
  message(connectionId: ConnectionId, message: MessageView): void;
  /** Every packet received (the library's `auth` event reads AUTH packets here); optional. */
  packetReceived?(packet: Packet): void;
  /** An enhanced authentication method of the library user's own, in place of `authMethod` by name. */
  readonly authMethod?: AuthMethod;
}

/** How a publish made while offline is answered. */
export interface PublishDelivery {
  /** Resolve when the queued message is acknowledged after the reconnect, not when it is queued. */
  readonly awaitQueued?: boolean;
}

interface QueuedPublish {
  readonly args: PublishArgs;
  readonly settle?: { resolve(result: PublishResult): void; reject(error: TopiaryError): void };
}

/** A held publish a caller may take back (abort, timeout) before it is sent. */
export interface QueuedHandle {
  readonly result: Promise<PublishResult>;
  /** Removes the message from the queue; false when it already went out. */
  withdraw(): boolean;
}

type Phase = 'first-pass' | 'running' | 'stopped';

/** Publishes held while offline; beyond this a publish fails instead of growing memory without bound. */
export const MAX_QUEUED = 10_000;

/** A broker close this soon after a publish, with nothing received since, is taken as the broker refusing that publish. */
const REFUSAL_WINDOW_MS = 1_000;

/** MQTT 5 DISCONNECT reasons that blame the packet just sent (malformed, not authorized, too large, quota, …). */
const PACKET_REFUSAL_REASONS = new Set([0x81, 0x82, 0x87, 0x90, 0x93, 0x95, 0x97, 0x99, 0x9a]);

const SESSION_TAKEN_OVER = 0x8e;

/** Server References followed in a row without being accepted anywhere: beyond this, brokers referring to each other are a loop. */
const MAX_REDIRECTS = 5;

/** Why a broker refused a subscription, as a sentence. */
export function subackRefusal(filter: string, code: number, reasonString?: string): string {
  const name = reasonName(code) ?? 'Refused';
  const hint = code === 0x87 ? ' The broker’s access control does not let this user read it.' : '';
  return `The broker refused "${filter}": ${name} (0x${code.toString(16).padStart(2, '0')})${reasonString ? `: ${reasonString}` : '.'}${hint}`;
}

/** What a broker check needs to connect beside a connection. */
export interface CheckTarget {
  readonly url: string;
  readonly username?: string;
  readonly password?: string;
  readonly tls?: ResolvedTls;
}

/**
 * One broker connection over its whole life: a single MQTT.js client, reused across reconnects so its
 * outgoing store (QoS 1/2 in flight) survives, aimed in turn at each failover broker, and retried on our
 * own back-off schedule.
 */
export class Connection {
  readonly log: PacketLog;
  private info: ConnectionInfo;
  private readonly client: MqttClient;
  private readonly queue: QueuedPublish[] = [];
  /** What is (re)made on every connect: the connect arguments' subscriptions, then those added and removed since. */
  private readonly subscriptions = new Map<string, ExtraSubscription>();
  private phase: Phase = 'first-pass';
  private target = 0;
  private attempt = 0;
  private timer: NodeJS.Timeout | undefined;
  private attemptError: ErrorData | undefined;
  /** Whether the TLS handshake of the current attempt finished (true for plain transports). */
  private handshakeDone = true;
  private readonly firstPassErrors: ErrorData[] = [];
  private settleFirst: { resolve(): void; reject(error: TopiaryError): void } | undefined;
  /** The last PUBLISH written and when, until anything comes back: a close right after it means the broker refused it. */
  private lastPublish: { readonly packet: IPublishPacket; readonly at: number } | undefined;
  /** Errors for publishes removed from MQTT.js's store because the broker refused them, in removal order. */
  private readonly refusals: TopiaryError[] = [];
  /** For MQTT 3 (no Maximum Packet Size in CONNACK): the smallest publish the broker closed the connection over. */
  private learnedLimit: number | undefined;
  /** The broker said (DISCONNECT 0x8E) that another client took the session. */
  private takenOver = false;
  /** The broker ended the stream (FIN) on this attempt, rather than it failing. */
  private peerEnded = false;
  /** The broker reset the stream while we wrote (ECONNRESET/EPIPE): what closing on a half-read packet looks like. */
  private peerReset = false;
  /** The next open() starts with fresh stores: a stopped client's were closed. */
  private storesClosed = false;
  /** Filters of each SUBSCRIBE in flight, by packet id, to match the SUBACK's verdicts. */
  private readonly subscribing = new Map<number, readonly string[]>();
  private readonly subscriptionStates = new Map<string, SubscriptionStatus>();
  /** Where a broker's Server Reference sent us: it replaces the failover list while set. */
  private redirectTarget: { readonly url: BrokerUrl; readonly permanent: boolean } | undefined;
  /** A Server Reference (CONNACK or DISCONNECT 0x9C/0x9D) received on this attempt, followed once the connection closes. */
  private referral: { readonly reasonCode: number; readonly serverReference: string } | undefined;
  private redirectsInARow = 0;
  /**
   * Topic Aliases the broker set up on this network connection (MQTT 5), to give alias-only PUBLISH packets their
   * topic: MQTT.js's own table (it records each alias as it handles the PUBLISH that set it up, and clears it when the
   * connection closes), undefined when the client accepts no aliases.
   */
  private readonly inboundAliases: TopicAliasTable | undefined;
  /** MQTT 5 enhanced authentication, when the connection uses a method. */
  private readonly auth: AuthExchange | undefined;
  /** A method that cannot be used with these arguments: start() fails with it. */
  private readonly invalid: TopiaryError | undefined;

  constructor(
    readonly connectionId: ConnectionId,
    private readonly args: ConnectArgsParsed,
    private readonly brokers: readonly BrokerUrl[],
    clientId: string,
    private readonly tls: ResolvedTls | undefined,
    private readonly hooks: ConnectionHooks,
    logCapacity?: number,
  ) {
    this.log = new PacketLog(logCapacity);
    for (const sub of args.subscriptions) {
      this.subscriptions.set(sub.filter, sub);
      this.subscriptionStates.set(sub.filter, { filter: sub.filter, qos: sub.qos, state: 'pending' });
    }
    const urls = brokers.map(formatBrokerUrl);
    this.info = {
      connectionId,
      name: args.name ?? urls[0] ?? '',
      url: urls[0] ?? '',
      urls,
      protocolVersion: args.protocolVersion,
      clientId,
      ...(clientId === '' ? { clientIdAssigned: true } : {}),
      ...(args.username !== undefined ? { username: args.username } : {}),
      state: 'connecting',
      since: Date.now(),
      queuedCount: 0,
      subscriptions: [...this.subscriptionStates.values()],
    };
    const options = clientOptions(args, clientId, tls);
    // MQTT.js insists on a TLS scheme at creation when a client certificate is set.
    aimAt(options, brokers[0] as BrokerUrl, tls);
    this.client = connectMqtt(options);
    this.inboundAliases = useLeanTopicAliases(this.client);
    let method: AuthMethod | undefined;
    try {
      method = chooseAuthMethod(args, hooks.authMethod);
    } catch (e) {
      this.invalid = e instanceof TopiaryError ? e : new TopiaryError('VALIDATION_ERROR', String(e));
    }
    this.auth = method ? new AuthExchange(method, this.client) : undefined;
    if (method) this.info = { ...this.info, authMethod: method.name };
    this.keepInFlightCallbacks();
    this.wire();
  }

  get current(): ConnectionInfo {
    return this.info;
  }

  /** Where and as whom this connection connects (its live broker, credentials, resolved TLS), for a broker check beside it. */
  checkTarget(): CheckTarget {
    return {
      url: this.info.url,
      ...(this.args.username !== undefined ? { username: this.args.username } : {}),
      ...(this.args.password !== undefined ? { password: this.args.password } : {}),
      ...(this.tls ? { tls: this.tls } : {}),
    };
  }

  /**
   * Tries each broker once, in order; resolves at the first CONNACK that accepts us (subscriptions made),
   * rejects with the first broker's classified failure when none does.
   */
  async start(): Promise<void> {
    if (this.invalid) {
      // Nothing was opened (MQTT.js connects manually): there is nothing to close.
      this.phase = 'stopped';
      throw this.invalid;
    }
    this.hooks.status(this.info);
    await new Promise<void>((resolve, reject) => {
      this.settleFirst = { resolve, reject };
      this.open();
    });
  }

  /**
   * Connects a stopped connection again (after a takeover, or after it gave up), with the same client id:
   * resolves at the broker's CONNACK, rejects like start() when every broker fails once.
   */
  async resume(): Promise<void> {
    if (this.phase !== 'stopped' || this.info.state !== 'error') {
      throw new TopiaryError('VALIDATION_ERROR', `"${this.info.name}" is ${this.info.state}; only a connection that stopped can be connected again.`);
    }
    this.phase = 'first-pass';
    this.target = 0;
    this.attempt = 0;
    this.takenOver = false;
    this.storesClosed = true;
    this.firstPassErrors.length = 0;
    this.setState('connecting');
    await this.start();
  }

  async publish(args: PublishArgs): Promise<PublishResult> {
    const queued = this.publishOrQueue(args, {});
    return queued instanceof Promise ? queued : queued.result;
  }

  /**
   * Sends now when connected. Offline, the message joins the bounded queue: the result is `{ queued: true }`
   * at once, or with `awaitQueued` a handle whose promise settles on the acknowledgement after the reconnect
   * (or fails when the connection ends first), so a caller never waits for ever.
   */
  publishOrQueue(args: PublishArgs, delivery: PublishDelivery): Promise<PublishResult> | QueuedHandle {
    if (this.phase === 'stopped') {
      return Promise.reject(new TopiaryError('NOT_CONNECTED', `"${this.info.name}" is not connected; connect it again first.`));
    }
    if (this.info.state === 'connected') return this.send(args);
    try {
      // Refused now rather than queued and silently dropped later, when the broker's limit is already known.
      this.checkPublishSize(args);
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.queue.length >= MAX_QUEUED) {
      return Promise.reject(
        new TopiaryError(
          'PUBLISH_FAILED',
          `"${this.info.name}" is offline and already holds ${MAX_QUEUED} messages waiting to be sent. Wait for it to reconnect, or disconnect it to drop them.`,
          { queuedCount: this.queue.length },
        ),
      );
    }
    if (!delivery.awaitQueued) {
      this.queue.push({ args });
      this.update({ queuedCount: this.queue.length });
      return Promise.resolve({ queued: true, roundTripMs: 0 });
    }
    let entry: QueuedPublish | undefined;
    const result = new Promise<PublishResult>((resolve, reject) => {
      entry = { args, settle: { resolve, reject } };
    });
    this.queue.push(entry as QueuedPublish);
    this.update({ queuedCount: this.queue.length });
    return {
      result,
      withdraw: () => {
        const i = this.queue.indexOf(entry as QueuedPublish);
        if (i < 0) return false;
        this.queue.splice(i, 1);
        this.update({ queuedCount: this.queue.length });
        return true;
      },
    };
  }

  /**
   * Writes encoded packets (publish-batch.ts) straight to the socket, after what MQTT.js wrote before: the
   * fast path of a replay. Ready only while `sendsNow` on a TCP or TLS socket; datagram and WebSocket
   * transports frame their writes, so they keep the per-message path.
   */
  packetWriter(): PacketWriter {
    const socket = (): Socket | undefined => {
      const stream = this.client.stream as unknown;
      return stream instanceof Socket && stream.writable && !stream.destroyed ? stream : undefined;
    };
    return {
      protocolVersion: this.args.protocolVersion,
      packetLimit: () => this.packetLimit(),
      ready: () => this.sendsNow && socket() !== undefined,
      write: (bytes, done) => {
        const to = this.sendsNow ? socket() : undefined;
        if (to === undefined) {
          done(new TopiaryError('NOT_CONNECTED', `"${this.info.name}" lost its connection before the messages were written.`));
          return;
        }
        to.write(bytes, done);
      },
    };
  }

  /** Whether a publish goes out now (sendNow) rather than into the queue. */
  get sendsNow(): boolean {
    return this.info.state === 'connected' && this.phase === 'running';
  }

  /**
   * The burst path: one MQTT.js publish with a callback, no promise and no result object, for callers that
   * send tens of thousands a second (the library). Only while `sendsNow`; the caller queues otherwise.
   * `done` gets the acknowledgement's packet id and reason code (MQTT 5) or the refusal.
   */
  sendNow(
    topic: string,
    payload: Buffer | string,
    options: IClientPublishOptions,
    done: (error: TopiaryError | undefined, packetId: number | undefined, reasonCode: number | undefined) => void,
  ): void {
    const limit = this.info.broker?.maximumPacketSize ?? this.learnedLimit;
    if (limit !== undefined) {
      try {
        this.checkPublishSize({ topic, payload, qos: options.qos ?? 0, retain: options.retain ?? false, properties: undefined } as unknown as PublishArgs, options.properties);
      } catch (error) {
        done(error as TopiaryError, undefined, undefined);
        return;
      }
    }
    this.client.publish(topic, payload, options, (error, packet) => {
      if (error) {
        const e = error as { code?: unknown; message?: unknown };
        // MQTT.js's word for a publish we took out of its store because the broker refused it.
        if (e.message === 'Message removed') {
          done(this.refusals.shift() ?? new TopiaryError('PUBLISH_FAILED', 'The broker refused the message.'), undefined, undefined);
          return;
        }
        done(
          new TopiaryError('PUBLISH_FAILED', `The broker refused the message: ${String(e.message ?? error)}`, typeof e.code === 'number' ? { reasonCode: e.code } : undefined),
          undefined,
          typeof e.code === 'number' ? e.code : undefined,
        );
        return;
      }
      const ack = packet as { messageId?: number; reasonCode?: number } | undefined;
      done(undefined, ack?.messageId, ack?.reasonCode);
    });
  }

  /** Messages held while offline. */
  get queuedCount(): number {
    return this.queue.length;
  }

  /**
   * Holds incoming packets until `gate` calls back: MQTT.js reads the next packet only then, so a slow
   * consumer slows the socket (TCP back-pressure) instead of growing a buffer. Undefined lifts the gate.
   */
  setReadGate(gate: ((proceed: () => void) => void) | undefined): void {
    const client = this.client as unknown as { handleMessage: (packet: Packet, callback: (error?: Error) => void) => void };
    client.handleMessage = gate ? (_packet, callback) => gate(() => callback()) : (_packet, callback) => callback();
  }

  /** Sends a PINGREQ and resolves on the PINGRESP with the round trip in milliseconds. */
  ping(): Promise<number> {
    if (!this.client.connected) return Promise.reject(new TopiaryError('NOT_CONNECTED', `"${this.info.name}" is not connected; connect it first.`));
    const started = performance.now();
    return new Promise<number>((resolve, reject) => {
      const onPacket = (packet: Packet): void => {
        if (packet.cmd !== 'pingresp') return;
        this.client.off('packetreceive', onPacket);
        this.client.off('close', onClose);
        resolve(performance.now() - started);
      };
      const onClose = (): void => {
        this.client.off('packetreceive', onPacket);
        reject(new TopiaryError('NOT_CONNECTED', `"${this.info.name}" lost its connection before the PINGRESP.`));
      };
      this.client.on('packetreceive', onPacket);
      this.client.once('close', onClose);
      (this.client as unknown as { _sendPacket(packet: Packet): void })._sendPacket({ cmd: 'pingreq' });
    });
  }

  /** Fails every publish still waiting in the queue (the connection ended before it could be sent). */
  private failQueued(message: string): void {
    const waiting = this.queue.splice(0);
    for (const q of waiting) q.settle?.reject(new TopiaryError('NOT_CONNECTED', message));
    if (waiting.length > 0) this.update({ queuedCount: 0 });
  }

  /** Ends the connection: a DISCONNECT when connected (so no will is sent), otherwise just stops trying. */
  async stop(): Promise<void> {
    const wasConnected = this.client.connected;
    this.phase = 'stopped';
    this.settleFirst?.reject(new TopiaryError('CONNECTION_FAILED', `Connecting to ${this.info.url} was cancelled.`));
    this.settleFirst = undefined;
    clearTimeout(this.timer);
    this.timer = undefined;
    if (wasConnected) {
      let timeout: NodeJS.Timeout | undefined;
      await Promise.race([
        this.client.endAsync().catch(() => undefined),
        // A broker that stopped answering must not hold the user's disconnect hostage.
        new Promise<void>((resolve) => (timeout = setTimeout(resolve, 2_000))),
      ]);
      clearTimeout(timeout);
    }
    this.client.end(true);
    this.failQueued(`"${this.info.name}" was disconnected before the message could be sent.`);
    const { reconnect: _r, ...rest } = this.info;
    this.info = { ...rest, state: 'disconnected', since: Date.now() };
    this.hooks.status(this.info);
  }

  /** Proves the user again on the live connection (MQTT 5 re-authentication with the connection's method). */
  async reauthenticate(timeoutMs = this.args.connectTimeoutMs): Promise<void> {
    if (!this.auth) throw new TopiaryError('VALIDATION_ERROR', `"${this.info.name}" connected without an authentication method; re-authentication needs one (authMethod).`);
    if (this.info.state !== 'connected') throw new TopiaryError('NOT_CONNECTED', `"${this.info.name}" is ${this.info.state}; re-authentication needs a live connection.`);
    await this.auth.reauthenticate(timeoutMs);
  }

  /** Drops the network connection without a DISCONNECT, as a network failure would (the broker sends the will). */
  abortTransport(): void {
    this.client.stream?.destroy();
  }

  private open(): void {
    this.attemptError = undefined;
    this.peerEnded = false;
    this.peerReset = false;
    this.lastPublish = undefined;
    this.referral = undefined;
    aimAt(this.client.options, this.endpoint(), this.tls);
    const url = formatBrokerUrl(this.endpoint());
    if (url !== this.info.url) this.update({ url });
    this.auth?.prepareConnect();
    if (!this.client.stream) {
      this.client.connect();
    } else if (this.storesClosed) {
      this.storesClosed = false;
      this.client.reconnect();
    } else {
      // Reuse the stores: in-flight QoS 1/2 messages are resent on the new network connection.
      this.client.reconnect({ incomingStore: this.client.incomingStore, outgoingStore: this.client.outgoingStore });
    }
    // mqtts streams are TLS sockets; wss streams wrap theirs out of sight and count as plain here.
    const stream = this.client.stream as (NodeJS.EventEmitter & { encrypted?: boolean; setNoDelay?: (on: boolean) => void }) | undefined;
    // Nagle would hold small writes (PUBACKs, publishes issued from promise callbacks) until the broker's
    // delayed ACK, about 40 ms each: a burst whose messages come back fell from thousands a second to ~400.
    stream?.setNoDelay?.(true);
    stream?.once('end', () => (this.peerEnded = true));
    this.handshakeDone = stream?.encrypted !== true;
    if (!this.handshakeDone) stream?.once('secureConnect', () => (this.handshakeDone = true));
  }

  /**
   * With reconnectPeriod 0 and a clean session, MQTT.js fails every in-flight publish when it drops a
   * connection itself (keepalive or CONNACK timeout), although its store still resends them on the next
   * connect. We reconnect, so those callbacks must wait for the real acknowledgement; only stop() fails them.
   */
  private keepInFlightCallbacks(): void {
    const client = this.client as unknown as { _flush?: () => void };
    const original = client._flush?.bind(this.client);
    if (!original) return;
    client._flush = () => {
      if (this.phase === 'stopped') original();
    };
  }

  private wire(): void {
    const { client } = this;
    // A log of capacity 0 is off: the library's burst path does not pay for an entry per packet.
    const logging = this.log.capacity > 0;
    client.on('packetsend', (packet: Packet) => {
      if (logging) this.log.record('out', packet);
      if (packet.cmd === 'publish') this.lastPublish = { packet, at: Date.now() };
      else if (packet.cmd === 'subscribe') this.onSubscribeSent(packet);
    });
    client.on('packetreceive', (packet: Packet) => {
      if (logging) this.log.record('in', packet);
      this.hooks.packetReceived?.(packet);
      // The broker answered after the publish, so a later close is not about it.
      if (packet.cmd !== 'disconnect') this.lastPublish = undefined;
      if (packet.cmd === 'publish') this.fillAliasedTopic(packet);
      else if (packet.cmd === 'connack') this.inboundAliases?.clear();
      if (packet.cmd === 'connack') this.onConnack(packet);
      else if (packet.cmd === 'suback') this.onSuback(packet);
    });
    client.on('message', (topic, _payload, packet) => this.hooks.message(this.connectionId, messageFromPacket(packet, Date.now(), topic)));
    client.on('error', (error) => {
      const errno = (error as { code?: unknown }).code;
      if (this.auth) {
        const explained = this.auth.failure ?? (typeof errno === 'number' ? this.auth.explainRefusal(errno) : undefined);
        if (explained) {
          this.attemptError = explained.toData();
          return;
        }
      }
      if (this.info.state === 'connected' && (errno === 'ECONNRESET' || errno === 'EPIPE')) {
        this.peerReset = true;
        this.attemptError = { code: 'CONNECTION_FAILED', message: `${this.address()} reset the connection (${errno}).` };
        return;
      }
      this.attemptError = classifyConnectionError(error, { address: this.address(), connectTimeoutMs: this.args.connectTimeoutMs, tlsHandshakePending: !this.handshakeDone, dtlsUnconfigured: this.endpoint().scheme === 'mqtts-dtls' && !hasDtlsMaterial(this.args.tls) }).toData();
    });
    client.on('disconnect', (packet: IDisconnectPacket) => {
      const code = packet.reasonCode ?? 0;
      if (code === SESSION_TAKEN_OVER) this.takenOver = true;
      this.noteReferral(code, packet.properties?.serverReference);
      this.auth?.onDisconnect(code);
      this.attemptError = {
        code: 'CONNECTION_FAILED',
        message: describeServerDisconnect(code, packet.properties?.reasonString),
        details: { reasonCode: code, ...(packet.properties?.serverReference ? { serverReference: packet.properties.serverReference } : {}) },
      };
    });
    client.on('connect', () => void this.onConnected());
    client.on('close', () => this.onClosed());
  }

  private async onConnected(): Promise<void> {
    if (this.phase === 'stopped') return;
    const unproven = this.auth?.failure;
    if (unproven) {
      // The broker accepted us without proving it knows the password: an impostor is not talked to.
      this.attemptError = unproven.toData();
      this.client.stream?.destroy();
      return;
    }
    const first = this.phase === 'first-pass';
    this.phase = 'running';
    this.attempt = 0;
    this.redirectsInARow = 0;
    const { reconnect: _r, error: _e, ...rest } = this.info;
    this.info = { ...rest, state: 'connected', since: Date.now() };
    this.hooks.status(this.info);
    const subscribed = this.subscribe();
    this.flushQueue();
    // A failed SUBSCRIBE (the connection dropped meanwhile) is retried on the next connect.
    await subscribed.catch(() => undefined);
    if (first) {
      this.settleFirst?.resolve();
      this.settleFirst = undefined;
    }
  }

  private onClosed(): void {
    if (this.phase === 'stopped') return;
    if (this.followReferral()) return;
    const refused = this.publishRefusedByClose();
    const wasConnected = this.info.state === 'connected';
    const silent = (this.attemptError === undefined && this.peerEnded) || this.peerReset;
    const error = refused ?? this.attemptError ?? this.silentCloseReason();
    this.attemptError = undefined;
    if (this.redirectTarget && (this.phase === 'first-pass' || !this.redirectTarget.permanent)) {
      // The server we were sent to failed us: back to the configured brokers (a permanent move is kept while running).
      this.redirectTarget = undefined;
    }
    if (this.phase === 'running' && this.takenOver) {
      this.stopTakenOver(error.message);
      return;
    }
    // mosquitto closes a taken-over session without a word (MQTT 3 has none to say): when the broker still
    // accepts a fresh client, the close was its choice, and reconnecting would only take the session back.
    if (this.phase === 'running' && wasConnected && silent && !refused && this.args.clientId) {
      void this.brokerStillAccepts().then((alive) => {
        if (this.phase !== 'running') return;
        if (alive) this.stopTakenOver(undefined);
        else this.retry(error);
      });
      return;
    }
    if (this.phase === 'first-pass') {
      this.firstPassErrors.push(error);
      if (this.target + 1 < this.brokers.length) {
        this.target++;
        this.open();
        return;
      }
      this.phase = 'stopped';
      this.client.end(true);
      const primary = this.firstPassErrors[0] as ErrorData;
      const failures = this.firstPassErrors.map((e, i) => ({ url: this.info.urls[i] as string, code: e.code, message: e.message }));
      // Each broker is named with its own failure; the code is the first broker's, and so is the URL shown.
      const message =
        failures.length > 1
          ? `None of the ${failures.length} brokers accepted the connection. ${failures.map((f, i) => `${i + 1}. ${f.url}: ${f.message}`).join(' ')}`
          : primary.message;
      const reported = new TopiaryError(primary.code, message, {
        ...(primary.details ?? {}),
        ...(failures.length > 1 ? { failures } : {}),
      });
      if (failures.length > 1) this.info = { ...this.info, url: failures[0]?.url ?? this.info.url };
      this.setState('error', reported.toData());
      this.settleFirst?.reject(reported);
      this.settleFirst = undefined;
      return;
    }
    this.retry(error);
  }

  /** After a drop while running: reconnect on the back-off schedule, or give up with the reason. */
  private retry(error: ErrorData): void {
    if (!mayRetry(this.args.reconnect, this.attempt)) {
      this.phase = 'stopped';
      this.client.end(true);
      const { reconnect: _r, ...rest } = this.info;
      const gaveUp = this.args.reconnect.enabled
        ? `${error.message} Gave up after ${this.attempt} reconnect attempt${this.attempt === 1 ? '' : 's'}.`
        : error.message;
      this.info = { ...rest, state: 'error', since: Date.now(), error: { ...error, message: gaveUp } };
      this.failQueued(`"${this.info.name}" gave up reconnecting before the message could be sent: ${gaveUp}`);
      this.hooks.status(this.info);
      return;
    }
    // Failover: the next try goes to the next broker in the list.
    if (this.brokers.length > 1) this.target = (this.target + 1) % this.brokers.length;
    this.attempt++;
    const delay = reconnectDelayMs(this.args.reconnect, this.attempt);
    const nextAttemptAt = Date.now() + delay;
    this.info = {
      ...this.info,
      state: 'reconnecting',
      since: this.info.state === 'reconnecting' ? this.info.since : Date.now(),
      error,
      reconnect: { attempt: this.attempt, maxAttempts: this.args.reconnect.maxAttempts, nextAttemptAt },
    };
    this.hooks.status(this.info);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.phase !== 'running') return;
      // The wait is over: say the try is under way rather than leave a next-attempt time in the past on screen.
      const { nextAttemptAt: _n, ...reconnect } = this.info.reconnect ?? { attempt: this.attempt, maxAttempts: this.args.reconnect.maxAttempts };
      this.info = { ...this.info, reconnect };
      this.open();
    }, delay);
  }

  /** Stops reconnecting after a takeover and says so; `resume()` takes the session back. */
  private stopTakenOver(brokerSaid: string | undefined): void {
    this.phase = 'stopped';
    this.client.end(true);
    const id = this.info.clientId;
    const why =
      brokerSaid ??
      `${this.address()} closed the connection without a reason while it still accepts other clients: most likely another client connected with the same client id ("${id}") and took over the session.`;
    const { reconnect: _r, ...rest } = this.info;
    this.info = {
      ...rest,
      state: 'error',
      since: Date.now(),
      error: {
        code: 'SESSION_TAKEN_OVER',
        message: `${why} Topiary stopped reconnecting, so the two clients don't keep taking the session from each other. Take the session back to connect again with this client id.`,
        details: { clientId: id },
      },
    };
    this.hooks.status(this.info);
  }

  /** Whether the broker accepts a fresh client now (a throwaway id, no will, no session): it is up and chose to close us. */
  private brokerStillAccepts(): Promise<boolean> {
    const probeArgs: ConnectArgsParsed = { ...this.args, clean: true, sessionExpiryInterval: undefined, will: undefined };
    const options = clientOptions(probeArgs, `topiary-probe-${randomUUID().slice(0, 8)}`, this.tls);
    aimAt(options, this.endpoint(), this.tls);
    options.connectTimeout = Math.min(this.args.connectTimeoutMs, 3_000);
    const probe = connectMqtt(options);
    return new Promise<boolean>((resolve) => {
      const done = (alive: boolean): void => {
        resolve(alive);
        probe.end(true);
      };
      probe.once('connect', () => done(true));
      probe.on('error', () => done(false));
      probe.once('close', () => done(false));
      probe.connect();
    });
  }

  /**
   * The broker closed the connection right after a PUBLISH with nothing in between: it refused that packet
   * (too large for it, or not allowed). The publish is taken out of the store, so it is never resent in a loop,
   * and its send() fails with this reason. MQTT 3 brokers announce no limit, so its size is remembered as one.
   */
  private publishRefusedByClose(): ErrorData | undefined {
    const last = this.lastPublish;
    this.lastPublish = undefined;
    if (!last || Date.now() - last.at > REFUSAL_WINDOW_MS) return undefined;
    const said = this.attemptError?.details?.reasonCode;
    const silent = (this.attemptError === undefined && this.peerEnded) || this.peerReset;
    if (!silent && !(typeof said === 'number' && PACKET_REFUSAL_REASONS.has(said))) return undefined;
    const bytes = packetSize(last.packet, this.args.protocolVersion);
    const topic = last.packet.topic;
    let refusal: TopiaryError;
    if (silent) {
      if (this.info.broker?.maximumPacketSize === undefined) this.learnedLimit = Math.min(this.learnedLimit ?? Infinity, bytes);
      refusal = new TopiaryError(
        'PACKET_TOO_LARGE',
        `${this.address()} closed the connection right after a ${bytes}-byte publish to "${topic}": the broker refused it, most likely because it is larger than the broker's maximum packet size (MQTT 3 brokers don't announce theirs). It was dropped, not resent; publishes of ${bytes} bytes or more are refused from now on.`,
        { packetBytes: bytes, topic },
      );
    } else {
      refusal = new TopiaryError('PUBLISH_FAILED', `The broker refused the ${bytes}-byte publish to "${topic}" and closed the connection: ${this.attemptError?.message ?? ''} It was dropped, not resent.`, {
        packetBytes: bytes,
        topic,
        reasonCode: said,
      });
    }
    const messageId = last.packet.messageId;
    if (last.packet.qos > 0 && messageId !== undefined) {
      this.refusals.push(refusal);
      this.client.removeOutgoingMessage(messageId);
    }
    return refusal.toData();
  }

  /** Refuses a publish larger than the broker accepts, naming both sizes. */
  private checkPublishSize(args: PublishArgs, mqttProperties?: IClientPublishOptions['properties']): void {
    if (this.packetLimit() === undefined) return;
    const options = mqttProperties ? { properties: mqttProperties } : publishOptions(args.qos, args.retain, args.properties, this.args.protocolVersion === 5);
    const packet = {
      cmd: 'publish',
      topic: args.topic,
      payload: payloadBuffer(args.payload),
      qos: args.qos,
      retain: args.retain,
      dup: false,
      ...(args.qos > 0 ? { messageId: 1 } : {}),
      ...(options.properties ? { properties: options.properties } : {}),
    } as IPublishPacket;
    const refusal = this.refuseIfTooLarge(packet, { subject: `The publish to "${args.topic}"`, advice: 'Send a smaller payload.' });
    if (refusal) throw refusal;
  }

  /**
   * Refuses a SUBSCRIBE larger than the broker accepts, naming both sizes: a broker closes the connection over one,
   * and the subscription would be made again, and refused again, on every reconnect.
   */
  private checkSubscribeSize(filter: string, options: SubscribeOptions, properties?: { subscriptionIdentifier: number }): void {
    const refusal = this.refuseIfTooLarge(subscribePacket({ [filter]: options }, properties), { subject: `The subscription to "${shortFilter(filter)}"`, advice: 'Use a shorter filter.', filter });
    if (refusal) throw refusal;
  }

  /** The largest packet the broker takes: announced in its CONNACK, or learned from a close right after one (MQTT 3). */
  private packetLimit(): number | undefined {
    return this.info.broker?.maximumPacketSize ?? this.learnedLimit;
  }

  /**
   * The PACKET_TOO_LARGE error for a packet the broker would not take (its size and the limit named), or undefined
   * when it fits. An announced limit is inclusive; a learned one is the size of a packet the broker already refused.
   */
  private refuseIfTooLarge(packet: Packet, what: { readonly subject: string; readonly advice: string; readonly filter?: string }): TopiaryError | undefined {
    const limit = this.packetLimit();
    if (limit === undefined) return undefined;
    const bytes = packetSize(packet, this.args.protocolVersion);
    const announced = this.info.broker?.maximumPacketSize !== undefined;
    if (announced ? bytes <= limit : bytes < limit) return undefined;
    const sized = packet.cmd === 'subscribe' ? `is a ${bytes}-byte SUBSCRIBE` : `is ${bytes} bytes`;
    return new TopiaryError(
      'PACKET_TOO_LARGE',
      announced
        ? `${what.subject} ${sized}; the broker accepts packets of at most ${limit} bytes (its Maximum Packet Size). ${what.advice}`
        : `${what.subject} ${sized}; the broker closed the connection over a ${limit}-byte ${packet.cmd === 'publish' ? 'publish' : 'packet'} before, so it is refused rather than sent. ${what.advice}`,
      { packetBytes: bytes, maximumPacketSize: limit, announced, ...(what.filter !== undefined ? { filter: what.filter } : {}) },
    );
  }

  private onConnack(packet: IConnackPacket): void {
    // Before MQTT.js handles the CONNACK (and sends what its store holds): a broker that did not prove it knows
    // the password gets nothing more from us.
    if (this.auth && !this.auth.checkConnack(packet)) {
      this.attemptError = this.auth.failure?.toData();
      this.client.stream?.destroy();
    }
    const broker = brokerFacts(packet);
    this.noteReferral(packet.reasonCode ?? 0, packet.properties?.serverReference);
    const assigned = broker.assignedClientIdentifier;
    if (assigned !== undefined && broker.reasonCode < 0x80) {
      // Reconnects use the id the broker chose, so a kept session is found again.
      this.client.options.clientId = assigned;
      this.update({ broker, clientId: assigned, clientIdAssigned: true });
      return;
    }
    this.update({ broker });
  }

  private onSubscribeSent(packet: ISubscribePacket): void {
    const filters = packet.subscriptions.map((s) => s.topic);
    if (packet.messageId !== undefined) this.subscribing.set(packet.messageId, filters);
    for (const [i, filter] of filters.entries()) {
      this.subscriptionStates.set(filter, { filter, qos: (packet.subscriptions[i]?.qos ?? 0) as Qos, state: 'pending' });
    }
    this.update({ subscriptions: [...this.subscriptionStates.values()] });
  }

  private onSuback(packet: ISubackPacket): void {
    const filters = packet.messageId === undefined ? undefined : this.subscribing.get(packet.messageId);
    if (!filters) return;
    this.subscribing.delete(packet.messageId as number);
    const reasonString = packet.properties?.reasonString;
    for (const [i, filter] of filters.entries()) {
      // On the wire a SUBACK carries plain numbers (the granted QoS, or a reason code from 0x80).
      const granted = (packet.granted as readonly unknown[])[i];
      const before = this.subscriptionStates.get(filter);
      if (typeof granted !== 'number' || !before) continue;
      this.subscriptionStates.set(
        filter,
        granted < 0x80
          ? { filter, qos: before.qos, state: 'active', reasonCode: granted }
          : { filter, qos: before.qos, state: 'refused', reasonCode: granted, reason: subackRefusal(filter, granted, reasonString) },
      );
    }
    this.update({ subscriptions: [...this.subscriptionStates.values()] });
  }

  /**
   * Makes every current subscription again: on each connect, whether or not the broker kept the session.
   * The filters go in as few SUBSCRIBEs as fit the broker's Maximum Packet Size; a filter too long to fit even alone
   * is shown refused, with both sizes, and not sent (the broker would close the connection over it, on every reconnect).
   */
  private async subscribe(): Promise<void> {
    const all = [...this.subscriptions.values()];
    if (all.length === 0) return;
    const plain = all.filter((s) => s.subscriptionIdentifier === undefined || this.args.protocolVersion !== 5);
    const identified = all.filter((s) => !plain.includes(s));
    const requests: Promise<unknown>[] = [];
    const tooLarge: { readonly s: ExtraSubscription; readonly error: TopiaryError }[] = [];
    let batch: Record<string, SubscribeOptions> = {};
    let batched = 0;
    const sendBatch = (): void => {
      if (batched > 0) requests.push(this.client.subscribeAsync(batch as Parameters<MqttClient['subscribeAsync']>[0]));
      batch = {};
      batched = 0;
    };
    for (const s of plain) {
      const options = this.subscribeOptions(s);
      const what = { subject: `The subscription to "${shortFilter(s.filter)}"`, advice: 'Use a shorter filter.', filter: s.filter };
      if (this.packetLimit() !== undefined) {
        const alone = this.refuseIfTooLarge(subscribePacket({ [s.filter]: options }), what);
        if (alone) {
          tooLarge.push({ s, error: alone });
          continue;
        }
        if (batched > 0 && this.refuseIfTooLarge(subscribePacket({ ...batch, [s.filter]: options }), what)) sendBatch();
      }
      batch[s.filter] = options;
      batched++;
    }
    sendBatch();
    // MQTT.js puts a subscription identifier on the whole packet, so each such filter gets its own SUBSCRIBE.
    for (const s of identified) {
      const options = this.subscribeOptions(s);
      const properties = { subscriptionIdentifier: s.subscriptionIdentifier as number };
      const alone = this.refuseIfTooLarge(subscribePacket({ [s.filter]: options }, properties), {
        subject: `The subscription to "${shortFilter(s.filter)}"`,
        advice: 'Use a shorter filter.',
        filter: s.filter,
      });
      if (alone) {
        tooLarge.push({ s, error: alone });
        continue;
      }
      requests.push(this.client.subscribeAsync({ [s.filter]: options } as Parameters<MqttClient['subscribeAsync']>[0], { qos: s.qos, properties }));
    }
    if (tooLarge.length > 0) {
      for (const { s, error } of tooLarge) this.subscriptionStates.set(s.filter, { filter: s.filter, qos: s.qos, state: 'refused', reason: error.message });
      this.update({ subscriptions: [...this.subscriptionStates.values()] });
    }
    await Promise.all(requests);
  }

  private subscribeOptions(s: ExtraSubscription): SubscribeOptions {
    if (this.args.protocolVersion !== 5) return { qos: s.qos };
    return {
      qos: s.qos,
      // Retain-as-published by default so the explorer sees which messages the publisher retained.
      rap: s.retainAsPublished ?? true,
      nl: s.noLocal ?? false,
      rh: s.retainHandling ?? 0,
    };
  }

  /**
   * Subscribes while connected, one SUBSCRIBE per filter so each gets its own subscription identifier
   * and its own SUBACK verdict; a refusal comes back as an outcome with its reason, not as a throw.
   * A SUBSCRIBE larger than the broker's Maximum Packet Size is refused (PACKET_TOO_LARGE) before any is sent.
   */
  async addSubscriptions(subscriptions: readonly ExtraSubscription[]): Promise<SubscriptionVerdict[]> {
    if (!this.client.connected) throw new TopiaryError('NOT_CONNECTED', `"${this.info.name}" is not connected; connect it first.`);
    const v5 = this.args.protocolVersion === 5;
    const planned = subscriptions.map((s) => {
      const options = v5
        ? {
            qos: s.qos,
            rap: s.retainAsPublished ?? true,
            nl: s.noLocal ?? false,
            rh: s.retainHandling ?? 0,
          }
        : { qos: s.qos };
      // MQTT.js takes the subscription identifier from the packet-level options, not the per-filter ones.
      const packetOptions = v5 && s.subscriptionIdentifier !== undefined ? { qos: s.qos, properties: { subscriptionIdentifier: s.subscriptionIdentifier } } : undefined;
      return { s, options, packetOptions };
    });
    // All checked before any is sent: a refused request changes nothing.
    for (const { s, options, packetOptions } of planned) this.checkSubscribeSize(s.filter, options, packetOptions?.properties);
    return Promise.all(
      planned.map(async ({ s, options, packetOptions }): Promise<SubscriptionVerdict> => {
        try {
          const granted = await this.client.subscribeAsync({ [s.filter]: options } as Parameters<MqttClient['subscribeAsync']>[0], packetOptions);
          const code = granted[0]?.qos ?? 0;
          // Remembered so it is made again after a reconnect.
          if (code < 0x80) this.subscriptions.set(s.filter, s);
          return { filter: s.filter, ok: code < 0x80, reasonCode: code };
        } catch (error) {
          const e = error as { code?: unknown; message?: unknown; packet?: { granted?: number[]; properties?: { reasonString?: string } } };
          const code = e.packet?.granted?.[0] ?? (typeof e.code === 'number' ? e.code : 0x80);
          const why = e.packet?.properties?.reasonString ?? String(e.message ?? error);
          return { filter: s.filter, ok: false, reasonCode: code, reason: `The broker refused "${s.filter}" (reason 0x${code.toString(16)}): ${why}` };
        }
      }),
    );
  }

  /**
   * Asks the broker again for every current subscription, so their states show its verdict now:
   * after the broker's access rules changed, a subscription they deny is shown refused, with why.
   */
  async resubscribe(): Promise<void> {
    if (!this.client.connected) return;
    await this.subscribe();
  }

  /** Unsubscribes; resolves with the UNSUBACK's reason codes (MQTT 5) when the broker sent any. */
  async removeSubscriptions(filters: readonly string[]): Promise<readonly number[]> {
    if (!this.client.connected) throw new TopiaryError('NOT_CONNECTED', `"${this.info.name}" is not connected; connect it first.`);
    for (const filter of filters) {
      this.subscriptions.delete(filter);
      this.subscriptionStates.delete(filter);
    }
    this.update({ subscriptions: [...this.subscriptionStates.values()] });
    const ack = (await this.client.unsubscribeAsync([...filters])) as { granted?: number[] } | undefined;
    return ack?.granted ?? [];
  }

  private flushQueue(): void {
    const waiting = this.queue.splice(0);
    if (waiting.length === 0) return;
    // Sent in one go, in order: MQTT.js writes each packet to the stream as it is called.
    for (const { args, settle } of waiting) {
      const sent = this.send(args);
      if (settle) sent.then(settle.resolve, settle.reject);
      else sent.catch(() => undefined);
    }
    this.update({ queuedCount: this.queue.length });
  }

  private async send(args: PublishArgs): Promise<PublishResult> {
    this.checkPublishSize(args);
    const options = publishOptions(args.qos, args.retain, args.properties, this.args.protocolVersion === 5);
    const started = performance.now();
    try {
      const packet = await this.client.publishAsync(args.topic, payloadBuffer(args.payload), options);
      const ack = packet as { messageId?: number; reasonCode?: number } | undefined;
      return {
        ...(ack?.messageId !== undefined && args.qos > 0 ? { packetId: ack.messageId } : {}),
        ...(ack?.reasonCode !== undefined ? { reasonCode: ack.reasonCode } : {}),
        roundTripMs: args.qos === 0 ? 0 : performance.now() - started,
      };
    } catch (error) {
      const e = error as { code?: unknown; message?: unknown };
      // MQTT.js's word for a publish we took out of its store because the broker refused it.
      if (e.message === 'Message removed') throw this.refusals.shift() ?? new TopiaryError('PUBLISH_FAILED', 'The broker refused the message.');
      throw new TopiaryError('PUBLISH_FAILED', `The broker refused the message: ${String(e.message ?? error)}`, {
        ...(typeof e.code === 'number' ? { reasonCode: e.code } : {}),
      });
    }
  }

  /** Why the connection ended when nothing reported an error: where in the handshake it was says most. */
  private silentCloseReason(): ErrorData {
    if (!this.handshakeDone) {
      return {
        code: 'TLS_ERROR',
        message: `${this.address()} closed the connection during the TLS handshake. Check that this port serves TLS (use mqtt:// or ws:// for a plain listener), and whether the broker requires a client certificate.`,
      };
    }
    return {
      code: 'CONNECTION_FAILED',
      message:
        this.info.state === 'connected'
          ? `${this.address()} closed the connection.`
          : `${this.address()} closed the connection before the MQTT handshake finished. Check the scheme, port and protocol version.`,
    };
  }

  private address(): string {
    const b = this.endpoint();
    return `${b.host}:${b.port}`;
  }

  /**
   * A PUBLISH that carries only a Topic Alias gets its topic here, before MQTT.js handles it: MQTT.js resolves
   * the alias for QoS 0 and 1, but delivers a QoS 2 message on PUBREL from the packet it stored, topic empty.
   */
  private fillAliasedTopic(packet: IPublishPacket): void {
    const alias = packet.properties?.topicAlias;
    if (alias === undefined || packet.topic !== '') return;
    const known = this.inboundAliases?.getTopicByAlias(alias);
    if (known !== undefined) packet.topic = known;
  }

  /** The broker this attempt goes to: where a Server Reference sent us, else the failover list's current one. */
  private endpoint(): BrokerUrl {
    return this.redirectTarget?.url ?? (this.brokers[this.target] as BrokerUrl);
  }

  private noteReferral(reasonCode: number, serverReference: string | undefined): void {
    if ((reasonCode === USE_ANOTHER_SERVER || reasonCode === SERVER_MOVED) && serverReference !== undefined) this.referral = { reasonCode, serverReference };
  }

  /**
   * The broker refused us or disconnected us with 0x9C/0x9D and a Server Reference: connect to that server at once,
   * as failover would, and say why. False when there is none, or it cannot be followed (the error then says why).
   */
  private followReferral(): boolean {
    const referral = this.referral;
    this.referral = undefined;
    if (!referral) return false;
    const permanent = referral.reasonCode === SERVER_MOVED;
    const from = formatBrokerUrl(this.endpoint());
    const said = permanent ? 'has moved for good' : 'asked the client to use another server';
    const target = resolveServerReference(referral.serverReference, this.endpoint());
    const details = { reasonCode: referral.reasonCode, serverReference: referral.serverReference };
    if (!target.ok || this.redirectsInARow >= MAX_REDIRECTS) {
      const why = !target.ok ? target.message : `It was the ${MAX_REDIRECTS + 1}th referral in a row without any server accepting the connection, so Topiary stopped following them.`;
      this.attemptError = { code: 'CONNECTION_FAILED', message: `${from} ${said} ("${referral.serverReference}"). ${why}`, details };
      return false;
    }
    this.redirectsInARow++;
    this.redirectTarget = { url: target.url, permanent };
    const to = formatBrokerUrl(target.url);
    const redirect: ServerRedirect = {
      from,
      to,
      serverReference: referral.serverReference,
      reasonCode: referral.reasonCode,
      permanent,
      reason: `${from} ${said} (reason 0x${referral.reasonCode.toString(16)}); following its Server Reference to ${to}.`,
      at: Date.now(),
    };
    if (this.info.state === 'connected') {
      const { reconnect: _r, ...rest } = this.info;
      this.info = { ...rest, state: 'reconnecting', since: Date.now(), redirect, error: { code: 'CONNECTION_FAILED', message: redirect.reason, details } };
      this.hooks.status(this.info);
    } else {
      this.update({ redirect });
    }
    this.open();
    return true;
  }

  private setState(state: ConnectionState, error?: ErrorData): void {
    const { error: _previous, reconnect: _r, ...rest } = this.info;
    this.info = { ...rest, state, since: Date.now(), ...(error ? { error } : {}) };
    this.hooks.status(this.info);
  }

  private update(patch: Partial<ConnectionInfo>): void {
    this.info = { ...this.info, ...patch };
    this.hooks.status(this.info);
  }
}

/** A filter short enough to quote in a sentence. */
function shortFilter(filter: string): string {
  return filter.length > 80 ? `${filter.slice(0, 77)}…` : filter;
}

/** One filter's options in a SUBSCRIBE (MQTT 5's no-local, retain-as-published and retain handling when v5). */
type SubscribeOptions = { qos: 0 | 1 | 2; nl?: boolean; rap?: boolean; rh?: number };

/** The SUBSCRIBE packet MQTT.js would write for these filters, to measure it before sending. */
function subscribePacket(filters: Readonly<Record<string, SubscribeOptions>>, properties?: { subscriptionIdentifier: number }): ISubscribePacket {
  return {
    cmd: 'subscribe',
    messageId: 1,
    subscriptions: Object.entries(filters).map(([topic, options]) => ({ topic, ...options })),
    ...(properties ? { properties } : {}),
  } as ISubscribePacket;
}

/** Whether the TLS options give a DTLS session anything to stand on: a CA to check the broker, a client identity or a PSK. */
function hasDtlsMaterial(tls: ConnectArgsParsed['tls']): boolean {
  if (!tls) return false;
  return (tls.ca?.length ?? 0) > 0 || (tls.caIds?.length ?? 0) > 0 || tls.systemCa === true || tls.rejectUnauthorized === false || tls.pskIdentity !== undefined || tls.psk !== undefined || tls.cert !== undefined || tls.pkcs12 !== undefined || tls.identityId !== undefined;
}
