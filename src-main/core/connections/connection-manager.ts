import { loadDtlsTransport } from '../transport/mqtt-datagram-client';
import { randomUUID } from 'node:crypto';
import type { ConnectionId, ExportedText, MessageView } from '../../../shared/ipc/common';
import { packetLogExport } from './packet-log-export';
import type { ConnectionInfo, PacketLogPage } from '../../../shared/ipc/connections';
import { TopiaryError } from '../../../shared/ipc/errors';
import type { ParsedArg } from '../../../shared/ipc/contract';
import type { PublishResult } from '../../../shared/ipc/publish';
import { isSecureScheme } from '../../../shared/mqtt/broker-url';
import { brokerList } from './broker-list';
import { Connection, type CheckTarget, type ExtraSubscription, type SubscriptionVerdict } from './connection';
import type { PacketLogFilter, PacketLogWindow } from './packet-log';
import { resolveTls, type ResolvedTls, type TlsResolveOptions } from './tls-options';

export interface ConnectionEvents {
  status(info: ConnectionInfo): void;
  message(connectionId: ConnectionId, message: MessageView): void;
  /** The connection is gone (disconnected, or its first attempt failed); drop what hangs off it. */
  closed(connectionId: ConnectionId): void;
}

/**
 * Hands the manager's events to every service that follows connections, in the order they were added,
 * so the services can be created after the manager that feeds them.
 */
export class ConnectionEventFanOut implements ConnectionEvents {
  private readonly onStatus: ((info: ConnectionInfo) => void)[] = [];
  private readonly onMessage: ((connectionId: ConnectionId, message: MessageView) => void)[] = [];
  private readonly onClosed: ((connectionId: ConnectionId) => void)[] = [];

  add(listener: Partial<ConnectionEvents>): void {
    if (listener.status) this.onStatus.push(listener.status);
    if (listener.message) this.onMessage.push(listener.message);
    if (listener.closed) this.onClosed.push(listener.closed);
  }

  status(info: ConnectionInfo): void {
    for (const listener of this.onStatus) listener(info);
  }

  message(connectionId: ConnectionId, message: MessageView): void {
    for (const listener of this.onMessage) listener(connectionId, message);
  }

  closed(connectionId: ConnectionId): void {
    for (const listener of this.onClosed) listener(connectionId);
  }
}

export interface ConnectionManagerOptions extends TlsResolveOptions {
  /** Packets kept per connection in its log (10,000 by default). */
  readonly packetLogCapacity?: number;
}

type ConnectArgs = ParsedArg<'connections.connect'>;

/** How many closed connections keep their options to be opened again. */
const KEPT_CLOSED = 20;
type PublishArgs = ParsedArg<'publish.send'>;

/** Holds the live MQTT connections, one MQTT.js client each. */
export class ConnectionManager {
  private readonly live = new Map<ConnectionId, Connection>();
  // The options of every live connection and of the last few closed with Disconnect, oldest first, so a closed
  // entry can be opened again, or saved as a profile, with exactly what it connected with.
  private readonly options_ = new Map<ConnectionId, ConnectArgs>();

  constructor(
    private readonly events: ConnectionEvents,
    private readonly options: ConnectionManagerOptions = {},
  ) {}

  list(): ConnectionInfo[] {
    return [...this.live.values()].map((c) => c.current);
  }

  get(connectionId: ConnectionId): ConnectionInfo {
    return this.require(connectionId).current;
  }

  /**
   * Connects and resolves once a broker accepted (CONNACK) and the subscriptions are made; rejects with a
   * classified error (code + sentence) when every broker in the list failed once.
   */
  async connect(args: ConnectArgs): Promise<ConnectionInfo> {
    const brokers = brokerList(args);
    const usesTls = brokers.some((b) => isSecureScheme(b.scheme));
    const tls: ResolvedTls | undefined = usesTls ? await resolveTls(args.tls, this.options) : undefined;
    if (brokers.some((b) => b.scheme === 'mqtts-dtls')) await loadDtlsTransport();
    const connectionId = randomUUID() as ConnectionId;
    const clientId = chooseClientId(args);
    const connection = new Connection(
      connectionId,
      args,
      brokers,
      clientId,
      tls,
      {
        status: (info) => this.events.status(info),
        message: (id, message) => this.events.message(id, message),
      },
      this.options.packetLogCapacity,
    );
    this.live.set(connectionId, connection);
    this.options_.set(connectionId, args);
    try {
      await connection.start();
    } catch (error) {
      // A connection that never came up is not kept to be opened again.
      this.options_.delete(connectionId);
      // Unless disconnect() already took it away (and said so).
      if (this.live.delete(connectionId)) this.events.closed(connectionId);
      throw error;
    }
    return connection.current;
  }

