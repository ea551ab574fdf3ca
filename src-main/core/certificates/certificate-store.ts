import { contractError, hasReason } from '../../../shared/ipc/errors';
import type { CertificateId } from '../../../shared/ipc/certificates';
import { createPrivateKey, randomUUID, X509Certificate, type KeyObject } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { SecretStore } from '../secrets/secret-store';
import { writeFileAtomic } from '../storage/atomic-file';
import { describeCertificate } from './certificate-details';
import type { CertificateEntry, CertificateEntryKind, CertificateListItem, TlsMaterial } from './certificate-entry';
import {
  generateCertificateAuthority,
  issueCertificate,
  type CertificateAuthorityRequest,
  type CertificateSubjectRequest,
} from './certificate-generator';
import { assertKeyMatches, findCertificateForKey, parseInputs, type ImportInput } from './certificate-import';
import { testAgainstBroker, type BrokerTlsTestOptions, type BrokerTlsTestResult } from './broker-tls-test';
import { buildChain, oneLine, type ChainCandidate, type ChainReport } from './chain-builder';
import { worstExpiryStatus } from './expiry-status';
import { writePkcs12 } from './pkcs12';
import { loadSystemTrustStore, type SystemTrustOptions } from './system-trust-store';

export interface CertificateStoreOptions {
  /** The store's own folder inside the user-data dir, e.g. `<userData>/certificates`. */
  readonly directory: string;
  /** Seals private keys at rest. */
  readonly secrets: SecretStore;
  /** Names of whatever uses an entry (connection profiles, the embedded broker); deletion refuses while non-empty. */
  readonly usedBy?: (id: CertificateId) => readonly string[];
  readonly now?: () => Date;
  /** How the OS trust store is read for chain checks. */
  readonly systemTrust?: SystemTrustOptions;
}

export interface AddTrustedCasRequest {
  readonly inputs: readonly ImportInput[];
  /** Used for a single certificate; several get their common names. */
  readonly label?: string;
}

export interface AddIdentityRequest {
  readonly kind: 'client-identity' | 'server-identity';
  /** Certificate(s) and key, in one input or several (cert file + key file, or one PKCS#12). */
  readonly inputs: readonly ImportInput[];
  readonly label?: string;
}

export interface ExportPemOptions {
  /** The key is only ever exported when asked for explicitly. */
  readonly includePrivateKey?: boolean;
  /** Encrypts the exported key (PKCS#8, AES-256-CBC). */
  readonly keyPassphrase?: string;
}

export interface GenerateCaRequest extends CertificateAuthorityRequest {
  readonly label?: string;
}

export interface IssueFromStoreRequest extends CertificateSubjectRequest {
  readonly caId: CertificateId;
  readonly kind: 'client-identity' | 'server-identity';
  readonly label?: string;
}

// On-disk layout of one entry; certificates are public, the key is sealed by the SecretStore.
interface StoredEntry {
  readonly format: 'topiary-certificate-entry';
  readonly version: 1;
  readonly id: string;
  readonly label: string;
  readonly kind: CertificateEntryKind;
  readonly createdAt: string;
  readonly certificates: readonly string[];
  readonly sealedPrivateKey?: string;
}

const ID_PATTERN = /^[0-9a-f-]{36}$/;
const KINDS: ReadonlySet<string> = new Set(['trusted-ca', 'client-identity', 'server-identity']);

/** The user's certificates: trusted CAs, client identities and server identities, in one folder. */
export class CertificateStore {
  // The OS store changes rarely and holds ~150 roots; read it once per store instance.
  private systemTrust: Promise<readonly ChainCandidate[]> | undefined;

  private constructor(private readonly options: CertificateStoreOptions) {}

  /** Opens the store, creating its folder (0700) on first use. */
  static async open(options: CertificateStoreOptions): Promise<CertificateStore> {
    await fs.mkdir(options.directory, { recursive: true, mode: 0o700 });
    return new CertificateStore(options);
  }

