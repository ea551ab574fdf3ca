// Certificate chains for DTLS, which werift-dtls 0.5.8 does not carry: its server's Certificate message holds the leaf
// alone (flight4 sendCertificate) and its client keeps only certificateList[0]. The server here sends the leaf and the
// intermediate CAs that follow it in the PEM, and the client keeps the whole list and verifies the path from the leaf
// through the sent intermediates to a CA it trusts, as TLS does (RFC 5246 §7.4.2, RFC 5280 §6).
import { X509Certificate } from 'node:crypto';
import { isIPv6 } from 'node:net';
import { DtlsClient, DtlsServer } from 'werift-dtls/lib/dtls/src/index.js';
import { Flight4 } from 'werift-dtls/lib/dtls/src/flight/server/flight4.js';
import { Certificate } from 'werift-dtls/lib/dtls/src/handshake/message/certificate.js';
import { ClientHello } from 'werift-dtls/lib/dtls/src/handshake/message/client/hello.js';
import { createPlaintext } from 'werift-dtls/lib/dtls/src/record/builder.js';
import type { FragmentedHandshake } from 'werift-dtls/lib/dtls/src/record/message/fragment.js';

const HANDSHAKE = { clientHello: 1, certificate: 11 } as const;
const RECORD_HANDSHAKE = 22;
/** Longer paths than this are refused rather than followed (a loop, or an attack on the verifier's time). */
const MAX_CHAIN_DEPTH = 8;

