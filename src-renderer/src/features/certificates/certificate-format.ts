import type { CertificateEntryView, CertificateKind } from '../../../../shared/ipc/certificates';

export const KIND_TITLES: Readonly<Record<CertificateKind, string>> = {
  'trusted-ca': 'Trusted CAs',
  'client-identity': 'Client identities',
  'server-identity': 'Server identities',
};

export const KIND_ORDER: readonly CertificateKind[] = ['trusted-ca', 'client-identity', 'server-identity'];

/** A short badge for a list row; null when the certificate is fine. */
export function expiryBadge(entry: Pick<CertificateEntryView, 'expiry'>): { readonly text: string; readonly tone: 'error' | 'warn' } | null {
  const { state, daysRemaining } = entry.expiry;
  switch (state) {
    case 'valid':
      return null;
    case 'expired':
      return { text: 'expired', tone: 'error' };
    case 'not-yet-valid':
      return { text: 'not yet valid', tone: 'error' };
    case 'expiring':
      return { text: daysRemaining <= 0 ? 'expires today' : `expires in ${daysRemaining} day${daysRemaining === 1 ? '' : 's'}`, tone: 'warn' };
  }
}

/** "in 12 days" / "3 days ago": the validity line's remaining time. */
export function daysRemainingText(days: number): string {
  if (days < 0) return `expired ${-days} day${days === -1 ? '' : 's'} ago`;
  if (days === 0) return 'expires today';
  return `${days} day${days === 1 ? '' : 's'} remaining`;
}

/** Splits a comma, space or newline separated list of names (SANs). */
export function splitNames(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** Says which imported entries were in the store already (the core returns those instead of duplicating them). */
export function importNoticeText(entries: readonly CertificateEntryView[], before: ReadonlySet<string>): string | null {
  const old = entries.filter((e) => before.has(e.id));
  if (old.length === 0) return null;
  const names = old.map((e) => `"${e.label}"`).join(', ');
  if (old.length === entries.length) return old.length === 1 ? `${names} is already in your store; nothing was added.` : `All of these are already in your store (${names}); nothing was added.`;
  return `Already in your store, so not added again: ${names}.`;
}