  /**
   * Adds every certificate in the inputs as a trusted CA; one already trusted is returned, not duplicated.
   * A single CA imported with its own key is kept with the key, so it can sign like a generated local CA.
   */
  async addTrustedCas(request: AddTrustedCasRequest): Promise<readonly CertificateEntry[]> {
    const { certificates, privateKeys } = parseInputs(request.inputs);
    if (certificates.length === 0) {
      throw contractError('MISSING_CERTIFICATE', 'No certificate was found to trust. Choose the CA certificate file (PEM or DER).');
    }
    if (privateKeys.length > 0) {
      if (certificates.length !== 1 || privateKeys.length !== 1) {
        throw contractError('INVALID_REQUEST', 'To import a CA with its signing key, import exactly one CA certificate and its key.');
      }
      assertKeyMatches(certificates[0]!, privateKeys[0]!);
      if (!new X509Certificate(certificates[0]!).ca) {
        throw contractError('NOT_A_CA', 'This certificate is not a CA, so its key cannot sign others. Import it as a client or server identity instead.');
      }
      const stored = await this.write({ kind: 'trusted-ca', label: request.label ?? defaultLabel(certificates[0]!), certificates, privateKey: privateKeys[0]! });
      return [this.toEntry(stored)];
    }
    const existing = await this.readAllValid();
    const added: CertificateEntry[] = [];
    for (const der of certificates) {
      const fingerprint = new X509Certificate(der).fingerprint256;
      const twin = existing.find((e) => e.kind === 'trusted-ca' && fingerprintOf(e.certificates[0]) === fingerprint);
      if (twin) {
        added.push(this.toEntry(twin));
        continue;
      }
      const label = certificates.length === 1 && request.label ? request.label : defaultLabel(der);
      const stored = await this.write({ kind: 'trusted-ca', label, certificates: [der] });
      existing.push(stored);
      added.push(this.toEntry(stored));
    }
    return added;
  }

  /**
   * Adds a certificate with its private key; the key must match one of the certificates. An identity already in the
   * store (same certificate, same kind) is returned as it is, not duplicated, like a trusted CA.
   */
  async addIdentity(request: AddIdentityRequest): Promise<CertificateEntry> {
    const { certificates, privateKeys } = parseInputs(request.inputs);
    return this.addIdentityMaterial(request.kind, certificates, privateKeys, request.label);
  }

  /** Every entry; a damaged file shows up as a 'corrupt' row instead of breaking the list. */
  async list(): Promise<readonly CertificateListItem[]> {
    const items: CertificateListItem[] = [];
    for (const file of await this.entryFiles()) {
      const id = file.slice(0, -'.json'.length) as CertificateId;
      try {
        items.push({ status: 'ok', entry: this.toEntry(await this.read(id)) });
      } catch (err) {
        items.push({ status: 'corrupt', id, file: join(this.options.directory, file), error: { code: 'CORRUPT_ENTRY', message: messageOf(err) } });
      }
    }
    return items.sort((a, b) => sortKey(a).localeCompare(sortKey(b)));
  }

  async get(id: CertificateId): Promise<CertificateEntry> {
    return this.toEntry(await this.read(id));
  }

  async rename(id: CertificateId, label: string): Promise<CertificateEntry> {
    const trimmed = label.trim();
    if (trimmed === '') throw contractError('INVALID_REQUEST', 'A certificate needs a name. Type at least one character.');
    const stored = await this.read(id);
    const renamed: StoredEntry = { ...stored, label: trimmed };
    await this.persist(renamed);
    return this.toEntry(renamed);
  }

  /** Deletes an entry; refuses with IN_USE (naming the users) unless forced. */
  async delete(id: CertificateId, options: { readonly force?: boolean } = {}): Promise<void> {
    const stored = await this.readRaw(id);
    const users = this.options.usedBy?.(id) ?? [];
    if (users.length > 0 && !options.force) {
      throw contractError(
        'IN_USE',
        `"${stored?.label ?? id}" is used by ${users.map((u) => `"${u}"`).join(', ')}. Change ${users.length === 1 ? 'it' : 'them'} to another certificate first, or delete anyway.`,
        { users },
      );
    }
    await fs.rm(this.fileOf(id), { force: true });
  }

