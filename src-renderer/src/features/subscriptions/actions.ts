import type { ConnectionId } from '../../../../shared/ipc/common';
import type { ExplorerSubscription, SubscriptionOutcome } from '../../../../shared/ipc/explorer';
import { core } from '../../ipc/core-client';

export function fetchSubscriptions(connectionId: ConnectionId): Promise<readonly ExplorerSubscription[]> {
  return core.invoke('explorer.listSubscriptions', { connectionId });
}

/** Subscribes; the outcomes carry the broker's SUBACK refusals. */
export function subscribe(connectionId: ConnectionId, subscriptions: readonly ExplorerSubscription[]): Promise<readonly SubscriptionOutcome[]> {
  return core.invoke('explorer.subscribe', { connectionId, subscriptions: [...subscriptions] });
}

export async function unsubscribe(connectionId: ConnectionId, filters: readonly string[]): Promise<void> {
  await core.invoke('explorer.unsubscribe', { connectionId, filters: [...filters] });
}
