import type { LocalPublish } from './broker-core';
import type { BoundListener, BrokerEvent, BrokerStats, ClientInfo, RetainedInfo, UserRecord, AclRule } from './types';

/** The embedded broker as the app and the CLI use it. */
export interface Broker {
  /** Restores persisted state and opens the listeners; resolves with what was bound. */
  start(): Promise<BoundListener[]>;
  /** Same as start(). */
  listen(): Promise<BoundListener[]>;
  /** Closes listeners and clients (v5 clients get DISCONNECT 0x8B) and saves state. */
  stop(): Promise<void>;
  readonly isRunning: boolean;
  boundListeners(): BoundListener[];
  listClients(): ClientInfo[];
  /** v5 clients get DISCONNECT 0x98; false when no such client is connected. */
  disconnectClient(clientId: string): boolean;
  listRetained(): RetainedInfo[];
  /** Deletes one topic's retained message or, with subtree, all below it too; returns the count. */
  deleteRetained(topic: string, subtree?: boolean): number;
  getStats(): BrokerStats;
  /** Publishes as the broker itself; returns how many sessions received it. */
  publish(p: LocalPublish): number;
  /** Subscribes to the event log; returns an unsubscribe function. */
  onEvent(listener: (e: BrokerEvent) => void): () => void;
  listUsers(): UserRecord[];
  setUsers(users: readonly UserRecord[]): void;
  setAllowAnonymous(allow: boolean): void;
  listAclRules(): readonly AclRule[];
  setAclRules(rules: readonly AclRule[]): void;
}
