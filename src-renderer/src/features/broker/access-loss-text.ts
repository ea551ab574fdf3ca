import type { AccessLoss } from '../../../../shared/ipc/broker';

/** Who a loss is about, in words: Topiary's own connections by name, others by client id and user. */
export function accessLossWho(loss: AccessLoss): string {
  const user = loss.username !== undefined ? `user ${loss.username}` : 'anonymous';
  if (loss.topiaryConnection !== undefined) return `Topiary's own connection "${loss.topiaryConnection}" (${user})`;
  return `${loss.clientId} (${user})`;
}

/** What a client would lose, in words, one sentence a kind. */
export function accessLossWhat(loss: AccessLoss): string[] {
  const out: string[] = [];
  if (loss.refusedAtConnect !== undefined) out.push(`Its next login is refused: ${loss.refusedAtConnect}.`);
  if (loss.deniedSubscriptions.length > 0) out.push(`Stops receiving on ${loss.deniedSubscriptions.join(', ')}.`);
  if (loss.deniedPublishes.length > 0) out.push(`May no longer publish to ${loss.deniedPublishes.join(', ')}.`);
  return out;
}
