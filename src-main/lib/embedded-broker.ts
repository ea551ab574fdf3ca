import { EventEmitter } from 'node:events';
import { createBroker as createEngine, FileStore, type Broker, type BrokerEvent, type BrokerOptions, type BrokerStats, type ListenerConfig } from '../core/broker';

/** The embedded broker's options, plus shortcuts for the common case of one TCP listener. */
export interface EmbeddedBrokerOptions extends BrokerOptions {
  /** A TCP listener's port when no `listeners` are given; 0 (the default) picks a free one. */
  readonly port?: number;
  /** Its address; 127.0.0.1 by default (another address exposes the broker to the network). */
  readonly host?: string;
  /** Persist sessions, queued and retained messages in this folder (otherwise they live in memory). */
  readonly dataDir?: string;
}

export interface EmbeddedBrokerEvents {
  /** Clients connecting and leaving, refused logins, protocol errors, dropped messages. */
  event: [BrokerEvent];
}

/** A running embedded broker: its URLs, stats, events and the engine itself. */
export class EmbeddedBroker extends EventEmitter<EmbeddedBrokerEvents> {
  private readonly offEvents: () => void;

  constructor(
    /** The engine, with every management call the app uses (clients, retained, users, ACL). */
    readonly engine: Broker,
    /** Where each listener was bound, as URLs (mqtt://127.0.0.1:41234, ws://…). */
    readonly urls: readonly string[],
  ) {
    super();
    this.offEvents = engine.onEvent((e) => this.emit('event', e));
  }

  /** The first listener's URL. */
  get url(): string {
    return this.urls[0] as string;
  }

  stats(): BrokerStats {
    return this.engine.getStats();
  }

  /** Closes listeners and clients and saves persisted state. */
  async stop(): Promise<void> {
    this.offEvents();
    await this.engine.stop();
  }
}

/** Starts the same broker engine the app runs (listeners, users, ACL, limits, persistence). */
export async function createBroker(options: EmbeddedBrokerOptions = {}): Promise<EmbeddedBroker> {
  const { port, host, dataDir, ...engineOptions } = options;
  const listeners: ListenerConfig[] =
    engineOptions.listeners && engineOptions.listeners.length > 0 ? [...engineOptions.listeners] : [{ kind: 'tcp', port: port ?? 0, host: host ?? '127.0.0.1' }];
  const engine = createEngine({
    ...engineOptions,
    listeners,
    ...(dataDir !== undefined && engineOptions.persistence === undefined ? { persistence: new FileStore(dataDir) } : {}),
  });
  const bound = await engine.start();
  return new EmbeddedBroker(
    engine,
    bound.map((l) => l.url),
  );
}
