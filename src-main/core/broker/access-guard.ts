import type { Acl, AclSubject } from './acl';
import type { Message } from './message';
import type { Outgoing } from './session';
import type { ClientIdentity } from './connection-host';

/**
 * What happens when a persistent session is resumed under another user name than the one it was made for:
 * `start-clean` discards it (the new user gets an empty session), `refuse` turns the connection away.
 */
export type SessionOwnerMismatch = 'start-clean' | 'refuse';

/** True when `username` may take over a session created by `owner` (both anonymous counts as the same). */
export function sameOwner(owner: string | undefined, username: string | undefined): boolean {
  return owner === username;
}

/** May this client's will be published? Checked at CONNECT and again when the will is due, since rules may change between. */
export function willPermitted(acl: Acl, who: AclSubject, will: Message): boolean {
  return !acl.enabled || acl.canPublish(who, will.topic);
}

/**
 * A predicate keeping the queued and in-flight messages the subject may still read. Rules can change while a session is
 * offline, and a message already on its way is re-sent on resume: both must pass the rules in force at delivery.
 * Messages awaiting PUBCOMP stay: the client already has them.
 */
export function stillReadable(mayReceive: (who: ClientIdentity, topic: string) => boolean, who: ClientIdentity): (out: Outgoing) => boolean {
  return (out) => out.state === 'pubrel' || mayReceive(who, out.message.topic);
}
