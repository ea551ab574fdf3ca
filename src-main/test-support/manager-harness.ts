// A ConnectionManager whose events are recorded, and helpers to wait on them.
import type { ConnectionId, MessageView } from '../../shared/ipc/common';
import { ConnectArgsSchema, type ConnectArgs, type ConnectionInfo } from '../../shared/ipc/connections';
import { PublishArgsSchema, type PublishArgs } from '../../shared/ipc/publish';
import { waitFor } from './wait-for';
import { ConnectionManager, type ConnectionManagerOptions } from '../core/connections/connection-manager';

export interface Received {
  readonly connectionId: ConnectionId;
  readonly message: MessageView;
}

export interface ManagerHarness {
  readonly manager: ConnectionManager;
  readonly statuses: ConnectionInfo[];
  readonly received: Received[];
  connect(args: ConnectArgs): Promise<ConnectionInfo>;
  publish(args: PublishArgs): ReturnType<ConnectionManager['publish']>;
  /** Messages a connection received on a topic, as text. */
  texts(connectionId: ConnectionId, topic: string): string[];
  waitForState(connectionId: ConnectionId, state: ConnectionInfo['state'], timeoutMs?: number): Promise<ConnectionInfo>;
  waitForStatus(predicate: (info: ConnectionInfo) => boolean, what: string, timeoutMs?: number): Promise<ConnectionInfo>;
  close(): Promise<void>;
}

export function createManagerHarness(options: ConnectionManagerOptions = {}): ManagerHarness {
  const statuses: ConnectionInfo[] = [];
  const received: Received[] = [];
  const manager = new ConnectionManager(
    {
      status: (info) => statuses.push(info),
      message: (connectionId, message) => received.push({ connectionId, message }),
      closed: () => undefined,
    },
    options,
  );
  const waitForStatus = (predicate: (info: ConnectionInfo) => boolean, what: string, timeoutMs = 10_000): Promise<ConnectionInfo> =>
    waitFor(() => statuses.find(predicate), { timeoutMs, what });
  return {
    manager,
    statuses,
    received,
    connect: (args) => manager.connect(ConnectArgsSchema.parse(args)),
    publish: (args) => manager.publish(PublishArgsSchema.parse(args)),
    texts: (connectionId, topic) =>
      received.filter((r) => r.connectionId === connectionId && r.message.topic === topic).map((r) => Buffer.from(r.message.payload).toString('utf8')),
    waitForState: (connectionId, state, timeoutMs = 10_000) =>
      waitFor(
        () => {
          const info = manager.list().find((i) => i.connectionId === connectionId);
          return info?.state === state ? info : undefined;
        },
        { timeoutMs, what: `connection in state ${state}` },
      ),
    waitForStatus,
    close: () => manager.closeAll(),
  };
}
