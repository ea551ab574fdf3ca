import type { AccessLoss, AccessPreview } from '../../../shared/ipc/broker';
import { Acl } from './acl';
import type { AclRule, ClientInfo } from './types';

/** The access settings a preview compares: what the broker enforces now, and what it would enforce. */
export interface AccessRules {
  readonly acl: readonly AclRule[];
  readonly allowAnonymous: boolean;
  readonly usernames: ReadonlySet<string>;
}

/**
 * Who loses what if `next` replaced `current`: only access a client has now and would not have
 * after (a subscription it holds, a topic it published to, its next login). `ownName` names
 * Topiary's own connections so the warning can say that the app itself is among them.
 */
export function previewAccessLoss(
  clients: readonly ClientInfo[],
  current: AccessRules,
  next: AccessRules,
  ownName: (client: ClientInfo) => string | undefined,
): AccessPreview {
  const before = new Acl(current.acl);
  const after = new Acl(next.acl);
  const losses: AccessLoss[] = [];
  for (const c of clients) {
    const who = { username: c.username, clientId: c.clientId };
    const deniedSubscriptions = c.subscriptions.map((s) => s.filter).filter((f) => before.canSubscribe(who, f) && !after.canSubscribe(who, f));
    const deniedPublishes = c.publishedTopics.filter((t) => before.canPublish(who, t) && !after.canPublish(who, t));
    const refusedAtConnect = loginLoss(c, current, next);
    if (deniedSubscriptions.length === 0 && deniedPublishes.length === 0 && refusedAtConnect === undefined) continue;
    const name = ownName(c);
    losses.push({
      clientId: c.clientId,
      ...(c.username !== undefined ? { username: c.username } : {}),
      ...(name !== undefined ? { topiaryConnection: name } : {}),
      ...(refusedAtConnect !== undefined ? { refusedAtConnect } : {}),
      deniedSubscriptions,
      deniedPublishes,
    });
  }
  // Topiary's own connections first: they are the loss a user least expects.
  losses.sort((a, b) => Number(b.topiaryConnection !== undefined) - Number(a.topiaryConnection !== undefined));
  return { losses, topiaryAffected: losses.some((l) => l.topiaryConnection !== undefined) };
}

function loginLoss(c: ClientInfo, current: AccessRules, next: AccessRules): string | undefined {
  if (c.username === undefined) return current.allowAnonymous && !next.allowAnonymous ? 'anonymous logins would be refused' : undefined;
  // A name from a certificate's CN is not in the user list and does not depend on it.
  return current.usernames.has(c.username) && !next.usernames.has(c.username) ? `its user "${c.username}" would be removed` : undefined;
}
