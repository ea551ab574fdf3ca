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
import type { AppState } from '../../store/root-store';
import { KIND_ORDER } from './certificate-format';
import type { CertificatesView } from './state';

/**
 * Reads of the certificates slice, and derivations of the list a component already holds
 * (those take the list, so a component can memoise on it).
 */
export const certificateSelectors = {
  list: (s: AppState): CertificatesList | null => s.certificates.list,
  view: (s: AppState): CertificatesView => s.certificates.view,
  systemRoots: (s: AppState): SystemRootsListing | null => s.certificates.systemRoots,
  lastTest: (s: AppState): BrokerTlsTestResult | null => s.certificates.lastTest,
  errors: (s: AppState): Readonly<Record<string, ErrorData>> => s.certificates.errors,
  /** The last failure of one area ('list', 'import', 'details', 'generate', 'test', 'roots', 'chain', 'export', 'delete'). */
  errorOf:
    (area: string) =>
    (s: AppState): ErrorData | undefined =>
      s.certificates.errors[area],
  busyOf:
    (area: string) =>
    (s: AppState): boolean =>
      s.certificates.busy[area] ?? false,
  /** The chain report of `id`, once built. */
  chainOf:
    (id: CertificateId) =>
    (s: AppState): ChainReport | null =>
      s.certificates.chain?.id === id ? s.certificates.chain.report : null,
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

