import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Message } from './message';
import type { QoS, SubscriptionInfo } from './types';
import { BrokerError } from './types';

/** A message in JSON-safe form. */
export interface StoredMessage {
  readonly topic: string;
  readonly payload: string;
  readonly qos: QoS;
  readonly retain: boolean;
  readonly expiresAt?: number;
  readonly origin?: string;
  readonly properties?: {
    readonly payloadFormatIndicator?: number;
    readonly contentType?: string;
    readonly responseTopic?: string;
    readonly correlationData?: string;
    readonly userProperties?: readonly (readonly [string, string])[];
  };
}

export interface StoredOutgoing {
  readonly message: StoredMessage;
  readonly qos: QoS;
  readonly retain: boolean;
  readonly subIds?: readonly number[];
  readonly packetId: number;
  readonly state: 'publish' | 'pubrel';
}

export interface StoredSession {
  readonly clientId: string;
  readonly username?: string;
  readonly expiryInterval: number;
  readonly subscriptions: readonly SubscriptionInfo[];
  readonly inflight: readonly StoredOutgoing[];
  readonly queued: readonly StoredOutgoing[];
  readonly inboundQos2: readonly number[];
}

/** Everything that survives a restart. */
export interface BrokerSnapshot {
  readonly version: 1;
  readonly savedAt: number;
  readonly retained: readonly { readonly message: StoredMessage; readonly storedAt: number }[];
  readonly sessions: readonly StoredSession[];
}

/** Where the broker keeps its state between runs. */
export interface PersistenceStore {
  load(): Promise<BrokerSnapshot | undefined>;
  save(snapshot: BrokerSnapshot): Promise<void>;
}

/** Keeps the last snapshot in memory: state survives stop() + a new broker given the same store. */
export class MemoryStore implements PersistenceStore {
  private snapshot: BrokerSnapshot | undefined;
  async load(): Promise<BrokerSnapshot | undefined> {
    return this.snapshot;
  }
  async save(snapshot: BrokerSnapshot): Promise<void> {
    this.snapshot = snapshot;
  }
}

/** One JSON file in a folder, replaced atomically (write to a temp file, then rename). */
export class FileStore implements PersistenceStore {
  private readonly file: string;
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly dir: string) {
    this.file = join(dir, 'broker-state.json');
  }

  async load(): Promise<BrokerSnapshot | undefined> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new BrokerError('PERSISTENCE_READ_FAILED', `Could not read the broker state file ${this.file}; check its permissions.`, e);
    }
    try {
      const parsed = JSON.parse(text) as BrokerSnapshot;
      if (parsed.version !== 1) throw new Error(`unknown version ${String(parsed.version)}`);
      return parsed;
    } catch (e) {
      throw new BrokerError('PERSISTENCE_CORRUPT', `The broker state file ${this.file} is damaged; move it away to start with an empty state.`, e);
    }
  }

  save(snapshot: BrokerSnapshot): Promise<void> {
    // Serialise writes so an older snapshot never renames over a newer one.
    this.writing = this.writing.then(async () => {
      await mkdir(this.dir, { recursive: true });
      const tmp = `${this.file}.${process.pid}.tmp`;
      await writeFile(tmp, JSON.stringify(snapshot));
      await rename(tmp, this.file);
    });
    return this.writing;
  }
}

export function storeMessage(m: Message): StoredMessage {
  const p = m.properties;
  return {
    topic: m.topic,
    payload: m.payload.toString('base64'),
    qos: m.qos,
    retain: m.retain,
    ...(m.expiresAt !== undefined ? { expiresAt: m.expiresAt } : {}),
    ...(m.origin !== undefined ? { origin: m.origin } : {}),
    ...(p
      ? {
          properties: {
            payloadFormatIndicator: p.payloadFormatIndicator,
            contentType: p.contentType,
            responseTopic: p.responseTopic,
            correlationData: p.correlationData?.toString('base64'),
            userProperties: p.userProperties,
          },
        }
      : {}),
  };
}

export function restoreMessage(s: StoredMessage): Message {
  const p = s.properties;
  return {
    topic: s.topic,
    payload: Buffer.from(s.payload, 'base64'),
    qos: s.qos,
    retain: s.retain,
    expiresAt: s.expiresAt,
    origin: s.origin,
    properties: p
      ? {
          payloadFormatIndicator: p.payloadFormatIndicator,
          contentType: p.contentType,
          responseTopic: p.responseTopic,
          correlationData: p.correlationData === undefined ? undefined : Buffer.from(p.correlationData, 'base64'),
          userProperties: p.userProperties,
        }
      : undefined,
  };
}
