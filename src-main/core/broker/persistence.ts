import { causeOf, contractError } from '../../../shared/ipc/errors';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Message } from './message';
import type { QoS, SubscriptionInfo } from './types';

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
  /** The session's sequence number for it (journal records refer to it). */
  readonly seq?: number;
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

/** One change to the persistent state, as the journal records it. */
export type JournalOp =
  /** A retained message set (an empty payload clears it). */
  | { readonly t: 'ret'; readonly m: StoredMessage; readonly at: number }
  | { readonly t: 'delret'; readonly topic: string; readonly subtree: boolean }
  /** A persistent session opened or changed (expiry 0: it ends at disconnect). */
  | { readonly t: 'ses'; readonly c: string; readonly u?: string; readonly x: number }
  | { readonly t: 'end'; readonly c: string }
  | { readonly t: 'sub'; readonly c: string; readonly s: SubscriptionInfo }
  | { readonly t: 'unsub'; readonly c: string; readonly f: string }
  /** A QoS 1/2 message for a session, with the session's sequence number for it. */
  | { readonly t: 'out'; readonly c: string; readonly n: number; readonly m: StoredMessage; readonly q: QoS; readonly r: boolean; readonly ids?: readonly number[] }
  /** Sent to the client with this packet id. */
  | { readonly t: 'tx'; readonly c: string; readonly n: number; readonly p: number }
  /** The client's PUBREC arrived: PUBREL is due. */
  | { readonly t: 'rel'; readonly c: string; readonly n: number }
  /** Its flow is over (acknowledged, refused, or expired). */
  | { readonly t: 'done'; readonly c: string; readonly n: number }
  /** An inbound QoS 2 packet id delivered and awaiting PUBREL, and its release. */
  | { readonly t: 'in2'; readonly c: string; readonly p: number }
  | { readonly t: 'rel2'; readonly c: string; readonly p: number };

/** A store that journals: the broker records each change and commits before any acknowledgement leaves. */
export interface BrokerJournal {
  record(op: JournalOp): void;
  /** Writes everything recorded so far; called before client output is written. */
  commit(): void;
  /** Starts a compaction when the journal has grown enough. */
  compactIfDue(snapshot: () => BrokerSnapshot): void;
  close(): void;
}

/** Where the broker keeps its state between runs. */
export interface PersistenceStore {
  load(): Promise<BrokerSnapshot | undefined>;
  save(snapshot: BrokerSnapshot): Promise<void>;
  /** Present on stores that journal every change (then `save` runs only at stop). */
  readonly journal?: BrokerJournal;
  /**
   * True for a store whose state cannot outlive the process (memory): `save` runs only at stop. A save copies every
   * retained message, so a periodic one would repeat that work every second after any change (a subscribe, say), for nothing.
   */
  readonly savesOnlyAtStop?: boolean;
}

/** Keeps the last snapshot in memory: state survives stop() + a new broker given the same store. */
export class MemoryStore implements PersistenceStore {
  readonly savesOnlyAtStop = true;
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
      throw contractError('PERSISTENCE_READ_FAILED', `Could not read the broker state file ${this.file}; check its permissions.`, causeOf(e));
    }
    try {
      const parsed = JSON.parse(text) as BrokerSnapshot;
      if (parsed.version !== 1) throw new Error(`unknown version ${String(parsed.version)}`);
      return parsed;
    } catch (e) {
      throw contractError('PERSISTENCE_CORRUPT', `The broker state file ${this.file} is damaged; move it away to start with an empty state.`, causeOf(e));
    }
  }

  save(snapshot: BrokerSnapshot): Promise<void> {
    // Serialise writes so an older snapshot never renames over a newer one.
    this.writing = this.writing.then(async () => {
      // Payloads are users' data: only the owner may read them.
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      await chmod(this.dir, 0o700);
      const tmp = `${this.file}.${process.pid}.tmp`;
      await writeFile(tmp, JSON.stringify(snapshot), { mode: 0o600 });
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
