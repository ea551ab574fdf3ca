import { z } from 'zod';
import { BytesSchema, type ExportedText, type ExportedBytes, type Deleted } from './common';
import { request } from './define';

/** Identifies one certificate-store entry; branded so a profile or connection id can't be passed by mistake. */
export type CertificateId = string & { readonly __brand: 'CertificateEntryId' };

export const CertificateIdSchema = z
  .string()
  .min(1, 'A certificate id is required.')
  .max(100)
  .transform((s) => s as CertificateId);

/** What a store entry is for: a CA the user trusts, a client's own identity (mutual TLS), a server's identity. */
export const CertificateKindSchema = z.enum(['trusted-ca', 'client-identity', 'server-identity']);
export type CertificateKind = z.output<typeof CertificateKindSchema>;

export const KeyAlgorithmSchema = z.enum(['ec-p256', 'rsa-2048', 'rsa-4096']);
/** Key types offered when generating; EC P-256 is the default. */
export type KeyAlgorithm = z.output<typeof KeyAlgorithmSchema>;

/** One attribute of a distinguished name, in certificate order. */
export interface NameAttribute {
  /** Short name where one is known (CN, O, OU, C, ST, L, E, DC), else the OID. */
  readonly type: string;
  readonly value: string;
}

/** A subject or issuer, both as fields and as one line. */
export interface DistinguishedName {
  readonly text: string;
  readonly commonName?: string;
  readonly organization?: string;
  readonly organizationalUnit?: string;
  readonly country?: string;
  readonly state?: string;
  readonly locality?: string;
  readonly emailAddress?: string;
  readonly attributes: readonly NameAttribute[];
}

export interface SubjectAltNames {
  readonly dns: readonly string[];
  readonly ip: readonly string[];
  readonly email: readonly string[];
  readonly uri: readonly string[];
}

export interface PublicKeySummary {
  readonly type: 'rsa' | 'rsa-pss' | 'ec' | 'ed25519' | 'ed448' | 'dsa' | 'unknown';
  readonly bits?: number;
  /** NIST name where there is one (P-256), else OpenSSL's (secp256k1). */
  readonly curve?: string;
  /** "RSA 2048", "EC P-256", "Ed25519". */
  readonly text: string;
}

/** Key usage bits by their RFC 5280 names. */
export type KeyUsageName =
  | 'digitalSignature'
  | 'nonRepudiation'
  | 'keyEncipherment'
  | 'dataEncipherment'
  | 'keyAgreement'
  | 'keyCertSign'
  | 'cRLSign'
  | 'encipherOnly'
  | 'decipherOnly';

/** Everything the details view shows about one certificate; plain data, safe to send over IPC. */
export interface CertificateDetails {
  readonly subject: DistinguishedName;
  readonly issuer: DistinguishedName;
  readonly subjectAltNames: SubjectAltNames;
  readonly notBefore: string;
  readonly notAfter: string;
  /** Whole days until notAfter, negative once expired; relative to the time the details were made. */
  readonly daysRemaining: number;
  readonly publicKey: PublicKeySummary;
  /** OpenSSL's name, e.g. "sha256WithRSAEncryption", "ecdsa-with-SHA256"; the OID if unknown. */
  readonly signatureAlgorithm: string;
  readonly keyUsage: readonly KeyUsageName[];
  /** Names such as "serverAuth", "clientAuth"; OIDs for purposes without a common name. */
  readonly extendedKeyUsage: readonly string[];
  readonly basicConstraints?: { readonly ca: boolean; readonly pathLength?: number };
  readonly isCa: boolean;
  /** Upper-case hex without separators, as OpenSSL prints it. */
  readonly serialNumber: string;
  /** Colon-separated upper-case hex. */
  readonly fingerprints: { readonly sha1: string; readonly sha256: string };
  readonly selfSigned: boolean;
  readonly pem: string;
}

export type ExpiryState = 'expired' | 'not-yet-valid' | 'expiring' | 'valid';

/** Whether a certificate can be used today, with a sentence for the UI. */
export interface ExpiryStatus {
  readonly state: ExpiryState;
  /** Whole days until expiry; negative once expired. */
  readonly daysRemaining: number;
  readonly message: string;
}

/** One store entry as the UI sees it: never key material. */
export interface CertificateEntryView {
  readonly id: CertificateId;
  readonly label: string;
  readonly kind: CertificateKind;
  readonly createdAt: string;
  /** The leaf (or the CA itself for a trusted CA). */
  readonly certificate: CertificateDetails;
  /** Certificates after the leaf, towards the root. */
  readonly chain: readonly CertificateDetails[];
  readonly hasPrivateKey: boolean;
  /** The worst expiry state over certificate and chain. */
  readonly expiry: ExpiryStatus;
  /** Names of what uses this entry (connection profiles); deleting asks first while non-empty. */
  readonly usedBy: readonly string[];
}

