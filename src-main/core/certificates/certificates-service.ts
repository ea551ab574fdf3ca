import type { Deleted } from '../../../shared/ipc/common';
import path from 'node:path';
import type {
  BrokerTlsTestResult,
  CertificateEntryView,
  CertificateId,
  CertificateKind,
  CertificatesList,
  ChainReport,
  PemExport,
  Pkcs12Export,
  SystemRootsListing,
} from '../../../shared/ipc/certificates';
import type { ParsedArg } from '../../../shared/ipc/contract';
import type { CertificateEntry } from './certificate-entry';
import { CertificateStore } from './certificate-store';
import { listSystemRoots, type SystemRootsCache, type SystemTrustOptions } from './system-trust-store';
import type { SecretStore } from '../secrets/secret-store';

export interface CertificatesServiceOptions {
  readonly userDataDir: string;
  readonly secrets: SecretStore;
  /** Names of whatever uses an entry (connection profiles); none by default. */
  readonly usedBy?: (id: CertificateId) => readonly string[];
  /** Told after every change, to push `certificates.changed` to every window. */
  readonly changed?: (list: CertificatesList) => void;
  readonly systemTrust?: SystemTrustOptions;
  readonly now?: () => Date;
}

/** The PEM a TLS connection needs from store entries: CAs to trust and a client identity. */
export interface ResolvedTlsMaterial {
  readonly ca: readonly string[];
  readonly cert?: string;
  readonly key?: string;
}

/** The `certificates.*` requests over the certificate store, with users named. */
export class CertificatesService {
  /** Root descriptions kept between listings (the OS store is still re-read each time). */
  private readonly rootsCache: SystemRootsCache = new Map();
  private rootsListing: Promise<SystemRootsListing> | undefined;

  private constructor(
    readonly store: CertificateStore,
    private readonly options: CertificatesServiceOptions,
    /** Whatever names the users of an entry: the options' own, then those added by addUsers. */
    private readonly users: ((id: CertificateId) => readonly string[])[],
  ) {}

  static async open(options: CertificatesServiceOptions): Promise<CertificatesService> {
    const users = options.usedBy ? [options.usedBy] : [];
    // The store reads the same list, so users added later (profiles, the broker) count there too.
    const store = await CertificateStore.open({
      directory: path.join(options.userDataDir, 'certificates'),
      secrets: options.secrets,
      usedBy: (id) => users.flatMap((usedBy) => usedBy(id)),
      ...(options.systemTrust ? { systemTrust: options.systemTrust } : {}),
      ...(options.now ? { now: options.now } : {}),
    });
    return new CertificatesService(store, options, users);
  }

  /** Names more users of entries (the services created after this one: profiles, the broker). */
  addUsers(usedBy: (id: CertificateId) => readonly string[]): void {
    this.users.push(usedBy);
  }

  private usersOf(id: CertificateId): readonly string[] {
    return this.users.flatMap((usedBy) => usedBy(id));
  }

  async list(kind?: CertificateKind): Promise<CertificatesList> {
    const items = await this.store.list();
    const rows = items
      .filter((item) => kind === undefined || (item.status === 'ok' && item.entry.kind === kind))
      .map((item) => (item.status === 'ok' ? { status: 'ok' as const, entry: this.view(item.entry) } : item));
    return { rows };
  }

  async get(id: CertificateId): Promise<CertificateEntryView> {
    return this.view(await this.store.get(id));
  }

  async import(args: ParsedArg<'certificates.import'>): Promise<{ readonly entries: readonly CertificateEntryView[] }> {
    return this.changing(async () => {
      const inputs = args.inputs.map((input) => ({
        data: typeof input.data === 'string' ? input.data : Buffer.from(input.data.buffer, input.data.byteOffset, input.data.byteLength),
        ...(input.passphrase !== undefined ? { passphrase: input.passphrase } : {}),
        ...(input.name !== undefined ? { name: input.name } : {}),
      }));
      const label = args.label !== undefined ? { label: args.label } : {};
      if (args.kind === 'trusted-ca') {
        const added = await this.store.addTrustedCas({ inputs, ...label });
        return { entries: added.map((e) => this.view(e)) };
      }
      const added = await this.store.addIdentity({ kind: args.kind, inputs, ...label });
      return { entries: [this.view(added)] };
    });
  }

