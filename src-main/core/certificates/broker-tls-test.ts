import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import * as tls from 'node:tls';
import { describeCertificate, isSelfSigned, type CertificateDetails } from './certificate-details';
import type {  } from './certificate-entry';
import { oneLine, type ChainCandidate } from './chain-builder';
import type { BrokerTlsVerdict, BrokerTlsFix, BrokerTlsProblem, BrokerTlsTestResult, CertificateId } from '../../../shared/ipc/certificates';
export type { BrokerTlsVerdict, BrokerTlsFix, BrokerTlsProblem, BrokerTlsTestResult };

export interface BrokerTlsTestOptions {
  /** SNI and the name checked against the certificate; defaults to host. */
  readonly servername?: string;
  /** Store entries to trust for this connection. */
  readonly caIds?: readonly CertificateId[];
  /** Also trust the OS roots; default true. */
  readonly useSystemCAs?: boolean;
  /** Client certificate to present (mutual TLS). */
  readonly clientIdentityId?: CertificateId;
  readonly timeoutMs?: number;
}

/** What the store must provide for a broker test; CertificateStore implements it. */
export interface BrokerTlsMaterialSource {
  caCertificates(ids: readonly CertificateId[]): Promise<readonly string[]>;
  tlsMaterial(id: CertificateId): Promise<{ readonly cert: string; readonly key: string }>;
  storeCandidates(): Promise<readonly ChainCandidate[]>;
  systemCandidates(): Promise<readonly ChainCandidate[]>;
}

interface TlsObservation {
  readonly secured: boolean;
  readonly authorized: boolean;
  readonly authorizationError?: string;
  readonly errorCode?: string;
  readonly errorMessage?: string;
  readonly chain: readonly Buffer[];
  readonly protocol?: string;
  readonly cipher?: string;
  readonly connack?: number;
  readonly timedOut: boolean;
}

/**
 * Opens a TLS connection to a broker and explains, in plain words, whether and why verification fails,
 * naming the store entry that would fix it. Never throws for TLS or network failures: those are the answer.
 */
export async function testAgainstBroker(
  source: BrokerTlsMaterialSource,
  host: string,
  port: number,
  options: BrokerTlsTestOptions = {},
  now: Date = new Date(),
): Promise<BrokerTlsTestResult> {
  const servername = options.servername ?? host;
  const useSystemCAs = options.useSystemCAs ?? true;
  const systemCandidates = useSystemCAs ? await source.systemCandidates() : [];
  const selectedPems = await source.caCertificates(options.caIds ?? []);
  const ca = [...selectedPems, ...systemCandidates.map((c) => new X509Certificate(c.der).toString())];
  const identity = options.clientIdentityId ? await source.tlsMaterial(options.clientIdentityId) : undefined;

  const observation = await observe({ host, port, servername, ca, ...(identity ? { cert: identity.cert, key: identity.key } : {}), timeoutMs: options.timeoutMs ?? 8000 });
  const serverChain = observation.chain.map((der) => describeCertificate(der, now));
  const storeCandidates = await source.storeCandidates();
  const selected = new Set(options.caIds ?? []);
  const problems: BrokerTlsProblem[] = [];

  if (!observation.secured) {
    problems.push(explainHandshakeFailure(observation, host, port, identity !== undefined));
  } else {
    if (!observation.authorized) {
      problems.push(explainVerification(observation, serverChain, servername, storeCandidates, selected, now));
      const mismatch = observation.authorizationError !== 'ERR_TLS_CERT_ALTNAME_INVALID' ? hostnameProblem(observation.chain[0], servername) : undefined;
      if (mismatch) problems.push(mismatch);
    }
    if (observation.errorCode) problems.push(explainPostHandshakeFailure(observation, host, port, identity !== undefined));
  }

  const first = problems[0];
  const leafName = serverChain[0] ? displayName(serverChain[0]) : servername;
  return {
    ok: problems.length === 0,
    verdict: first?.verdict ?? 'verified',
    message: first?.message ?? `The broker's certificate "${leafName}" verifies for "${servername}" and the TLS connection succeeded.`,
    ...(first?.fix ? { fix: first.fix } : {}),
    problems,
    serverChain,
    ...(observation.protocol ? { protocol: observation.protocol } : {}),
    ...(observation.cipher ? { cipher: observation.cipher } : {}),
    ...(observation.connack !== undefined ? { mqttConnackCode: observation.connack } : {}),
  };
}

