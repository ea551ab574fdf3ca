import { BrokerCore } from './broker-core';
import type { BrokerOptions } from './broker';

export type { Broker, BrokerOptions, LocalPublish } from './broker';
export type * from './types';
export type { ForwardedProperties, UserPropertyPairs } from './message';
export { ReasonCode, describeReason } from '../../../shared/mqtt/reason-codes';
export { parsePasswordFile, importPasswordFile, formatPasswordFile } from './password-file';
export { hashPassword, hashPasswordAsync, verifyPassword, verifyPasswordAsync, OWASP_PBKDF2_SHA512_ITERATIONS } from './password-hash';
export { parseAclFile, formatAclFile } from './acl';
export { createUserRecord } from './user-credentials';
export { MemoryStore, FileStore } from './persistence';
export { JournalStore, type JournalStoreOptions, type Recovery } from './journal-store';
export type { PersistenceStore, BrokerSnapshot } from './persistence';
export { brokerOptionsSchema, parseBrokerOptions, parsePersistenceConfig, type PersistenceConfig } from './options-schema';

import type { Broker } from './broker';

/** Creates an embedded MQTT broker; call `start()` (alias `listen()`) to open its listeners. */
export function createBroker(options: BrokerOptions = {}): Broker {
  return new BrokerCore(options);
}