/** The certificates of a PEM text, in order (a server's file: the leaf, then its intermediate CAs). */
export function pemCertificates(pem: string): string[] {
  return pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

/** Why a DTLS connection failed, with the TLS error codes the connection errors already explain to users. */
export class DtlsError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

type Handle = (assembled: FragmentedHandshake[]) => Promise<void>;

/**
 * Makes a werift server send `chain` (DER, the intermediates above its certificate, maybe none) after its certificate,
 * as one record (certificateRecord says why, and why even a lone certificate goes that way). werift's
 * Flight4 is used as it is, with this one instance's sendCertificate replaced; nothing in werift is changed for others.
 * Returns the handler to install as the server's onHandleHandshakes.
 */
export function sendChainFrom(server: DtlsServer, chain: readonly Buffer[], werift: Handle): Handle {
  return async (assembled) => {
    let pending: FragmentedHandshake[] = [];
    for (const handshake of assembled) {
      const hello = handshake.msg_type === HANDSHAKE.clientHello && !server.connected ? ClientHello.deSerialize(handshake.fragment) : undefined;
      // The hello with the right cookie is where werift would start its Flight4: start ours instead.
      if (hello && hello.cookie.length > 0 && server.dtls.cookie && hello.cookie.equals(server.dtls.cookie)) {
        if (pending.length > 0) await werift(pending);
        pending = [];
        const flight = new Flight4(server.transport, server.dtls, server.cipher, server.srtp);
        (flight as unknown as { sendCertificate: () => Buffer }).sendCertificate = () => certificateRecord(server, chain);
        await flight.exec(handshake, server.options.certificateRequest);
      } else {
        pending.push(handshake);
      }
    }
    if (pending.length > 0) await werift(pending);
  };
}

/**
 * The server's Certificate message, leaf then chain, as one unfragmented record. werift's own path would split a message
 * over 1,240 bytes into fragments that share one record sequence number (OpenSSL drops the repeats as replays) and put
 * only the first fragment in the handshake hash; one record of a couple of kilobytes is valid DTLS (RFC 6347 §4.2.3
 * lets a sender skip fragmentation) and the hash then covers the whole message, as RFC 5246 §7.4.9 asks.
 */
function certificateRecord(server: DtlsServer, chain: readonly Buffer[]): Buffer {
  const certificate = new Certificate([Buffer.from(server.cipher.localCert), ...chain]);
  certificate.messageSeq = server.dtls.sequenceNumber++;
  const fragment = certificate.toFragment();
  server.dtls.bufferHandshakeCache([fragment], true, 4);
  const records = createPlaintext(server.dtls)([{ type: RECORD_HANDSHAKE, fragment: fragment.serialize() }], ++server.dtls.recordSequenceNumber);
  return Buffer.concat(records.map((r) => r.serialize()));
}

/** Keeps every certificate the server sends (werift keeps the first): the leaf, then the intermediates. */
export function keepServerChain(client: DtlsClient): () => readonly Buffer[] {
  let chain: readonly Buffer[] = [];
  const werift = client.onHandleHandshakes;
  client.onHandleHandshakes = async (assembled) => {
    for (const handshake of assembled) {
      if (handshake.msg_type !== HANDSHAKE.certificate) continue;
      try {
        chain = Certificate.deSerialize(handshake.fragment).certificateList ?? [];
      } catch {
        // werift's own handling reports a malformed message.
      }
    }
    await werift(assembled);
  };
  return () => chain;
}

function inDate(cert: X509Certificate, now: Date, what: string): DtlsError | undefined {
  if (new Date(cert.validTo) < now) return new DtlsError(`The DTLS server's ${what} has expired.`, 'CERT_HAS_EXPIRED');
  if (new Date(cert.validFrom) > now) return new DtlsError(`The DTLS server's ${what} is not valid yet.`, 'CERT_NOT_YET_VALID');
  return undefined;
}

function signedBy(cert: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

/**
 * Checks the server's certificate as TLS would: a path from the leaf through the intermediate CAs the server sent
 * (each a CA, in date, signing the one below) to a trusted CA, or the leaf pinned itself; then the host name.
 * `chain` is what the server sent: the leaf first.
 */
export function verifyServerCertificate(chain: readonly Buffer[], ca: readonly string[], name: string, now = new Date()): DtlsError | undefined {
  const [leafDer, ...sent] = chain;
  if (!leafDer) return new DtlsError('The DTLS server sent no certificate.', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  let leaf: X509Certificate;
  let intermediates: X509Certificate[];
  try {
    leaf = new X509Certificate(leafDer);
    intermediates = sent.map((der) => new X509Certificate(der));
  } catch {
    return new DtlsError('The DTLS server sent a certificate that cannot be read.', 'EPROTO');
  }
  const leafDate = inDate(leaf, now, 'certificate');
  if (leafDate) return leafDate;
  // A PEM text may hold several certificates (a bundle); X509Certificate reads only the first of a text.
  const trusted = ca.flatMap(pemCertificates).map((pem) => new X509Certificate(pem));
  const pinned = trusted.some((c) => c.fingerprint256 === leaf.fingerprint256);
  if (!pinned) {
    const problem = pathToTrust(leaf, intermediates, trusted, now);
    if (problem) return problem;
  }
  const hostOk = isIPv6(name) || /^\d+\.\d+\.\d+\.\d+$/.test(name) ? leaf.checkIP(name) !== undefined : leaf.checkHost(name) !== undefined;
  if (!hostOk) return new DtlsError(`The DTLS server's certificate is not for ${name}.`, 'ERR_TLS_CERT_ALTNAME_INVALID');
  return undefined;
}

/** Walks up from the leaf: a trusted CA that signed the current certificate ends it; else a sent CA that did, once each. */
function pathToTrust(leaf: X509Certificate, intermediates: readonly X509Certificate[], trusted: readonly X509Certificate[], now: Date): DtlsError | undefined {
  let current = leaf;
  const used = new Set<X509Certificate>();
  for (let depth = 0; depth < MAX_CHAIN_DEPTH; depth++) {
    // A trusted certificate is a trust anchor because the user chose it, CA flag or not (old v1 roots have none).
    if (trusted.some((c) => signedBy(current, c))) return undefined;
    const next = intermediates.find((c) => !used.has(c) && signedBy(current, c));
    if (!next) {
      if (current === leaf && leaf.checkIssued(leaf)) {
        return new DtlsError("The DTLS server's certificate is self-signed and not trusted by this connection.", 'DEPTH_ZERO_SELF_SIGNED_CERT');
      }
      if (current === leaf) {
        return new DtlsError(
          `The DTLS server's certificate was issued by ${issuerName(leaf)}, which this connection does not trust and the server did not send (a server with an intermediate CA must send it after its certificate).`,
          'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
        );
      }
      return current.checkIssued(current)
        ? new DtlsError(`The DTLS server's certificate chains to ${subjectName(current)}, a root this connection does not trust.`, 'SELF_SIGNED_CERT_IN_CHAIN')
        : new DtlsError(`The DTLS server's certificate chains through ${subjectName(current)}, issued by ${issuerName(current)}, which this connection does not trust.`, 'UNABLE_TO_GET_ISSUER_CERT');
    }
    // Only a CA may issue certificates: a leaf in the middle of a chain is refused (RFC 5280 §6.1.4, basicConstraints).
    if (!next.ca) return new DtlsError(`The DTLS server's chain names ${subjectName(next)} as an issuer, but it is not a CA certificate.`, 'ERR_TLS_DTLS_INVALID_CA');
    const expired = inDate(next, now, `intermediate CA ${subjectName(next)}`);
    if (expired) return expired;
    used.add(next);
    current = next;
  }
  return new DtlsError(`The DTLS server's certificate chain is longer than ${MAX_CHAIN_DEPTH} certificates.`, 'ERR_TLS_DTLS_CHAIN_TOO_LONG');
}

function subjectName(cert: X509Certificate): string {
  return `"${cert.subject.replace(/\n/g, ', ')}"`;
}

function issuerName(cert: X509Certificate): string {
  return `"${cert.issuer.replace(/\n/g, ', ')}"`;
}