function observe(request: {
  readonly host: string;
  readonly port: number;
  readonly servername: string;
  readonly ca: readonly string[];
  readonly cert?: string;
  readonly key?: string;
  readonly timeoutMs: number;
}): Promise<TlsObservation> {
  return new Promise((resolve) => {
    let secured = false;
    let authorized = false;
    let authorizationError: string | undefined;
    let chain: Buffer[] = [];
    let protocol: string | undefined;
    let cipher: string | undefined;
    let settled = false;
    const socket = tls.connect({
      host: request.host,
      port: request.port,
      // Node rejects an IP address as SNI; the identity check still uses it via checkServerIdentity.
      ...(isIP(request.servername) === 0 ? { servername: request.servername } : {}),
      checkServerIdentity: (_host, cert) => tls.checkServerIdentity(request.servername, cert),
      ca: [...request.ca],
      ...(request.cert && request.key ? { cert: request.cert, key: request.key } : {}),
      // We verify ourselves so that we can see the chain and explain the failure instead of just dropping it.
      rejectUnauthorized: false,
    });
    const finish = (extra: Partial<TlsObservation>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({
        secured,
        authorized,
        ...(authorizationError ? { authorizationError } : {}),
        chain,
        ...(protocol ? { protocol } : {}),
        ...(cipher ? { cipher } : {}),
        timedOut: false,
        ...extra,
      });
    };
    const timer = setTimeout(() => finish({ timedOut: true }), request.timeoutMs);
    socket.once('secureConnect', () => {
      secured = true;
      authorized = socket.authorized;
      authorizationError = socket.authorizationError ? String(socket.authorizationError) : undefined;
      chain = peerChain(socket);
      protocol = socket.getProtocol() ?? undefined;
      cipher = socket.getCipher()?.name;
      // TLS 1.3 servers reject a missing client certificate only after the handshake; an MQTT round trip surfaces it.
      socket.write(mqttConnect());
    });
    socket.on('data', (data: Buffer) => {
      if (data[0] === 0x20 && data.length >= 4) finish({ connack: data[3] });
    });
    socket.once('error', (err: NodeJS.ErrnoException) => finish({ errorCode: err.code ?? 'ERROR', errorMessage: err.message }));
    socket.once('close', () => finish({}));
  });
}

function peerChain(socket: tls.TLSSocket): Buffer[] {
  const out: Buffer[] = [];
  let cert: tls.DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
  const seen = new Set<string>();
  while (cert && cert.raw && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    out.push(Buffer.from(cert.raw));
    cert = cert.issuerCertificate;
  }
  return out;
}

// MQTT 3.1.1 CONNECT, clean session, keep-alive 10 s, client id "topiary-tls-test".
function mqttConnect(): Buffer {
  const clientId = Buffer.from('topiary-tls-test');
  const variable = Buffer.from([0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x0a]);
  const payload = Buffer.concat([Buffer.from([clientId.length >> 8, clientId.length & 0xff]), clientId]);
  return Buffer.concat([Buffer.from([0x10, variable.length + payload.length]), variable, payload]);
}

