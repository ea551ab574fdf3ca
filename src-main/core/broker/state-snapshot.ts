import { restoreMessage, storeMessage, type BrokerSnapshot, type StoredOutgoing } from './persistence';
import type { RetainedStore } from './retained-store';
import { Session, type Outgoing } from './session';
import { createSubscription, subscriptionInfo, type SubscriptionIndex } from './subscription-index';
import { parseSharedFilter } from './topic';

/** Retained messages and sessions with an expiry: what survives a restart. */
export function takeSnapshot(retained: RetainedStore, sessions: Iterable<Session>, now: number): BrokerSnapshot {
  const storeOut = (o: Outgoing): StoredOutgoing => ({
    message: storeMessage(o.message),
    qos: o.qos,
    retain: o.retain,
    ...(o.subIds ? { subIds: o.subIds } : {}),
    packetId: o.packetId,
    state: o.state,
    seq: o.seq,
  });
  return {
    version: 1,
    savedAt: now,
    // $SYS values are regenerated on start, so they are never saved.
    retained: retained
      .list()
      .filter((e) => !e.message.topic.startsWith('$SYS/'))
      .map((e) => ({ message: storeMessage(e.message), storedAt: e.storedAt })),
    sessions: [...sessions]
      .filter((s) => s.expiryInterval > 0)
      .map((s) => ({
        clientId: s.clientId,
        ...(s.username !== undefined ? { username: s.username } : {}),
        expiryInterval: s.expiryInterval,
        subscriptions: [...s.subscriptions.values()].map(subscriptionInfo),
        inflight: [...s.inflight.values()].map(storeOut),
        queued: s.queuedMessages().map(storeOut),
        inboundQos2: [...s.inboundQos2],
      })),
  };
}

/** Where a snapshot is restored into. */
export interface RestoreTarget {
  readonly retained: RetainedStore;
  readonly index: SubscriptionIndex;
  readonly sessions: Map<string, Session>;
}

/** Refills the broker's state from a snapshot; returns each restored session with the ms left before it expires (undefined: never). */
export function restoreSnapshot(snap: BrokerSnapshot, into: RestoreTarget, now: number, neverExpires: number): { readonly session: Session; readonly expiresInMs: number | undefined }[] {
  for (const r of snap.retained) into.retained.set(restoreMessage(r.message), r.storedAt);
  const restored: { session: Session; expiresInMs: number | undefined }[] = [];
  for (const s of snap.sessions) {
    const session = new Session(s.clientId);
    session.username = s.username;
    session.expiryInterval = s.expiryInterval;
    for (const info of s.subscriptions) {
      const shared = parseSharedFilter(info.filter);
      const sub = createSubscription(s.clientId, info.filter, shared ? shared.filter : info.filter, shared?.group, {
        qos: info.qos,
        noLocal: info.noLocal,
        retainAsPublished: info.retainAsPublished,
        retainHandling: info.retainHandling,
        subscriptionId: info.subscriptionId,
      });
      session.subscriptions.set(info.filter, sub);
      into.index.add(sub);
    }
    let seq = 0;
    for (const o of [...s.inflight, ...s.queued]) seq = Math.max(seq, o.seq ?? 0);
    // Snapshots from before sequence numbers: number them in order after any that have one.
    const restore = (o: StoredOutgoing): Outgoing => ({ ...o, message: restoreMessage(o.message), subIds: o.subIds, seq: o.seq || ++seq });
    for (const o of s.inflight) session.inflight.set(o.packetId, restore(o));
    for (const o of s.queued) session.restoreQueued(restore(o));
    session.restoreSequence(seq);
    for (const id of s.inboundQos2) session.inboundQos2.add(id);
    into.sessions.set(s.clientId, session);
    // The time spent stopped counts against the session's expiry.
    const expiresInMs = s.expiryInterval === neverExpires ? undefined : Math.max(0, s.expiryInterval * 1000 - (now - snap.savedAt));
    restored.push({ session, expiresInMs });
  }
  return restored;
}
