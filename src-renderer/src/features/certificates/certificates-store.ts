import { create } from 'zustand';
import type {
  BrokerTlsTestResult,
  CertificateEntryView,
  CertificateId,
  CertificateKind,
  CertificateListRow,
  CertificatesList,
  ChainReport,
  SystemRootsListing,
} from '../../../../shared/ipc/certificates';
import type { ErrorData } from '../../../../shared/ipc/errors';

/** What the right-hand side of the certificates panel shows. */
export type CertificatesView =
  | { readonly kind: 'empty' }
  | { readonly kind: 'details'; readonly id: CertificateId }
  | { readonly kind: 'import' }
  | { readonly kind: 'generate' }
  | { readonly kind: 'test-broker' }
  | { readonly kind: 'system-roots' };

/** The certificates panel's state; the list is small (tens of entries), so it lives here whole. */
export interface CertificatesState {
  readonly list: CertificatesList | null;
  readonly view: CertificatesView;
  /** The chain of the entry shown in details, once built. */
  readonly chain: { readonly id: CertificateId; readonly report: ChainReport } | null;
  readonly systemRoots: SystemRootsListing | null;
  readonly lastTest: BrokerTlsTestResult | null;
  readonly busy: Readonly<Record<string, boolean>>;
  /** The last failure per area ('list', 'import', 'details', 'generate', 'test', 'roots'). */
  readonly errors: Readonly<Record<string, ErrorData>>;
}

export const useCertificatesStore = create<CertificatesState>()(() => ({
  list: null,
  view: { kind: 'empty' },
  chain: null,
  systemRoots: null,
  lastTest: null,
  busy: {},
  errors: {},
}));

export const KIND_TITLES: Readonly<Record<CertificateKind, string>> = {
  'trusted-ca': 'Trusted CAs',
  'client-identity': 'Client identities',
  'server-identity': 'Server identities',
};

const KIND_ORDER: readonly CertificateKind[] = ['trusted-ca', 'client-identity', 'server-identity'];

/** Selectors, grouped so components and tests read state the same way. */
export const certificateSelectors = {
  /** Every kind with its entries (possibly none), in a fixed order; damaged files separately. */
  groups: (
    list: CertificatesList | null,
  ): { readonly groups: readonly (readonly [CertificateKind, readonly CertificateEntryView[]])[]; readonly corrupt: readonly Extract<CertificateListRow, { status: 'corrupt' }>[] } => {
    const byKind = new Map<CertificateKind, CertificateEntryView[]>(KIND_ORDER.map((k) => [k, []]));
    const corrupt: Extract<CertificateListRow, { status: 'corrupt' }>[] = [];
    for (const row of list?.rows ?? []) {
      if (row.status === 'ok') byKind.get(row.entry.kind)?.push(row.entry);
      else corrupt.push(row);
    }
    return { groups: KIND_ORDER.map((k) => [k, byKind.get(k) ?? []] as const), corrupt };
  },
  entry: (list: CertificatesList | null, id: CertificateId): CertificateEntryView | null => {
    for (const row of list?.rows ?? []) if (row.status === 'ok' && row.entry.id === id) return row.entry;
    return null;
  },
  ofKind: (list: CertificatesList | null, kind: CertificateKind): readonly CertificateEntryView[] =>
    (list?.rows ?? []).flatMap((r) => (r.status === 'ok' && r.entry.kind === kind ? [r.entry] : [])),
  /** Entries that need attention: expired, not yet valid, or expiring within the warning window. */
  warnings: (list: CertificatesList | null): readonly CertificateEntryView[] =>
    (list?.rows ?? []).flatMap((r) => (r.status === 'ok' && r.entry.expiry.state !== 'valid' ? [r.entry] : [])),
};

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
