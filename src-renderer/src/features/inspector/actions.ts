import type { ConnectionId } from '../../../../shared/ipc/common';
import type { Arg, Result } from '../../../../shared/ipc/contract';
import { PAYLOAD_CHUNK_MAX, type MessageBatch } from '../../../../shared/ipc/explorer';
import { core } from '../../ipc/core-client';

/** Asks the core to stream `topic`'s messages (null stops). */
export function watchTopic(connectionId: ConnectionId, topic: string | null): Promise<null> {
  return core.invoke('explorer.watch', { connectionId, topic });
}

/** Follows the core's batched message stream; returns the unsubscribe. */
export function onMessages(listener: (batch: MessageBatch) => void): () => void {
  return core.on('explorer.messages', listener);
}

export function fetchTopicDetail(connectionId: ConnectionId, topic: string): Promise<Result<'explorer.topic'>> {
  return core.invoke('explorer.topic', { connectionId, topic });
}

/** One message's payload, decoded in the core as asked. */
export function decodePayload(args: Arg<'explorer.decode'>): Promise<Result<'explorer.decode'>> {
  return core.invoke('explorer.decode', args);
}

/** The whole payload of a message, fetched in chunks so no single frame carries 50 MB. */
export async function fetchPayload(connectionId: ConnectionId, topic: string, n: number, size: number): Promise<Uint8Array> {
  const out = new Uint8Array(size);
  for (let offset = 0; offset < size; offset += PAYLOAD_CHUNK_MAX) {
    const chunk = await core.invoke('explorer.payload', { connectionId, topic, n, offset, length: PAYLOAD_CHUNK_MAX });
    out.set(chunk.bytes, offset);
  }
  return out;
}

/** Clears retained messages at a topic (or its subtree); a dry run only counts them. */
export function clearRetained(connectionId: ConnectionId, topic: string, subtree: boolean, dryRun = false): Promise<Result<'explorer.clearRetained'>> {
  return core.invoke('explorer.clearRetained', { connectionId, topic, subtree, ...(dryRun ? { dryRun: true } : {}) });
}