  /** PEM of the certificate and its chain; the private key only when explicitly requested. */
  async exportPem(id: CertificateId, options: ExportPemOptions = {}): Promise<string> {
    const stored = await this.read(id);
    const certs = stored.certificates.map((pem) => ensureNewline(pem)).join('');
    if (!options.includePrivateKey) return certs;
    const key = await this.unsealKey(stored);
    const keyPem = options.keyPassphrase
      ? key.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: options.keyPassphrase })
      : key.export({ type: 'pkcs8', format: 'pem' });
    return certs + ensureNewline(String(keyPem));
  }

  /** A password-protected PKCS#12 of the certificate, its chain and (if the entry has one) its key. */
  async exportPkcs12(id: CertificateId, password: string): Promise<Buffer> {
    if (password === '') throw contractError('INVALID_REQUEST', 'Choose a password to protect the PKCS#12 file.');
    const stored = await this.read(id);
    const certificates = stored.certificates.map((pem) => Buffer.from(new X509Certificate(pem).raw));
    const privateKey = stored.sealedPrivateKey ? await this.unsealKey(stored) : undefined;
    return writePkcs12({ certificates, ...(privateKey ? { privateKey } : {}), password, friendlyName: stored.label });
  }

  /** Certificate chain and key as PEM, for a connection profile or the embedded broker. */
  async tlsMaterial(id: CertificateId): Promise<TlsMaterial> {
    const stored = await this.read(id);
    const key = await this.unsealKey(stored);
    return {
      cert: stored.certificates.map((pem) => ensureNewline(pem)).join(''),
      key: String(key.export({ type: 'pkcs8', format: 'pem' })),
    };
  }

  /** PEM of the given entries' CA certificates (the `ca` option of a TLS connection). */
  async caCertificates(ids: readonly CertificateId[]): Promise<readonly string[]> {
    const pems: string[] = [];
    for (const id of ids) pems.push(...(await this.read(id)).certificates.map(ensureNewline));
    return pems;
  }

  /** Builds the entry's chain from its own certificates, the store and (by default) the OS trust store. */
  async checkChain(id: CertificateId, options: { readonly useSystemCAs?: boolean } = {}): Promise<ChainReport> {
    const stored = await this.read(id);
    const [leafPem, ...rest] = stored.certificates;
    const leaf: ChainCandidate = {
      der: derOf(leafPem!),
      origin: 'entry',
      trustAnchor: stored.kind === 'trusted-ca',
      entryId: stored.id,
      entryLabel: stored.label,
    };
    const candidates: ChainCandidate[] = rest.map((pem) => ({ der: derOf(pem), origin: 'entry', trustAnchor: false, entryId: stored.id, entryLabel: stored.label }));
    candidates.push(...(await this.storeCandidates()));
    if (options.useSystemCAs ?? true) candidates.push(...(await this.systemCandidates()));
    return buildChain(leaf, candidates, this.now());
  }

  /** Connects to a TLS broker and explains whether its certificate verifies, and which entry would fix it if not. */
  async testAgainstBroker(host: string, port: number, options: BrokerTlsTestOptions = {}): Promise<BrokerTlsTestResult> {
    return testAgainstBroker(this, host, port, options, this.now());
  }

  /** Every certificate in the store as chain-building material; trusted CAs are anchors. */
  async storeCandidates(): Promise<readonly ChainCandidate[]> {
    const out: ChainCandidate[] = [];
    for (const stored of await this.readAllValid()) {
      stored.certificates.forEach((pem, index) => {
        out.push({
          der: derOf(pem),
          origin: 'store',
          trustAnchor: stored.kind === 'trusted-ca' && index === 0,
          entryId: stored.id,
          entryLabel: stored.label,
        });
      });
    }
    return out;
  }

  async systemCandidates(): Promise<readonly ChainCandidate[]> {
    this.systemTrust ??= loadSystemTrustStore(this.options.systemTrust).then((system) =>
      system.certificates.map((der) => ({ der, origin: 'system' as const, trustAnchor: true })),
    );
    return this.systemTrust;
  }

  /** Generates a local CA and stores it, key included, as a trusted CA that can sign. */
  async generateCa(request: GenerateCaRequest): Promise<CertificateEntry> {
    const ca = await generateCertificateAuthority(request);
    const der = derOf(ca.certificatePem);
    const stored = await this.write({ kind: 'trusted-ca', label: request.label ?? request.commonName, certificates: [der], privateKey: ca.privateKey });
    return this.toEntry(stored);
  }

  /** Issues a server or client certificate with a CA from the store and stores it with its chain. */
  async issue(request: IssueFromStoreRequest): Promise<CertificateEntry> {
    const caStored = await this.read(request.caId);
    if (!caStored.sealedPrivateKey) {
      throw contractError('NOT_A_CA', `"${caStored.label}" has no private key in the store, so it cannot sign. Generate a local CA or import one with its key.`);
    }
    const caKey = await this.unsealKey(caStored);
    const caPem = caStored.certificates[0]!;
    const issued = await issueCertificate({
      issuer: { certificatePem: caPem, privateKey: caKey },
      purpose: request.kind === 'server-identity' ? 'server' : 'client',
      commonName: request.commonName,
      ...(request.dnsNames ? { dnsNames: request.dnsNames } : {}),
      ...(request.ipAddresses ? { ipAddresses: request.ipAddresses } : {}),
      ...(request.organization ? { organization: request.organization } : {}),
      ...(request.validityDays ? { validityDays: request.validityDays } : {}),
      ...(request.keyAlgorithm ? { keyAlgorithm: request.keyAlgorithm } : {}),
    });
    const chain = caStored.certificates.map(derOf);
    return this.addIdentityMaterial(request.kind, [derOf(issued.certificatePem), ...chain], [issued.privateKey], request.label ?? request.commonName);
  }

  private async addIdentityMaterial(
    kind: 'client-identity' | 'server-identity',
    certificates: readonly Buffer[],
    privateKeys: readonly KeyObject[],
    label: string | undefined,
  ): Promise<CertificateEntry> {
    if (privateKeys.length === 0) {
      throw contractError('MISSING_PRIVATE_KEY', 'An identity needs its private key. Add the key file (or a PKCS#12 file that contains it).');
    }
    if (privateKeys.length > 1) {
      throw contractError('INVALID_REQUEST', 'More than one private key was given. Import one certificate and its own key at a time.');
    }
    if (certificates.length === 0) {
      throw contractError('MISSING_CERTIFICATE', 'An identity needs its certificate as well as its key. Add the certificate file.');
    }
    const key = privateKeys[0]!;
    const leaf = findCertificateForKey(certificates, key);
    if (!leaf) {
      assertKeyMatches(certificates[0]!, key);
    }
    const ordered = orderChain(leaf!, certificates);
    // The same certificate (so the same key) imported again as the same kind: the entry already there is the answer.
    const fingerprint = new X509Certificate(leaf!).fingerprint256;
    const twin = (await this.readAllValid()).find((e) => e.kind === kind && e.sealedPrivateKey !== undefined && fingerprintOf(e.certificates[0]) === fingerprint);
    if (twin) return this.toEntry(twin);
    const stored = await this.write({ kind, label: label ?? defaultLabel(leaf!), certificates: ordered, privateKey: key });
    return this.toEntry(stored);
  }

  private async write(entry: {
    readonly kind: CertificateEntryKind;
    readonly label: string;
    readonly certificates: readonly Buffer[];
    readonly privateKey?: KeyObject;
  }): Promise<StoredEntry> {
    const sealed = entry.privateKey
      ? (await this.options.secrets.encrypt(entry.privateKey.export({ type: 'pkcs8', format: 'der' }))).toString('base64')
      : undefined;
    const stored: StoredEntry = {
      format: 'topiary-certificate-entry',
      version: 1,
      id: randomUUID(),
      label: entry.label,
      kind: entry.kind,
      createdAt: this.now().toISOString(),
      certificates: entry.certificates.map((der) => new X509Certificate(der).toString()),
      ...(sealed ? { sealedPrivateKey: sealed } : {}),
    };
    await this.persist(stored);
    return stored;
  }

  // Write-then-rename so a crash never leaves a half-written entry behind.
  private async persist(stored: StoredEntry): Promise<void> {
    const file = this.fileOf(stored.id as CertificateId);
    await writeFileAtomic(file, JSON.stringify(stored, null, 2));
  }

  private async readRaw(id: CertificateId): Promise<StoredEntry | undefined> {
    try {
      return await this.read(id);
    } catch (err) {
      if (hasReason(err, 'NOT_FOUND')) throw err;
      return undefined;
    }
  }

  private async read(id: CertificateId): Promise<StoredEntry> {
    const file = this.fileOf(id);
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        throw contractError('NOT_FOUND', 'This certificate is no longer in the store. It may have been deleted; refresh the list.', { id });
      }
      throw err;
    }
    return validateStored(id, file, text);
  }

  private async readAllValid(): Promise<StoredEntry[]> {
    const out: StoredEntry[] = [];
    for (const file of await this.entryFiles()) {
      try {
        out.push(await this.read(file.slice(0, -'.json'.length) as CertificateId));
      } catch {
        // Damaged entries are reported by list(); they simply take no part here.
      }
    }
    return out;
  }

  private async entryFiles(): Promise<string[]> {
    const files = await fs.readdir(this.options.directory);
    return files.filter((f) => f.endsWith('.json') && ID_PATTERN.test(f.slice(0, -'.json'.length)));
  }

  private async unsealKey(stored: StoredEntry): Promise<KeyObject> {
    if (!stored.sealedPrivateKey) {
      throw contractError('MISSING_PRIVATE_KEY', `"${stored.label}" has no private key in the store. Import it again together with its key.`);
    }
    const der = await this.options.secrets.decrypt(Buffer.from(stored.sealedPrivateKey, 'base64'));
    return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  }

  private toEntry(stored: StoredEntry): CertificateEntry {
    const now = this.now();
    const [leaf, ...chain] = stored.certificates.map((pem) => describeCertificate(derOf(pem), now));
    return {
      id: stored.id as CertificateId,
      label: stored.label,
      kind: stored.kind,
      createdAt: stored.createdAt,
      certificate: leaf!,
      chain,
      hasPrivateKey: stored.sealedPrivateKey !== undefined,
      expiry: worstExpiryStatus([leaf!, ...chain], now),
    };
  }

  private fileOf(id: CertificateId): string {
    // Ids reach us from the UI; never let one name a path outside the store.
    if (!ID_PATTERN.test(id)) throw contractError('NOT_FOUND', 'This certificate id is not valid. Refresh the list and pick the certificate again.', { id });
    return join(this.options.directory, `${id}.json`);
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }
}