  /** The options a live connection, or one closed with Disconnect and still kept, connected with (secrets included). */
  optionsOf(connectionId: ConnectionId): ConnectArgs {
    const args = this.options_.get(connectionId);
    if (!args) throw new TopiaryError('NOT_FOUND', 'That connection is no longer known; connect again from the bar or a profile.');
    return args;
  }

  /** Opens a connection closed with Disconnect again with the same options; the new connection has a new id. */
  async reopen(connectionId: ConnectionId): Promise<ConnectionInfo> {
    if (this.live.has(connectionId)) throw new TopiaryError('VALIDATION_ERROR', 'That connection is still open; disconnect it first.');
    const args = this.optionsOf(connectionId);
    const info = await this.connect(args);
    this.options_.delete(connectionId);
    return info;
  }

  /** Forgets a closed connection's options (the entry was removed from the list); a live one is left alone. */
  forget(connectionId: ConnectionId): boolean {
    if (this.live.has(connectionId)) return false;
    return this.options_.delete(connectionId);
  }

  /** Connects a stopped connection again with its client id (taking a taken-over session back); resolves at CONNACK. */
  async reconnect(connectionId: ConnectionId): Promise<ConnectionInfo> {
    const connection = this.require(connectionId);
    await connection.resume();
    return connection.current;
  }

  /** Where and as whom a connection connects, for a broker check beside it. */
  checkTarget(connectionId: ConnectionId): CheckTarget {
    return this.require(connectionId).checkTarget();
  }

  /** Proves the user again on a live connection (MQTT 5 re-authentication); resolves once the broker accepted. */
  async reauthenticate(connectionId: ConnectionId): Promise<ConnectionInfo> {
    const connection = this.require(connectionId);
    await connection.reauthenticate();
    return connection.current;
  }

  /** Ends a connection in any state; one still connecting makes its connect() reject. */
  async disconnect(connectionId: ConnectionId): Promise<ConnectionInfo> {
    const connection = this.require(connectionId);
    this.live.delete(connectionId);
    this.keepClosed(connectionId);
    await connection.stop();
    this.events.closed(connectionId);
    return connection.current;
  }

  // Moves a closed connection's options to the newest end and drops the oldest beyond the bound.
  private keepClosed(connectionId: ConnectionId): void {
    const args = this.options_.get(connectionId);
    if (!args) return;
    this.options_.delete(connectionId);
    this.options_.set(connectionId, args);
    let closed = [...this.options_.keys()].filter((id) => !this.live.has(id));
    while (closed.length > KEPT_CLOSED) {
      this.options_.delete(closed[0]!);
      closed = closed.slice(1);
    }
  }

  /** Sends now when connected; otherwise queues in order for the next connect (result.queued). */
  publish(args: PublishArgs): Promise<PublishResult> {
    return this.require(args.connectionId).publish(args);
  }

  /** Subscribes while connected (explorer's subscription panel); one verdict per filter. */
  addSubscriptions(connectionId: ConnectionId, subscriptions: readonly ExtraSubscription[]): Promise<SubscriptionVerdict[]> {
    return this.require(connectionId).addSubscriptions(subscriptions);
  }

  /** Makes a connection's subscriptions again, so their states show the broker's verdict now. */
  resubscribe(connectionId: ConnectionId): Promise<void> {
    return this.require(connectionId).resubscribe();
  }

  async removeSubscriptions(connectionId: ConnectionId, filters: readonly string[]): Promise<void> {
    await this.require(connectionId).removeSubscriptions(filters);
  }

  packetLog(connectionId: ConnectionId, window: PacketLogWindow): PacketLogPage {
    return this.require(connectionId).log.page(window);
  }

  exportPacketLog(connectionId: ConnectionId, filter: PacketLogFilter): ExportedText {
    const connection = this.require(connectionId);
    return packetLogExport(connection.current.name, connection.log.exportJsonLines(filter), new Date());
  }

  /** Drops the network connection without DISCONNECT, as a network failure would: the broker publishes the will. */
  abortTransport(connectionId: ConnectionId): void {
    this.require(connectionId).abortTransport();
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.live.keys()].map((id) => this.disconnect(id).catch(() => undefined)));
  }

  private require(connectionId: ConnectionId): Connection {
    const connection = this.live.get(connectionId);
    if (!connection) throw new TopiaryError('NOT_FOUND', 'That connection no longer exists; it may have been closed.');
    return connection;
  }
}

/**
 * An empty client id goes out empty where the protocol lets the broker assign one (MQTT 5, or 3.1.1 with a clean
 * session); MQTT 3.1, and 3.1.1 keeping its session, require an id, so one is made up.
 */
function chooseClientId(args: ConnectArgs): string {
  const given = args.clientId ?? '';
  if (given.length > 0) return given;
  const brokerMayAssign = args.protocolVersion === 5 || (args.protocolVersion === 4 && args.clean);
  return brokerMayAssign ? '' : `topiary-${randomUUID().slice(0, 8)}`;
}
