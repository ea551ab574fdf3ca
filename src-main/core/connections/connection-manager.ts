import { randomUUID } from 'node:crypto';
import mqtt, { type IClientOptions, type IClientPublishOptions, type MqttClient } from 'mqtt';
import type { ConnectionId, MessageView } from '../../../shared/ipc/common';
import type { ConnectionInfo, ConnectionState } from '../../../shared/ipc/connections';
import { TopiaryError, type ErrorData } from '../../../shared/ipc/errors';
import type { ParsedArg } from '../../../shared/ipc/contract';
import type { PublishResult } from '../../../shared/ipc/publish';
import { formatBrokerUrl, parseBrokerUrl } from '../../../shared/mqtt/broker-url';
import { classifyConnectionError, describeServerDisconnect } from './connection-errors';
import { pairsToUserProperties, messageFromPacket } from './message-from-packet';

export interface ConnectionEvents {
  status(info: ConnectionInfo): void;
  message(connectionId: ConnectionId, message: MessageView): void;
  /** The connection is gone (disconnected, or its first attempt failed); drop what hangs off it. */
  closed(connectionId: ConnectionId): void;
}

interface Live {
  info: ConnectionInfo;
  readonly client: MqttClient;
}

type ConnectArgs = ParsedArg<'connections.connect'>;
type PublishArgs = ParsedArg<'publish.send'>;

const RECONNECT_PERIOD_MS = 1_000;

/** Holds the live MQTT connections; one MQTT.js client each. */
export class ConnectionManager {
  private readonly live = new Map<ConnectionId, Live>();

  constructor(private readonly events: ConnectionEvents) {}

  list(): ConnectionInfo[] {
    return [...this.live.values()].map((l) => l.info);
  }

  get(connectionId: ConnectionId): ConnectionInfo {
    return this.require(connectionId).info;
  }

  /** Connects and resolves once the broker accepted (CONNACK), or rejects with a classified error. */
  async connect(args: ConnectArgs): Promise<ConnectionInfo> {
    const parsed = parseBrokerUrl(args.url);
    if (!parsed.ok) throw new TopiaryError('VALIDATION_ERROR', parsed.message);
    const url = parsed.url;
    const connectionId = randomUUID() as ConnectionId;
    const address = `${url.host}:${url.port}`;
    const options: IClientOptions = {
      protocol: url.scheme,
      host: url.host.replace(/^\[|\]$/g, ''),
      port: url.port,
      ...(url.path ? { path: url.path } : {}),
      protocolVersion: args.protocolVersion,
      clientId: args.clientId && args.clientId.length > 0 ? args.clientId : `topiary-${randomUUID().slice(0, 8)}`,
      keepalive: args.keepalive,
      connectTimeout: args.connectTimeoutMs,
      // The first attempt reports its failure to the caller; reconnecting starts once connected.
      reconnectPeriod: 0,
      clean: true,
      ...(args.username !== undefined ? { username: args.username } : {}),
      ...(args.password !== undefined ? { password: args.password } : {}),
      ...(args.protocolVersion === 5 ? { properties: { topicAliasMaximum: 100 } } : {}),
    };
    const client = mqtt.connect(options);
    const info: ConnectionInfo = {
      connectionId,
      name: args.name ?? formatBrokerUrl(url),
      url: formatBrokerUrl(url),
      protocolVersion: args.protocolVersion,
      state: 'connecting',
      since: Date.now(),
    };
    const entry: Live = { info, client };
    this.live.set(connectionId, entry);
    this.events.status(info);

    try {
      await new Promise<void>((resolve, reject) => {
        const onConnect = (): void => {
          cleanup();
          resolve();
        };
        const onError = (error: unknown): void => {
          cleanup();
          reject(classifyConnectionError(error, { address, connectTimeoutMs: args.connectTimeoutMs }));
        };
        const onClose = (): void => {
          cleanup();
          reject(new TopiaryError('CONNECTION_FAILED', `${address} closed the connection before the MQTT handshake finished. Check the scheme, port and protocol version.`));
        };
        const cleanup = (): void => {
          client.off('connect', onConnect);
          client.off('error', onError);
          client.off('close', onClose);
        };
        client.on('connect', onConnect);
        client.on('error', onError);
        client.on('close', onClose);
      });
    } catch (error) {
      client.end(true);
      const data = error instanceof TopiaryError ? error.toData() : { code: 'CONNECTION_FAILED' as const, message: String(error) };
      this.setState(entry, 'error', data);
      this.live.delete(connectionId);
      this.events.closed(connectionId);
      throw error;
    }

    client.options.reconnectPeriod = RECONNECT_PERIOD_MS;
    this.wire(entry, address, args);
    this.setState(entry, 'connected');
    await this.subscribe(entry, args.subscriptions);
    return entry.info;
  }

