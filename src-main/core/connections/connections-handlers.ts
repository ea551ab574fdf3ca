import type { ConnectionId } from '../../../shared/ipc/common';
import type { BrokerCheckReport } from '../../../shared/ipc/connections';
import type { ParsedArg } from '../../../shared/ipc/contract';
import type { DomainHandlers } from '../ipc/serve';
import type { CheckTarget } from './connection';
import type { ConnectionManager } from './connection-manager';

/** Runs a broker check (the library's checkBroker, which app-core hands in) against where a connection connects. */
export type BrokerChecker = (target: CheckTarget) => Promise<BrokerCheckReport>;

/** What else must learn of a new connection: the explorer keeps its subscriptions to list and edit them. */
export interface ConnectObserver {
  noteSubscriptions(connectionId: ConnectionId, subscriptions: ParsedArg<'connections.connect'>['subscriptions']): void;
}

/** The handlers for every `connections.*` request. */
export function connectionsHandlers(connections: ConnectionManager, observer: ConnectObserver, checkBroker: BrokerChecker): DomainHandlers<'connections'> {
  return {
    'connections.connect': async (args) => {
      const info = await connections.connect(args);
      observer.noteSubscriptions(info.connectionId, args.subscriptions);
      return info;
    },
    'connections.disconnect': ({ connectionId }) => connections.disconnect(connectionId),
    'connections.list': () => connections.list(),
    'connections.get': ({ connectionId }) => connections.get(connectionId),
    'connections.reconnect': ({ connectionId }) => connections.reconnect(connectionId),
    'connections.reopen': async ({ connectionId }) => {
      const args = connections.optionsOf(connectionId);
      const info = await connections.reopen(connectionId);
      observer.noteSubscriptions(info.connectionId, args.subscriptions);
      return info;
    },
    'connections.forget': ({ connectionId }) => ({ deleted: connections.forget(connectionId) ? 1 : 0 }),
    'connections.reauthenticate': ({ connectionId }) => connections.reauthenticate(connectionId),
    'connections.listPacketLog': ({ connectionId, ...window }) => connections.packetLog(connectionId, window),
    'connections.exportPacketLog': ({ connectionId, ...filter }) => connections.exportPacketLog(connectionId, filter),
    'connections.checkBroker': ({ connectionId }) => checkBroker(connections.checkTarget(connectionId)),
  };
}
