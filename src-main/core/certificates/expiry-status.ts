import type { CertificateDetails } from './certificate-details';
import type { ExpiryState, ExpiryStatus } from '../../../shared/ipc/certificates';
export type { ExpiryState, ExpiryStatus };

/** Days before expiry at which a certificate is flagged as expiring. */
export const EXPIRY_WARNING_DAYS = 30;

const DAY_MS = 86_400_000;

/** Classifies one certificate as expired, not yet valid, expiring within the warning window, or valid. */
export function expiryStatus(
  certificate: Pick<CertificateDetails, 'notBefore' | 'notAfter' | 'subject'>,
  now: Date = new Date(),
  warningDays: number = EXPIRY_WARNING_DAYS,
): ExpiryStatus {
  const notBefore = new Date(certificate.notBefore);
  const notAfter = new Date(certificate.notAfter);
  const daysRemaining = Math.floor((notAfter.getTime() - now.getTime()) / DAY_MS);
  const name = certificate.subject.commonName ?? certificate.subject.text;
  const day = (d: Date): string => d.toISOString().slice(0, 10);
  if (now.getTime() > notAfter.getTime()) {
    return { state: 'expired', daysRemaining, message: `"${name}" expired on ${day(notAfter)}. Replace it with a renewed certificate.` };
  }
  if (now.getTime() < notBefore.getTime()) {
    return {
      state: 'not-yet-valid',
      daysRemaining,
      message: `"${name}" is not valid until ${day(notBefore)}. Check this computer's clock, or wait until then.`,
    };
  }
  if (daysRemaining < warningDays) {
    return {
      state: 'expiring',
      daysRemaining,
      message: `"${name}" expires on ${day(notAfter)}, in ${daysRemaining} day${daysRemaining === 1 ? '' : 's'}. Renew it soon.`,
    };
  }
  return { state: 'valid', daysRemaining, message: `"${name}" is valid until ${day(notAfter)}.` };
}

const SEVERITY: Readonly<Record<ExpiryState, number>> = { valid: 0, expiring: 1, 'not-yet-valid': 2, expired: 3 };

/** The worst status among several certificates (an identity and its chain). */
export function worstExpiryStatus(
  certificates: readonly Pick<CertificateDetails, 'notBefore' | 'notAfter' | 'subject'>[],
  now: Date = new Date(),
): ExpiryStatus {
  const statuses = certificates.map((c) => expiryStatus(c, now));
  return statuses.reduce((worst, s) => (SEVERITY[s.state] > SEVERITY[worst.state] ? s : worst), statuses[0] ?? expiryStatus(certificates[0]!, now));
}
