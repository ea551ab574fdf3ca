import type {
  BrokerTlsTestResult,
  CertificateId,
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
  /** What the last import or trust action did, said on the entry it led to ("already in your store"). */
  readonly notice: { readonly id: CertificateId; readonly text: string } | null;
}

export const initialCertificatesState: CertificatesState = {
  list: null,
  view: { kind: 'empty' },
  chain: null,
  systemRoots: null,
  lastTest: null,
  busy: {},
  errors: {},
  notice: null,
};