function validateStored(id: string, file: string, text: string): StoredEntry {
  const fail = (why: string): never => {
    throw contractError('CORRUPT_ENTRY', `The stored certificate file ${file} is damaged (${why}). Delete this entry and import the certificate again.`, { id, file });
  };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return fail('not valid JSON');
  }
  const d = data as Partial<StoredEntry>;
  if (d.format !== 'topiary-certificate-entry' || d.version !== 1) return fail('unknown format');
  if (d.id !== id || typeof d.label !== 'string' || typeof d.createdAt !== 'string' || !KINDS.has(String(d.kind))) return fail('missing fields');
  if (!Array.isArray(d.certificates) || d.certificates.length === 0) return fail('no certificate');
  for (const pem of d.certificates) {
    try {
      new X509Certificate(String(pem));
    } catch {
      return fail('a certificate cannot be read');
    }
  }
  if (d.sealedPrivateKey !== undefined && typeof d.sealedPrivateKey !== 'string') return fail('the sealed key is malformed');
  return d as StoredEntry;
}

// Leaf first, then each issuer in turn; certificates that do not fit the path go last.
function orderChain(leaf: Buffer, certificates: readonly Buffer[]): Buffer[] {
  const rest = certificates.filter((c) => !c.equals(leaf)).map((der) => ({ der, cert: new X509Certificate(der) }));
  const ordered: Buffer[] = [leaf];
  let current = new X509Certificate(leaf);
  for (;;) {
    const next = rest.findIndex((r) => current.checkIssued(r.cert) && r.cert.fingerprint256 !== current.fingerprint256);
    if (next < 0) break;
    const [found] = rest.splice(next, 1);
    ordered.push(found!.der);
    current = found!.cert;
  }
  return [...ordered, ...rest.map((r) => r.der)];
}

function defaultLabel(der: Buffer): string {
  const cert = new X509Certificate(der);
  const cn = /(?:^|\n)CN=([^\n]*)/.exec(cert.subject)?.[1];
  return cn ?? oneLine(cert.subject);
}

function fingerprintOf(pem: string | undefined): string | undefined {
  return pem ? new X509Certificate(pem).fingerprint256 : undefined;
}

function derOf(pem: string): Buffer {
  return Buffer.from(new X509Certificate(pem).raw);
}

function ensureNewline(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function sortKey(item: CertificateListItem): string {
  return item.status === 'ok' ? `0${item.entry.label.toLowerCase()}` : `1${item.id}`;
}