function explainVerification(
  observation: TlsObservation,
  chain: readonly CertificateDetails[],
  servername: string,
  store: readonly ChainCandidate[],
  selected: ReadonlySet<string>,
  now: Date,
): BrokerTlsProblem {
  const code = observation.authorizationError ?? 'UNKNOWN';
  const leaf = chain[0];
  const top = chain[chain.length - 1];
  const base = { nodeErrorCode: code };
  switch (code) {
    case 'CERT_HAS_EXPIRED': {
      const expired = chain.find((c) => new Date(c.notAfter) < now) ?? leaf;
      const role = expired === leaf ? "The broker's certificate" : 'The CA certificate';
      return {
        ...base,
        verdict: 'expired',
        message: `${role} "${expired ? displayName(expired) : '?'}" expired on ${expired?.notAfter.slice(0, 10) ?? '?'}. The broker's operator must renew it; if the date looks wrong, check this computer's clock.`,
      };
    }
    case 'CERT_NOT_YET_VALID': {
      const future = chain.find((c) => new Date(c.notBefore) > now) ?? leaf;
      return {
        ...base,
        verdict: 'not-yet-valid',
        message: `The certificate "${future ? displayName(future) : '?'}" only becomes valid on ${future?.notBefore.slice(0, 10) ?? '?'}. Check this computer's clock and the broker's.`,
      };
    }
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return hostnameProblem(observation.chain[0], servername) ?? { ...base, verdict: 'hostname-mismatch', message: `The certificate is not valid for "${servername}".` };
    case 'DEPTH_ZERO_SELF_SIGNED_CERT': {
      const twin = leaf ? findByFingerprint(store, leaf.fingerprints.sha256) : undefined;
      return {
        ...base,
        verdict: 'self-signed',
        message: `The broker presents a self-signed certificate "${leaf ? displayName(leaf) : '?'}" that nobody vouches for.`,
        fix: twin
          ? trustFix(twin, selected, `Trust "${twin.entryLabel ?? '?'}" from your store for this connection; it is this exact certificate.`)
          : {
              message: `If you run this broker, import its certificate (SHA-256 ${leaf?.fingerprints.sha256 ?? '?'}) into your store as a trusted CA and select it; better, issue the broker a certificate from a local CA.`,
            },
      };
    }
    case 'SELF_SIGNED_CERT_IN_CHAIN': {
      const root = [...chain].reverse().find((c) => c.selfSigned) ?? top;
      const twin = root ? findByFingerprint(store, root.fingerprints.sha256) : undefined;
      return {
        ...base,
        verdict: 'untrusted-root',
        message: `The broker's chain ends at the root CA "${root ? displayName(root) : '?'}", which is not among the CAs you trust.`,
        fix: twin
          ? trustFix(twin, selected, `Trust CA "${twin.entryLabel ?? '?'}" from your store.`)
          : { message: `Import the root CA "${root ? displayName(root) : '?'}" into your store and trust it, if you know it is the right one.` },
      };
    }
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE': {
      const last = observation.chain[observation.chain.length - 1];
      const issuerName = last ? oneLine(new X509Certificate(last).issuer) : 'unknown';
      const issuer = last ? findIssuer(store, last) : undefined;
      if (issuer && !isSelfSigned(new X509Certificate(issuer.der))) {
        return {
          ...base,
          verdict: 'missing-intermediate',
          message: `The broker did not send the intermediate CA "${issuerName}" that links its certificate to a trusted root. The broker's operator should add it to the broker's certificate file after the server certificate.`,
          fix: trustFix(issuer, selected, `Meanwhile, add "${issuer.entryLabel ?? '?'}" from your store to this connection's trusted CAs.`),
        };
      }
      if (issuer) {
        return {
          ...base,
          verdict: 'unknown-ca',
          message: `The broker's certificate was issued by the CA "${issuerName}", which you do not trust for this connection.`,
          fix: trustFix(issuer, selected, `Trust CA "${issuer.entryLabel ?? '?'}" from your store.`),
        };
      }
      return {
        ...base,
        verdict: 'unknown-ca',
        message: `The broker's certificate was issued by "${issuerName}", which is neither among your trusted CAs nor sent by the broker.`,
        fix: {
          message: `Import the CA certificate "${issuerName}" (ask the broker's operator) and trust it. If it is an intermediate CA, the broker should also send it with its own certificate.`,
        },
      };
    }
    default:
      return {
        ...base,
        verdict: 'verification-failed',
        message: `The broker's certificate could not be verified (${code}). Check its chain in the details below.`,
      };
  }
}

function hostnameProblem(leafDer: Buffer | undefined, servername: string): BrokerTlsProblem | undefined {
  if (!leafDer) return undefined;
  const leaf = new X509Certificate(leafDer);
  const matches = isIP(servername) !== 0 ? leaf.checkIP(servername) !== undefined : leaf.checkHost(servername) !== undefined;
  if (matches) return undefined;
  const details = describeCertificate(leafDer);
  const names = [...details.subjectAltNames.dns, ...details.subjectAltNames.ip];
  const listed = names.length > 0 ? names.map((n) => `"${n}"`).join(', ') : `only the common name "${details.subject.commonName ?? '?'}" (no subject alternative names, which clients require)`;
  return {
    verdict: 'hostname-mismatch',
    nodeErrorCode: 'ERR_TLS_CERT_ALTNAME_INVALID',
    message: `The broker's certificate is for ${listed}, not for "${servername}".`,
    fix: {
      message:
        names.length > 0
          ? `Connect using one of those names, or have the certificate reissued with "${servername}" in its subject alternative names.`
          : `Have the certificate reissued with "${servername}" as a subject alternative name.`,
    },
  };
}

