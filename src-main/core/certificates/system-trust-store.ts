import { X509Certificate, createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as tls from 'node:tls';
import type { CertificateDetails, SystemRootsListing } from '../../../shared/ipc/certificates';
import { describeCertificate } from './certificate-details';

/** Where the system's trusted roots were read from. */
export type SystemTrustSource = SystemRootsListing['source'];

export interface SystemTrustStore {
  readonly source: SystemTrustSource;
  /** Says which source was used, for the UI. */
  readonly label: string;
  /** The bundle file, when source is 'bundle-file'. */
  readonly path?: string;
  /** DER certificates. */
  readonly certificates: readonly Buffer[];
}

/** The usual bundle locations on Linux distributions (and macOS's OpenSSL bundle). */
export const SYSTEM_BUNDLE_PATHS: readonly string[] = [
  '/etc/ssl/certs/ca-certificates.crt', // Debian, Ubuntu, Arch, Gentoo
  '/etc/pki/tls/certs/ca-bundle.crt', // Fedora, RHEL
  '/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem', // RHEL 7+
  '/etc/ssl/ca-bundle.pem', // openSUSE
  '/etc/ssl/cert.pem', // Alpine, macOS
];

export interface SystemTrustOptions {
  /** Override the bundle search (tests); defaults to SYSTEM_BUNDLE_PATHS on Linux. */
  readonly bundlePaths?: readonly string[];
  /** Skip Node 22.15+'s tls.getCACertificates('system') even where present (tests). */
  readonly ignoreNodeSystemStore?: boolean;
}

type GetCaCertificates = (type: 'system' | 'bundled' | 'default' | 'extra') => string[];

/**
 * Reads the OS's trusted roots, read-only.
 *
 * Node 22.15+ reads the real OS store; on Node 20 (web mode, tests) we fall back to the platform bundle,
 * and only as a last resort to Node's bundled Mozilla list, which is not the OS store and is labelled so.
 */
export async function loadSystemTrustStore(options: SystemTrustOptions = {}): Promise<SystemTrustStore> {
  const getCaCertificates = (tls as unknown as { getCACertificates?: GetCaCertificates }).getCACertificates;
  if (getCaCertificates && !options.ignoreNodeSystemStore) {
    const pems = getCaCertificates('system');
    return { source: 'node-system-store', label: "The operating system's certificate store", certificates: pems.flatMap(pemToDer) };
  }
  const paths = options.bundlePaths ?? (process.platform === 'win32' ? [] : SYSTEM_BUNDLE_PATHS);
  for (const path of paths) {
    let text: string;
    try {
      text = await fs.readFile(path, 'utf8');
    } catch {
      continue;
    }
    const certificates = pemBundleToDer(text);
    if (certificates.length > 0) {
      return { source: 'bundle-file', label: `The system CA bundle ${path}`, path, certificates };
    }
  }
  return {
    source: 'node-bundled',
    label: "Node's built-in Mozilla root list (the operating system's store could not be read)",
    certificates: tls.rootCertificates.flatMap(pemToDer),
  };
}

/**
 * Descriptions of roots already read, by SHA-256 of their DER. The OS store is re-read on every listing (a root
 * installed meanwhile shows up), but a root is parsed only once: describing one takes a millisecond or more, and ten
 * times that on a busy machine, so describing ~150 again on every visit to the list would cost seconds.
 */
export type SystemRootsCache = Map<string, CertificateDetails>;

/** Certificates described between two yields to the event loop: small enough that other requests are not held up. */
const DESCRIBE_BATCH = 8;

/**
 * The system roots with their details, for a read-only list in the UI. It yields to the event loop between small
 * batches, so the core keeps answering other requests while a long list is described.
 */
export async function listSystemRoots(options: SystemTrustOptions = {}, cache: SystemRootsCache = new Map(), now: Date = new Date()): Promise<SystemRootsListing> {
  const store = await loadSystemTrustStore(options);
  const roots: CertificateDetails[] = [];
  let described = 0;
  for (const der of store.certificates) {
    const key = createHash('sha256').update(der).digest('hex');
    const known = cache.get(key);
    if (known) {
      // Days remaining move on with the clock; the rest of a description does not.
      roots.push({ ...known, daysRemaining: daysUntil(known.notAfter, now) });
      continue;
    }
    if (described > 0 && described % DESCRIBE_BATCH === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    described++;
    try {
      const details = describeCertificate(der, now);
      cache.set(key, details);
      roots.push(details);
    } catch {
      // A root our parser cannot read is still trusted by TLS; leaving it out of the list is the lesser harm.
    }
  }
  return { source: store.source, label: store.label, ...(store.path ? { path: store.path } : {}), roots };
}

function daysUntil(iso: string, now: Date): number {
  return Math.floor((Date.parse(iso) - now.getTime()) / 86_400_000);
}

function pemBundleToDer(text: string): Buffer[] {
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  return blocks.flatMap(pemToDer);
}

function pemToDer(pem: string): Buffer[] {
  try {
    return [Buffer.from(new X509Certificate(pem).raw)];
  } catch {
    return [];
  }
}
