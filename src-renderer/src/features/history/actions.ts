import type { ConnectionId } from '../../../../shared/ipc/common';
import type { DiffResult, HistoryPage } from '../../../../shared/ipc/explorer';
import { core } from '../../ipc/core-client';

/** The topic's remembered messages, oldest first. */
export function fetchHistory(connectionId: ConnectionId, topic: string): Promise<HistoryPage> {
  return core.invoke('explorer.listHistory', { connectionId, topic, limit: 1000 });
}

/** A line diff of two remembered messages (a < b). */
export function diffMessages(connectionId: ConnectionId, topic: string, a: number, b: number): Promise<DiffResult> {
  return core.invoke('explorer.diff', { connectionId, topic, a, b });
}

export async function setHistoryBudget(connectionId: ConnectionId, budgetBytes: number): Promise<void> {
  await core.invoke('explorer.setHistoryBudget', { connectionId, budgetBytes });
}

/** The pause buffer's budget for a connection: most messages and bytes a pause holds before it counts drops. */
export async function setPauseBudget(connectionId: ConnectionId, messages: number, bytes: number): Promise<void> {
  await core.invoke('explorer.setPauseBudget', { connectionId, messages, bytes });
}