function explainHandshakeFailure(observation: TlsObservation, host: string, port: number, presentedIdentity: boolean): BrokerTlsProblem {
  const code = observation.errorCode ?? (observation.timedOut ? 'ETIMEDOUT' : 'ECONNRESET');
  const base = { nodeErrorCode: code };
  if (observation.timedOut) {
    return { ...base, verdict: 'timeout', message: `No TLS answer from ${host}:${port} in time. Check the host, the port and any firewall in between.` };
  }
  if (code === 'ECONNREFUSED') {
    return { ...base, verdict: 'unreachable', message: `Nothing accepts connections at ${host}:${port}. Check that the broker runs and that this is its TLS port (usually 8883).` };
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return { ...base, verdict: 'unreachable', message: `The host name "${host}" could not be resolved. Check its spelling and your network.` };
  }
  if (/CERTIFICATE_REQUIRED/.test(code) || (!presentedIdentity && /HANDSHAKE_FAILURE/.test(code))) {
    return {
      ...base,
      verdict: 'client-certificate-required',
      message: 'The broker requires a client certificate and none was sent.',
      fix: { message: 'Choose a client identity from your store for this connection (or import the one the broker operator gave you).' },
    };
  }
  if (presentedIdentity && /UNKNOWN_CA|BAD_CERTIFICATE|CERTIFICATE_UNKNOWN|DECRYPT_ERROR|HANDSHAKE_FAILURE|ACCESS_DENIED|CERTIFICATE_EXPIRED|CERTIFICATE_REVOKED/.test(code)) {
    const why = /UNKNOWN_CA/.test(code)
      ? 'the broker does not trust the CA that issued it'
      : /EXPIRED/.test(code)
        ? 'it has expired'
        : 'the broker refused it';
    return {
      ...base,
      verdict: 'client-certificate-rejected',
      message: `The broker rejected your client certificate: ${why}.`,
      fix: { message: "Ask the broker's operator to trust your client certificate's CA, or use a client identity issued by the CA the broker trusts." },
    };
  }
  if (code === 'ECONNRESET' || /WRONG_VERSION_NUMBER|PACKET_LENGTH_TOO_LONG|UNEXPECTED_EOF/.test(code)) {
    return {
      ...base,
      verdict: 'handshake-failed',
      message: `The TLS handshake with ${host}:${port} failed (${code}). The port may be a plain MQTT listener (1883) rather than TLS (8883), or the broker refused the TLS settings.`,
    };
  }
  return { ...base, verdict: 'handshake-failed', message: `The TLS handshake with ${host}:${port} failed: ${observation.errorMessage ?? code}.` };
}

// After a TLS 1.3 handshake the server still judges the client's certificate; a reset then means it refused us.
function explainPostHandshakeFailure(observation: TlsObservation, host: string, port: number, presentedIdentity: boolean): BrokerTlsProblem {
  const code = observation.errorCode ?? 'ECONNRESET';
  if (code === 'ECONNRESET' || code === 'EPIPE') {
    return {
      nodeErrorCode: code,
      verdict: 'handshake-failed',
      message: presentedIdentity
        ? `The broker at ${host}:${port} closed the connection right after the TLS handshake; it may have rejected your client certificate.`
        : `The broker at ${host}:${port} closed the connection right after the TLS handshake; it may require a client certificate.`,
    };
  }
  return explainHandshakeFailure(observation, host, port, presentedIdentity);
}

function trustFix(candidate: ChainCandidate, selected: ReadonlySet<string>, message: string): BrokerTlsFix {
  const id = candidate.entryId as CertificateId | undefined;
  const already = id !== undefined && selected.has(id);
  return {
    message: already ? `${message} (It is already selected, so the certificate itself must be the problem.)` : message,
    ...(id ? { entryId: id } : {}),
    ...(candidate.entryLabel ? { entryLabel: candidate.entryLabel } : {}),
  };
}

function findByFingerprint(store: readonly ChainCandidate[], sha256: string): ChainCandidate | undefined {
  return store.find((c) => new X509Certificate(c.der).fingerprint256 === sha256);
}

function findIssuer(store: readonly ChainCandidate[], childDer: Buffer): ChainCandidate | undefined {
  const child = new X509Certificate(childDer);
  const matches = store.filter((c) => {
    const candidate = new X509Certificate(c.der);
    return child.checkIssued(candidate) && child.verify(candidate.publicKey);
  });
  // Prefer a copy the user already trusts, so the fix points at the entry they know.
  return matches.find((c) => c.trustAnchor) ?? matches[0];
}

function displayName(details: CertificateDetails): string {
  return details.subject.commonName ?? details.subject.text;
}
