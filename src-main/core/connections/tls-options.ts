import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import type { z } from 'zod';
import type { TlsSchema } from '../../../shared/ipc/connections';
import { hasReason, TopiaryError } from '../../../shared/ipc/errors';
import { findCertificateForKey } from '../certificates/certificate-import';
import { readPkcs12 } from '../certificates/pkcs12';
import { loadSystemTrustStore } from '../certificates/system-trust-store';
import { classifyConnectionError } from './connection-errors';

export type TlsArgsParsed = z.output<typeof TlsSchema>;

/** What MQTT.js passes on to tls.connect (and to ws for wss://). */
export interface ResolvedTls {
  readonly ca?: string[];
  readonly cert?: string;
  readonly key?: string;
  readonly rejectUnauthorized: boolean;
  readonly servername?: string;
  readonly ALPNProtocols?: string[];
  /** mqtts-dtls only: the DTLS PSK identity and key (hex). */
  readonly pskIdentity?: string;
  readonly psk?: string;
}

/**
 * Where certificate-store references are turned into PEM: the seam profiles use. CertificateStore's
 * `caCertificates` and `tlsMaterial` fit it as they are.
 */
export interface CertificateResolver {
  caCertificates(ids: readonly string[]): Promise<readonly string[]>;
  tlsMaterial(id: string): Promise<{ readonly cert: string; readonly key: string }>;
}

export interface TlsResolveOptions {
  readonly certificates?: CertificateResolver;
  /** PEM roots of the OS store; read once per connect by default. */
  readonly systemCas?: () => Promise<readonly string[]>;
}

let systemPems: Promise<readonly string[]> | undefined;

/** The OS trust store as PEM (Node 20 has no tls.getCACertificates('system'), so the certificate module finds it); read once. */
export function systemCaPems(): Promise<readonly string[]> {
  systemPems ??= loadSystemTrustStore().then((store) => store.certificates.map((der) => new X509Certificate(der).toString()));
  // A failed read is not remembered: the next connect tries again.
  systemPems.catch(() => (systemPems = undefined));
  return systemPems;
}

/** Turns the TLS arguments into options Node accepts, failing early (TLS_ERROR) on unreadable material. */
export async function resolveTls(tls: TlsArgsParsed | undefined, options: TlsResolveOptions = {}): Promise<ResolvedTls> {
  const t = tls ?? { rejectUnauthorized: true };
  const custom: string[] = [...(t.ca ?? [])];
  if (t.caIds && t.caIds.length > 0) custom.push(...(await resolver(options).caCertificates(t.caIds)));
  const useSystem = t.systemCa ?? custom.length === 0;
  const ca = useSystem ? [...(await (options.systemCas ?? systemCaPems)()), ...custom] : custom;

  let cert: string | undefined;
  let key: string | undefined;
  if (t.pkcs12) {
    ({ cert, key } = openPkcs12(Buffer.from(t.pkcs12), t.pkcs12Password ?? ''));
  } else if (t.identityId) {
    ({ cert, key } = await resolver(options).tlsMaterial(t.identityId));
  } else if (t.cert !== undefined || t.key !== undefined) {
    if (t.cert === undefined || t.key === undefined) {
      throw new TopiaryError('TLS_ERROR', 'A client certificate needs both the certificate and its private key. Add the missing one.');
    }
    cert = t.cert;
    key = decryptKey(t.key, t.keyPassphrase);
  }

  const resolved: ResolvedTls = {
    ...(ca.length > 0 ? { ca } : {}),
    ...(cert !== undefined ? { cert } : {}),
    ...(key !== undefined ? { key } : {}),
    rejectUnauthorized: t.rejectUnauthorized,
    ...(t.servername ? { servername: t.servername } : {}),
    ...(t.alpnProtocols && t.alpnProtocols.length > 0 ? { ALPNProtocols: [...t.alpnProtocols] } : {}),
  };
  checkContext(resolved);
  if ((t.pskIdentity === undefined) !== (t.psk === undefined)) {
    throw new TopiaryError('TLS_ERROR', 'A DTLS pre-shared key needs both its identity and the key. Add the missing one.');
  }
  return t.pskIdentity !== undefined && t.psk !== undefined ? { ...resolved, pskIdentity: t.pskIdentity, psk: t.psk } : resolved;
}

function resolver(options: TlsResolveOptions): CertificateResolver {
  if (!options.certificates) {
    throw new TopiaryError('TLS_ERROR', 'This connection refers to certificates in the certificate store, which is not available here. Paste the certificates instead.');
  }
  return options.certificates;
}

/** Node cannot take legacy (RC2) PKCS#12; node-forge opens every kind, and Node gets PEM. */
function openPkcs12(der: Buffer, password: string): { cert: string; key: string } {
  let contents;
  try {
    contents = readPkcs12(der, password);
  } catch (error) {
    if (hasReason(error)) {
      throw new TopiaryError('TLS_ERROR', `Client certificate (PKCS#12): ${error.message}`, { certificateError: error.reason });
    }
    throw error;
  }
  const key = contents.privateKeys[0];
  if (!key || contents.certificates.length === 0) {
    throw new TopiaryError('TLS_ERROR', 'The PKCS#12 file holds no client certificate with a private key. Export it again with the key included.');
  }
  const leafFirst = orderLeafFirst(contents.certificates, key);
  return {
    cert: leafFirst.map((der) => new X509Certificate(der).toString()).join(''),
    key: key.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

function orderLeafFirst(certificates: readonly Buffer[], key: KeyObject): Buffer[] {
  const leaf = findCertificateForKey(certificates, key);
  return leaf ? [leaf, ...certificates.filter((c) => c !== leaf)] : [...certificates];
}

/** Decrypts an encrypted PEM key here, so a wrong passphrase is named before any socket opens. */
function decryptKey(pem: string, passphrase: string | undefined): string {
  try {
    const key = createPrivateKey(passphrase !== undefined ? { key: pem, format: 'pem', passphrase } : { key: pem, format: 'pem' });
    return key.export({ type: 'pkcs8', format: 'pem' }).toString();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const encrypted = /ENCRYPTED/.test(pem);
    if (encrypted && passphrase === undefined) {
      throw new TopiaryError('TLS_ERROR', 'The client key is encrypted. Enter its passphrase.', { causeCode: code });
    }
    if (encrypted) {
      throw new TopiaryError('TLS_ERROR', 'The client key could not be decrypted: the key passphrase is wrong. Enter the passphrase the key was created with.', { causeCode: code });
    }
    throw new TopiaryError('TLS_ERROR', `The client key is not a readable PEM private key (${(error as Error).message}). Choose the key file that belongs to the certificate.`, { causeCode: code });
  }
}

function checkContext(options: SecureContextOptions): void {
  try {
    createSecureContext(options);
  } catch (error) {
    throw classifyConnectionError(error, { address: 'the TLS settings', connectTimeoutMs: 0 });
  }
}
