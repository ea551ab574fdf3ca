import type { CertificateId, CertificateKind, CertificateListRow } from '../../../shared/ipc/certificates';
import type { CertificateDetails } from './certificate-details';
import type { ExpiryStatus } from './expiry-status';

/** What a store entry is for: the contract's kinds (a local CA generated here also keeps its key, to sign more). */
export type CertificateEntryKind = CertificateKind;

/** One store entry as the UI and other modules see it; no key material. */
export interface CertificateEntry {
  readonly id: CertificateId;
  readonly label: string;
  readonly kind: CertificateEntryKind;
  readonly createdAt: string;
  /** The leaf (or the CA itself for trusted-ca). */
  readonly certificate: CertificateDetails;
  /** Certificates after the leaf, in order towards the root. */
  readonly chain: readonly CertificateDetails[];
  readonly hasPrivateKey: boolean;
  /** The worst expiry state over certificate and chain. */
  readonly expiry: ExpiryStatus;
}

/** A listing row: an entry, or a file that could not be read (shown, never fatal). */
export type CertificateListItem =
  | { readonly status: 'ok'; readonly entry: CertificateEntry }
  | Extract<CertificateListRow, { readonly status: 'corrupt' }>;

/** PEM material ready for tls.connect / tls.createServer / MQTT.js options. */
export interface TlsMaterial {
  /** Leaf followed by its chain. */
  readonly cert: string;
  readonly key: string;
}
