import type { ConnectionId } from '../../../../shared/ipc/common';
import { PAYLOAD_CHUNK_MAX } from '../../../../shared/ipc/explorer';
import { core } from '../../ipc/core-client';

/** The whole payload of a message, fetched in chunks so no single frame carries 50 MB. */
export async function fetchPayload(connectionId: ConnectionId, topic: string, n: number, size: number): Promise<Uint8Array> {
  const out = new Uint8Array(size);
  for (let offset = 0; offset < size; offset += PAYLOAD_CHUNK_MAX) {
    const chunk = await core.invoke('explorer.payload', { connectionId, topic, n, offset, length: PAYLOAD_CHUNK_MAX });
    out.set(chunk.bytes, offset);
  }
  return out;
}

export function fileNameFor(topic: string): string {
  const safe = topic.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^_+|_+$/g, '');
  return `${safe || 'payload'}.bin`;
}
