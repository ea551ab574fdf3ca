import { X509Certificate } from 'node:crypto';
import { describeCertificate, isSelfSigned } from './certificate-details';
import { worstExpiryStatus } from './expiry-status';
import type { ChainOrigin, ChainLink, ChainReport } from '../../../shared/ipc/certificates';
export type { ChainOrigin, ChainLink, ChainReport };

export interface ChainCandidate {
  readonly der: Buffer;
  readonly origin: ChainOrigin;
  /** True for store CAs the user trusts and for system roots. */
  readonly trustAnchor: boolean;
  readonly entryId?: string;
  readonly entryLabel?: string;
}

const MAX_DEPTH = 10;

interface Parsed {
  readonly candidate: ChainCandidate;
  readonly cert: X509Certificate;
}

/** Follows issuer links from the leaf through the candidates (entry's own first, then store, then system). */
export function buildChain(leaf: ChainCandidate, candidates: readonly ChainCandidate[], now: Date = new Date()): ChainReport {
  const ORDER: Readonly<Record<ChainOrigin, number>> = { server: 0, entry: 0, store: 1, system: 2 };
  const pool: Parsed[] = [...candidates]
    .sort((a, b) => ORDER[a.origin] - ORDER[b.origin])
    .map((candidate) => ({ candidate, cert: new X509Certificate(candidate.der) }));
  const chain: Parsed[] = [{ candidate: leaf, cert: new X509Certificate(leaf.der) }];
  let complete = false;
  let missingIssuer: string | undefined;
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    const current = chain[chain.length - 1]!;
    if (isSelfSigned(current.cert)) {
      complete = true;
      break;
    }
    const issuer = pool.find(
      (p) => !chain.some((c) => c.cert.fingerprint256 === p.cert.fingerprint256) && current.cert.checkIssued(p.cert) && current.cert.verify(p.cert.publicKey),
    );
    if (!issuer) {
      missingIssuer = oneLine(current.cert.issuer);
      break;
    }
    // The same certificate may be offered twice (e.g. a system root also imported); prefer the trusted copy.
    const trustedTwin = pool.find((p) => p.cert.fingerprint256 === issuer.cert.fingerprint256 && p.candidate.trustAnchor);
    chain.push(trustedTwin ?? issuer);
  }
  const links: ChainLink[] = chain.map(({ candidate }) => ({
    certificate: describeCertificate(candidate.der, now),
    origin: candidate.origin,
    trustAnchor: candidate.trustAnchor,
    ...(candidate.entryId ? { entryId: candidate.entryId } : {}),
    ...(candidate.entryLabel ? { entryLabel: candidate.entryLabel } : {}),
  }));
  const trusted = links.some((l) => l.trustAnchor);
  return {
    links,
    complete,
    trusted,
    ...(missingIssuer ? { missingIssuer } : {}),
    expiry: worstExpiryStatus(links.map((l) => l.certificate), now),
    message: describeOutcome(links, complete, trusted, missingIssuer),
  };
}

function describeOutcome(links: readonly ChainLink[], complete: boolean, trusted: boolean, missingIssuer: string | undefined): string {
  const top = links[links.length - 1]!;
  const topName = top.certificate.subject.commonName ?? top.certificate.subject.text;
  if (missingIssuer) {
    return `The chain is incomplete: the issuer "${missingIssuer}" is neither in your store nor in the system trust store. Import that CA certificate (ask whoever runs the broker for it).`;
  }
  if (complete && trusted) {
    const where = top.origin === 'system' ? 'the system trust store' : top.entryLabel ? `your store ("${top.entryLabel}")` : 'your store';
    return `The chain is complete and ends at the trusted root "${topName}" from ${where}.`;
  }
  return `The chain is complete but ends at "${topName}", which you do not trust yet. Add it to your store as a trusted CA if you know where it comes from.`;
}

/** Node prints names one attribute per line; the UI wants one line. */
export function oneLine(name: string): string {
  return name.split('\n').filter(Boolean).join(', ');
}
