import type { ConnectionId } from '../../../../shared/ipc/common';
import type { Series } from '../../../../shared/ipc/explorer';
import { core } from '../../ipc/core-client';

/** A numeric payload, or a JSON field (null: the whole payload), over the topic's history. */
export function fetchSeries(connectionId: ConnectionId, topic: string, field: string | null): Promise<Series> {
  return core.invoke('explorer.getSeries', { connectionId, topic, field });
}
