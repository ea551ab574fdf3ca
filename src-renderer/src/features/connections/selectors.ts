import type { ConnectionId } from '../../../../shared/ipc/common';
import type { ConnectionInfo, SubscriptionStatus } from '../../../../shared/ipc/connections';
import type { ErrorData } from '../../../../shared/ipc/errors';
import type { AppState } from '../../store/root-store';
import { CONNECTION_COLOURS } from './connection-identity';

const NO_SUBSCRIPTIONS: readonly SubscriptionStatus[] = [];

export const connectionsSelectors = {
  /** The broker's verdict on each subscription of a connection (stable when it has none). */
  subscriptionsOf: (s: AppState, connectionId: ConnectionId): readonly SubscriptionStatus[] => s.connections.byId[connectionId]?.subscriptions ?? NO_SUBSCRIPTIONS,
  byId: (s: AppState): Readonly<Record<string, ConnectionInfo>> => s.connections.byId,
  activeId: (s: AppState): ConnectionId | null => s.connections.activeId,
  /** The connection the window shows, if any. */
  active: (s: AppState): ConnectionInfo | null => (s.connections.activeId ? (s.connections.byId[s.connections.activeId] ?? null) : null),
  connecting: (s: AppState): boolean => s.connections.connecting,
  composing: (s: AppState): boolean => s.connections.composing,
  /** A listed connection's colour for its dot. */
  colourOf:
    (connectionId: ConnectionId) =>
    (s: AppState): string =>
      CONNECTION_COLOURS[s.connections.colours[connectionId] ?? 0] ?? CONNECTION_COLOURS[0]!,
  /**
   * The list's entries no saved profile owns (quick connects, the embedded broker's), live or closed, oldest first.
   * A new array: read with useShallow.
   */
  unsaved: (s: AppState): readonly ConnectionInfo[] => {
    const owned = new Set((s.profiles.list?.live ?? []).map((l) => l.connectionId));
    return s.connections.listed.flatMap((id) => {
      const info = s.connections.byId[id];
      return info && !owned.has(id) ? [info] : [];
    });
  },
  /** The shown connection is a listed one closed with Disconnect: the bar offers to open it again. */
  activeReopenable: (s: AppState): boolean => {
    const id = s.connections.activeId;
    return id !== null && s.connections.listed.includes(id) && s.connections.byId[id]?.state === 'disconnected';
  },
  connectError: (s: AppState): ErrorData | null => s.connections.connectError,
  /** Why the shown connection's tree is empty, when its subscriptions explain it (refused, or none at all); null otherwise. */
  emptyTreeReason: (s: AppState): string | null => {
    const active = s.connections.activeId ? s.connections.byId[s.connections.activeId] : undefined;
    if (!active || active.state !== 'connected' || !active.subscriptions) return null;
    const subs = active.subscriptions;
    if (subs.length === 0) return 'No subscriptions: add one (for example #) to see topics.';
    const refused = subs.filter((x) => x.state === 'refused');
    if (refused.length === subs.length) return `Empty because the broker refused every subscription. ${refused.map((x) => x.reason ?? `"${x.filter}" was refused.`).join(' ')}`;
    if (refused.length > 0) return `No messages yet on the granted subscriptions; the broker refused ${refused.map((x) => `"${x.filter}"`).join(', ')}.`;
    return null;
  },
};