/** A listing row: an entry, or a damaged file shown so the user can delete it. */
export type CertificateListRow =
  | { readonly status: 'ok'; readonly entry: CertificateEntryView }
  | {
      readonly status: 'corrupt';
      readonly id: CertificateId;
      readonly file: string;
      readonly error: { readonly code: 'CORRUPT_ENTRY'; readonly message: string };
    };

export interface CertificatesList {
  /** Sorted by label; damaged entries last. */
  readonly rows: readonly CertificateListRow[];
}

export type ChainOrigin = 'entry' | 'store' | 'system' | 'server';

export interface ChainLink {
  readonly certificate: CertificateDetails;
  /** Where this certificate was found: the entry itself, another store entry, the OS trust store. */
  readonly origin: ChainOrigin;
  /** True for store CAs the user trusts and for system roots. */
  readonly trustAnchor: boolean;
  readonly entryId?: string;
  readonly entryLabel?: string;
}

/** The path from a certificate up to a root, as far as it can be built. */
export interface ChainReport {
  /** Leaf first. */
  readonly links: readonly ChainLink[];
  /** Reached a self-signed root. */
  readonly complete: boolean;
  /** Some link is a trust anchor (a trusted store CA or a system root). */
  readonly trusted: boolean;
  /** One-line subject of the issuer that could not be found, when incomplete. */
  readonly missingIssuer?: string;
  readonly expiry: ExpiryStatus;
  readonly message: string;
}

export type BrokerTlsVerdict =
  | 'verified'
  | 'expired'
  | 'not-yet-valid'
  | 'hostname-mismatch'
  | 'self-signed'
  | 'untrusted-root'
  | 'unknown-ca'
  | 'missing-intermediate'
  | 'client-certificate-required'
  | 'client-certificate-rejected'
  | 'unreachable'
  | 'timeout'
  | 'handshake-failed'
  | 'verification-failed';

/** A concrete next step, pointing at a store entry when one would fix the problem. */
export interface BrokerTlsFix {
  readonly message: string;
  readonly entryId?: string;
  readonly entryLabel?: string;
}

export interface BrokerTlsProblem {
  readonly verdict: Exclude<BrokerTlsVerdict, 'verified'>;
  readonly message: string;
  readonly fix?: BrokerTlsFix;
  /** Node/OpenSSL's code, for support and logs. */
  readonly nodeErrorCode?: string;
}

/** What 'test against broker' found: a verdict, the sentence saying it, and the fix. */
export interface BrokerTlsTestResult {
  /** True when the server verified and the broker accepted the connection at TLS level. */
  readonly ok: boolean;
  /** The first problem's verdict, or 'verified'. */
  readonly verdict: BrokerTlsVerdict;
  readonly message: string;
  readonly fix?: BrokerTlsFix;
  /** Every problem found, most fundamental first. */
  readonly problems: readonly BrokerTlsProblem[];
  /** The server's chain as received, leaf first (completed from trusted CAs where Node could). */
  readonly serverChain: readonly CertificateDetails[];
  readonly protocol?: string;
  readonly cipher?: string;
  /** The broker's CONNACK code to an anonymous MQTT 3.1.1 CONNECT (0 accepted). */
  readonly mqttConnackCode?: number;
}

/** The OS trust store, read-only. */
export interface SystemRootsListing {
  readonly source: 'node-system-store' | 'bundle-file' | 'node-bundled';
  /** Says where the roots came from, for the UI. */
  readonly label: string;
  readonly path?: string;
  readonly roots: readonly CertificateDetails[];
}

/** A file the UI offers to save. */
export type PemExport = ExportedText;

export type Pkcs12Export = ExportedBytes;

const PassphraseSchema = z.string().max(1024);
const LabelSchema = z.string().trim().min(1, 'A certificate needs a name. Type at least one character.').max(200);
// Certificate files are small; 10 MB leaves room for big bundles and stops a hostile peer from exhausting memory.
const MAX_INPUT = 10_000_000;

/** One pasted text or dropped file: PEM (any mix of certificates and keys), DER, encrypted keys or PKCS#12. */
export const ImportInputSchema = z
  .object({
    data: z.union([z.string().max(MAX_INPUT), BytesSchema.refine((b) => b.byteLength <= MAX_INPUT, 'The file is too large to be a certificate.')]),
    /** For an encrypted key or a PKCS#12 file. */
    passphrase: PassphraseSchema.optional(),
    /** The file name, shown in error messages. */
    name: z.string().max(500).optional(),
  })
  .strict();