  async rename(id: CertificateId, label: string): Promise<CertificateEntryView> {
    return this.changing(async () => this.view(await this.store.rename(id, label)));
  }

  async delete(id: CertificateId, force: boolean): Promise<Deleted> {
    return this.changing(async () => {
      await this.store.delete(id, { force });
      return { deleted: 1 };
    });
  }

  async exportPem(id: CertificateId, includePrivateKey: boolean, keyPassphrase?: string): Promise<PemExport> {
    const entry = await this.store.get(id);
    const text = await this.store.exportPem(id, { includePrivateKey, ...(keyPassphrase ? { keyPassphrase } : {}) });
    return { fileName: `${fileStem(entry.label)}${includePrivateKey ? '-with-key' : ''}.pem`, mediaType: 'application/x-pem-file', text };
  }

  async exportPkcs12(id: CertificateId, password: string): Promise<Pkcs12Export> {
    const entry = await this.store.get(id);
    const bytes = await this.store.exportPkcs12(id, password);
    return { fileName: `${fileStem(entry.label)}.p12`, mediaType: 'application/x-pkcs12', bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
  }

  async checkChain(id: CertificateId, useSystemCAs: boolean): Promise<ChainReport> {
    return this.store.checkChain(id, { useSystemCAs });
  }

  async testBroker(args: ParsedArg<'certificates.testBroker'>): Promise<BrokerTlsTestResult> {
    return this.store.testAgainstBroker(args.host, args.port, {
      ...(args.servername ? { servername: args.servername } : {}),
      caIds: args.caIds,
      useSystemCAs: args.useSystemCAs,
      ...(args.clientIdentityId ? { clientIdentityId: args.clientIdentityId } : {}),
      ...(args.timeoutMs ? { timeoutMs: args.timeoutMs } : {}),
    });
  }

  async systemRoots(): Promise<SystemRootsListing> {
    // Windows opening the list at once share one reading rather than each describing every root.
    this.rootsListing ??= listSystemRoots(this.options.systemTrust, this.rootsCache, this.options.now?.() ?? new Date()).finally(() => {
      this.rootsListing = undefined;
    });
    return this.rootsListing;
  }

  async generateCa(args: ParsedArg<'certificates.generateCa'>): Promise<CertificateEntryView> {
    return this.changing(async () => this.view(await this.store.generateCa(args)));
  }

  async issue(args: ParsedArg<'certificates.issue'>): Promise<CertificateEntryView> {
    return this.changing(async () => this.view(await this.store.issue(args)));
  }

  /** PEM for a connection from store references; what a profile's caIds/identityId turn into. */
  async resolveTlsMaterial(ids: { readonly caIds?: readonly CertificateId[]; readonly identityId?: CertificateId }): Promise<ResolvedTlsMaterial> {
    const ca = await this.store.caCertificates(ids.caIds ?? []);
    const identity = ids.identityId ? await this.store.tlsMaterial(ids.identityId) : undefined;
    return { ca, ...(identity ? { cert: identity.cert, key: identity.key } : {}) };
  }

  private view(entry: CertificateEntry): CertificateEntryView {
    return { ...entry, usedBy: this.usersOf(entry.id) };
  }

  private async changing<T>(work: () => Promise<T>): Promise<T> {
    const result = await work();
    if (this.options.changed) {
      const notify = this.options.changed;
      // A listing failure must not turn a successful change into an error.
      await this.list().then(notify, () => undefined);
    }
    return result;
  }
}

function fileStem(label: string): string {
  const stem = label
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80);
  return stem === '' ? 'certificate' : stem;
}
