import type { CertificateDetails } from '../../../../shared/ipc/certificates';
import { daysRemainingText } from './certificate-format';

function sans(details: CertificateDetails): string {
  const { dns, ip, email, uri } = details.subjectAltNames;
  const all = [...dns.map((d) => `DNS:${d}`), ...ip.map((i) => `IP:${i}`), ...email.map((e) => `email:${e}`), ...uri.map((u) => `URI:${u}`)];
  return all.length > 0 ? all.join(', ') : 'none';
}

/** Every field of one certificate, as a definition list; testids carry a prefix so a chain can show several. */
export function CertificateFields({ details, prefix = 'cert' }: { readonly details: CertificateDetails; readonly prefix?: string }): React.JSX.Element {
  const day = (iso: string): string => iso.replace('T', ' ').slice(0, 16) + ' UTC';
  const usages = [...details.keyUsage, ...details.extendedKeyUsage];
  return (
    <dl className="cert-fields">
      <dt>Subject</dt>
      <dd data-testid={`${prefix}-subject`}>{details.subject.text}</dd>
      <dt>Issuer</dt>
      <dd data-testid={`${prefix}-issuer`}>
        {details.issuer.text}
        {details.selfSigned ? ' (self-signed)' : ''}
      </dd>
      <dt>Alternative names</dt>
      <dd data-testid={`${prefix}-sans`}>{sans(details)}</dd>
      <dt>Valid</dt>
      <dd data-testid={`${prefix}-validity`}>
        {day(details.notBefore)} → {day(details.notAfter)} <span data-testid={`${prefix}-days`}>({daysRemainingText(details.daysRemaining)})</span>
      </dd>
      <dt>Key</dt>
      <dd data-testid={`${prefix}-key`}>{details.publicKey.text}</dd>
      <dt>Signature</dt>
      <dd data-testid={`${prefix}-signature`}>{details.signatureAlgorithm}</dd>
      <dt>Key usage</dt>
      <dd data-testid={`${prefix}-usage`}>{usages.length > 0 ? usages.join(', ') : 'not restricted'}</dd>
      <dt>CA</dt>
      <dd>
        {details.isCa ? 'yes' : 'no'}
        {details.basicConstraints?.pathLength !== undefined ? ` (path length ${details.basicConstraints.pathLength})` : ''}
      </dd>
      <dt>Serial</dt>
      <dd className="mono" data-testid={`${prefix}-serial`}>
        {details.serialNumber}
      </dd>
      <dt>SHA-1</dt>
      <dd className="mono" data-testid={`${prefix}-sha1`}>
        {details.fingerprints.sha1}
      </dd>
      <dt>SHA-256</dt>
      <dd className="mono" data-testid={`${prefix}-sha256`}>
        {details.fingerprints.sha256}
      </dd>
    </dl>
  );
}