export const ImportArgsSchema = z
  .object({
    /** What the material becomes: a trusted CA, or an identity (certificate + key). */
    kind: CertificateKindSchema,
    inputs: z.array(ImportInputSchema).min(1, 'Paste or choose at least one certificate or key.').max(20),
    label: LabelSchema.optional(),
  })
  .strict();

export type ImportArgs = z.input<typeof ImportArgsSchema>;

const HostSchema = z.string().trim().min(1, 'Type the broker host name or address.').max(255);

export const TestBrokerArgsSchema = z
  .object({
    host: HostSchema,
    port: z.number().int().min(1, 'A port is between 1 and 65535.').max(65_535, 'A port is between 1 and 65535.'),
    /** SNI and the name checked against the certificate; the host by default. */
    servername: z.string().max(255).optional(),
    /** Store entries to trust. */
    caIds: z.array(CertificateIdSchema).max(100).default([]),
    /** Trust the OS roots too. */
    useSystemCAs: z.boolean().default(true),
    /** The client identity to present (mutual TLS). */
    clientIdentityId: CertificateIdSchema.optional(),
    timeoutMs: z.number().int().min(100).max(60_000).optional(),
  })
  .strict();

export type TestBrokerArgs = z.input<typeof TestBrokerArgsSchema>;

const CommonNameSchema = z.string().trim().min(1, 'Type a common name (CN) for the certificate.').max(64, 'A common name is at most 64 characters.');
const ValidityDaysSchema = z.number().int().min(1, 'A certificate is valid for at least one day.').max(36_500);

export const GenerateCaArgsSchema = z
  .object({
    commonName: CommonNameSchema,
    label: LabelSchema.optional(),
    organization: z.string().max(64).optional(),
    validityDays: ValidityDaysSchema.optional(),
    keyAlgorithm: KeyAlgorithmSchema.default('ec-p256'),
  })
  .strict();

export const IssueArgsSchema = z
  .object({
    /** A store CA that has its private key (a generated local CA, or one imported with its key). */
    caId: CertificateIdSchema,
    kind: z.enum(['client-identity', 'server-identity']),
    commonName: CommonNameSchema,
    label: LabelSchema.optional(),
    /** Server certificates; localhost by default. */
    dnsNames: z.array(z.string().trim().min(1).max(253)).max(100).optional(),
    /** Server certificates; 127.0.0.1 by default. */
    ipAddresses: z.array(z.string().trim().min(1).max(45)).max(100).optional(),
    organization: z.string().max(64).optional(),
    validityDays: ValidityDaysSchema.optional(),
    keyAlgorithm: KeyAlgorithmSchema.default('ec-p256'),
  })
  .strict();

export type GenerateCaArgs = z.input<typeof GenerateCaArgsSchema>;
export type IssueArgs = z.input<typeof IssueArgsSchema>;

export const certificatesRequests = {
  /** The store, optionally only one kind (what a profile's CA or client-identity picker shows). */
  'certificates.list': request<CertificatesList>()(z.object({ kind: CertificateKindSchema.optional() }).strict()),
  'certificates.get': request<CertificateEntryView>()(z.object({ id: CertificateIdSchema }).strict()),
  'certificates.import': request<{ readonly entries: readonly CertificateEntryView[] }>()(ImportArgsSchema),
  'certificates.rename': request<CertificateEntryView>()(z.object({ id: CertificateIdSchema, label: LabelSchema }).strict()),
  /** Refuses with IN_USE (naming the users in details.users) unless force. */
  'certificates.delete': request<Deleted>()(z.object({ id: CertificateIdSchema, force: z.boolean().default(false) }).strict()),
  'certificates.exportPem': request<PemExport>()(
    z
      .object({
        id: CertificateIdSchema,
        /** The key is only exported when asked for explicitly. */
        includePrivateKey: z.boolean().default(false),
        /** Encrypts the exported key. */
        keyPassphrase: PassphraseSchema.optional(),
      })
      .strict(),
  ),
  'certificates.exportPkcs12': request<Pkcs12Export>()(
    z.object({ id: CertificateIdSchema, password: PassphraseSchema.min(1, 'Choose a password to protect the PKCS#12 file.') }).strict(),
  ),
  'certificates.checkChain': request<ChainReport>()(z.object({ id: CertificateIdSchema, useSystemCAs: z.boolean().default(true) }).strict()),
  'certificates.testBroker': request<BrokerTlsTestResult>()(TestBrokerArgsSchema),
  'certificates.listSystemRoots': request<SystemRootsListing>()(z.object({}).strict()),
  'certificates.generateCa': request<CertificateEntryView>()(GenerateCaArgsSchema),
  'certificates.issue': request<CertificateEntryView>()(IssueArgsSchema),
} as const;

export interface CertificatesEvents {
  /** The store changed (import, rename, delete, generate), from any window. */
  readonly 'certificates.changed': CertificatesList;
}
