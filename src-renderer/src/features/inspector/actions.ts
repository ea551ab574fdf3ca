import type { ConnectionId } from '../../../../shared/ipc/common';
import type { Arg, Result } from '../../../../shared/ipc/contract';
import { PAYLOAD_CHUNK_MAX, type InspectedMessage } from '../../../../shared/ipc/explorer';
import { core } from '../../ipc/core-client';
import { frameBatch } from '../../lib/frame-batch';
import { setSlice } from '../../store/root-store';
import { inspectedMessage, replaceInspectedMessage } from './live-message';

// The inspected topic's stream: batches only note the newest message; one store write per animation frame applies it.
let epoch = 0;
let pending: InspectedMessage | null = null;
let pendingCount = 0;
let pendingLoaded = false;
/** The last number given to a held message (inspector.messageVersion): never reused, so a view can tell two apart. */
let messageSeq = 0;

const flush = (): void => {
  const message = pending;
  pending = null;
  if (message) replaceInspectedMessage(message);
  setSlice('inspector', (s) => ({ messageVersion: message ? ++messageSeq : s.messageVersion, count: pendingCount, loaded: pendingLoaded }));
};
const apply = frameBatch(flush);

/** A topic's detail asked for at the click itself, before the page renders the new selection. */
let prefetched: { readonly connectionId: ConnectionId; readonly topic: string; readonly at: number; readonly detail: Promise<Result<'explorer.getTopic'>> } | null = null;
/** A prefetch older than this is not taken up (the inspector was not showing): its value may be long gone. */
const PREFETCH_FRESH_MS = 1_000;

/**
 * Asks the core for a topic's detail (its newest value, decoded) as the user picks it: the round trip then runs
 * while the page renders the selection, instead of after it. The inspector takes it up when it follows the topic.
 */
export function prefetchTopic(connectionId: ConnectionId, topic: string): void {
  const detail = fetchTopicDetail(connectionId, topic);
  detail.catch(() => undefined);
  prefetched = { connectionId, topic, at: performance.now(), detail };
}

function takePrefetched(connectionId: ConnectionId, topic: string): Promise<Result<'explorer.getTopic'>> | undefined {
  const p = prefetched;
  const hit = p !== null && p.connectionId === connectionId && p.topic === topic && performance.now() - p.at < PREFETCH_FRESH_MS ? p.detail : undefined;
  prefetched = null;
  return hit;
}

/** The newer of two messages of one topic (a batch may overtake the topic's detail, or the other way round). */
function newer(a: InspectedMessage | null, b: InspectedMessage | null): InspectedMessage | null {
  if (!a) return b;
  if (!b) return a;
  return b.n > a.n ? b : a;
}

/**
 * Inspects one topic: asks the core to stream it, follows the stream and loads the topic's detail.
 * Returns the stop; a newer inspect (or the stop) drops whatever the old one still receives.
 */
export function inspectTopic(connectionId: ConnectionId, topic: string): () => void {
  const mine = ++epoch;
  apply.cancel();
  pending = null;
  pendingCount = 0;
  pendingLoaded = false;
  replaceInspectedMessage(null);
  setSlice('inspector', { messageVersion: 0, count: 0, loaded: false, of: { connectionId, topic } });
  void watchTopic(connectionId, topic).catch(() => undefined);
  const off = core.on('explorer.messagesReceived', (batch) => {
    if (mine !== epoch || batch.connectionId !== connectionId) return;
    let last: InspectedMessage | undefined;
    for (const m of batch.messages) if (m.topic === topic) last = m;
    if (!last) return;
    pending = last;
    pendingCount = last.n;
    apply.schedule();
  });
  void (takePrefetched(connectionId, topic) ?? fetchTopicDetail(connectionId, topic)).then(
    (detail) => {
      if (mine !== epoch) return;
      const shown = newer(inspectedMessage(), pending);
      pending = newer(detail.lastMessage, shown);
      pendingCount = Math.max(pendingCount, detail.messageCount);
      pendingLoaded = true;
      // The answer to a click is shown at once, not on the next frame: it is one write, and the user waits for it.
      apply.cancel();
      flush();
    },
    () => undefined,
  );
  return () => {
    off();
    if (mine !== epoch) return;
    epoch++;
    apply.cancel();
  };
}

/** Asks the core to stream `topic`'s messages (null stops). */
export function watchTopic(connectionId: ConnectionId, topic: string | null): Promise<null> {
  return core.invoke('explorer.watch', { connectionId, topic });
}

export function fetchTopicDetail(connectionId: ConnectionId, topic: string): Promise<Result<'explorer.getTopic'>> {
  return core.invoke('explorer.getTopic', { connectionId, topic });
}

/** One message's payload, decoded in the core as asked. */
export function decodePayload(args: Arg<'explorer.decode'>): Promise<Result<'explorer.decode'>> {
  return core.invoke('explorer.decode', args);
}

/** Given bytes of a topic (a stored message), decoded in the core as asked, with the topic's binding for `auto`. */
export function decodeGivenPayload(args: Arg<'decoders.decodePayload'>): Promise<Result<'decoders.decodePayload'>> {
  return core.invoke('decoders.decodePayload', args);
}

/** The whole payload of a message, fetched in chunks so no single frame carries 50 MB. */
export async function fetchPayload(connectionId: ConnectionId, topic: string, n: number, size: number): Promise<Uint8Array> {
  const out = new Uint8Array(size);
  for (let offset = 0; offset < size; offset += PAYLOAD_CHUNK_MAX) {
    const chunk = await core.invoke('explorer.getPayload', { connectionId, topic, n, offset, length: PAYLOAD_CHUNK_MAX });
    out.set(chunk.bytes, offset);
  }
  return out;
}

/** Clears retained messages at a topic (or its subtree); a dry run only counts them. */
export function clearRetained(connectionId: ConnectionId, topic: string, subtree: boolean, dryRun = false): Promise<Result<'explorer.clearRetained'>> {
  return core.invoke('explorer.clearRetained', { connectionId, topic, subtree, ...(dryRun ? { dryRun: true } : {}) });
}