  async disconnect(connectionId: ConnectionId): Promise<ConnectionInfo> {
    const entry = this.require(connectionId);
    await entry.client.endAsync();
    this.setState(entry, 'disconnected');
    this.live.delete(connectionId);
    this.events.closed(connectionId);
    return entry.info;
  }

  async publish(args: PublishArgs): Promise<PublishResult> {
    const entry = this.require(args.connectionId);
    if (entry.info.state === 'disconnected' || entry.info.state === 'error') {
      throw new TopiaryError('NOT_CONNECTED', `"${entry.info.name}" is not connected; connect it first.`);
    }
    const payload = typeof args.payload === 'string' ? Buffer.from(args.payload, 'utf8') : Buffer.from(args.payload.buffer, args.payload.byteOffset, args.payload.byteLength);
    const options: IClientPublishOptions = { qos: args.qos, retain: args.retain };
    if (args.properties && entry.info.protocolVersion === 5) {
      const { userProperties, correlationData, subscriptionIdentifiers: _ignored, ...rest } = args.properties;
      options.properties = {
        ...rest,
        ...(userProperties ? { userProperties: pairsToUserProperties(userProperties) } : {}),
        ...(correlationData ? { correlationData: Buffer.from(correlationData) } : {}),
      };
    }
    const started = performance.now();
    try {
      const packet = await entry.client.publishAsync(args.topic, payload, options);
      const ack = packet as { messageId?: number; reasonCode?: number } | undefined;
      return {
        ...(ack?.messageId !== undefined && args.qos > 0 ? { packetId: ack.messageId } : {}),
        ...(ack?.reasonCode !== undefined ? { reasonCode: ack.reasonCode } : {}),
        roundTripMs: args.qos === 0 ? 0 : performance.now() - started,
      };
    } catch (error) {
      const e = error as { code?: unknown; message?: unknown };
      throw new TopiaryError('PUBLISH_FAILED', `The broker refused the message: ${String(e.message ?? error)}`, {
        ...(typeof e.code === 'number' ? { reasonCode: e.code } : {}),
      });
    }
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.live.keys()].map((id) => this.disconnect(id).catch(() => undefined)));
  }

  private require(connectionId: ConnectionId): Live {
    const entry = this.live.get(connectionId);
    if (!entry) throw new TopiaryError('NOT_FOUND', 'That connection no longer exists; it may have been closed.');
    return entry;
  }

  private setState(entry: Live, state: ConnectionState, error?: ErrorData): void {
    const { error: _previous, ...rest } = entry.info;
    entry.info = { ...rest, state, since: Date.now(), ...(error ? { error } : {}) };
    this.events.status(entry.info);
  }

  private wire(entry: Live, address: string, args: ConnectArgs): void {
    const { client } = entry;
    const id = entry.info.connectionId;
    let lastError: ErrorData | undefined;
    client.on('message', (_topic, _payload, packet) => {
      this.events.message(id, messageFromPacket(packet, Date.now()));
    });
    client.on('error', (error) => {
      lastError = classifyConnectionError(error, { address, connectTimeoutMs: args.connectTimeoutMs }).toData();
    });
    client.on('disconnect', (packet) => {
      lastError = { code: 'CONNECTION_FAILED', message: describeServerDisconnect(packet.reasonCode ?? 0, packet.properties?.reasonString) };
    });
    client.on('offline', () => {
      if (this.live.has(id)) this.setState(entry, 'reconnecting', lastError);
    });
    client.on('reconnect', () => {
      if (this.live.has(id)) this.setState(entry, 'reconnecting', lastError);
    });
    client.on('connect', () => {
      lastError = undefined;
      if (this.live.has(id) && entry.info.state !== 'connected') this.setState(entry, 'connected');
    });
  }

  private async subscribe(entry: Live, subscriptions: ConnectArgs['subscriptions']): Promise<void> {
    if (subscriptions.length === 0) return;
    // Retain-as-published (MQTT 5) so the explorer sees which messages the publisher retained.
    const rap = entry.info.protocolVersion === 5;
    const map: Record<string, { qos: 0 | 1 | 2; rap?: boolean }> = {};
    for (const s of subscriptions) map[s.filter] = rap ? { qos: s.qos, rap: true } : { qos: s.qos };
    // Made again on every reconnect by MQTT.js (resubscribe: true) for clean sessions.
    await entry.client.subscribeAsync(map);
  }
}
