import { useEffect } from 'react';
import type { CertificateId } from '../../../../shared/ipc/certificates';
import type { ProfileView } from '../../../../shared/ipc/profiles';
import { listenToCertificates } from '../certificates/actions';
import { certificateSelectors } from '../certificates/selectors';
import { expiryBadge } from '../certificates/certificate-format';
import { useStore } from '../../store/root-store';

/** The worst expiry among the store certificates a profile uses, as a badge on its row; nothing when all are fine. */
export function ProfileCertificateWarning({ profile }: { readonly profile: ProfileView }): React.JSX.Element | null {
  const list = useStore(certificateSelectors.list);
  useEffect(() => listenToCertificates(), []);
  const tls = profile.options.tls;
  const ids = [...(tls?.caIds ?? []), ...(tls?.identityId ? [tls.identityId] : [])] as CertificateId[];
  const flagged = ids
    .map((id) => certificateSelectors.entry(list, id))
    .flatMap((entry) => {
      const badge = entry ? expiryBadge(entry) : null;
      return entry && badge ? [{ entry, badge }] : [];
    });
  const worst = flagged.find((f) => f.badge.tone === 'error') ?? flagged[0];
  if (!worst) return null;
  return (
    <span className={`cert-warning ${worst.badge.tone}`} data-testid="profile-certificate-warning" data-tone={worst.badge.tone} title={`Certificate "${worst.entry.label}" ${worst.badge.text}`}>
      certificate {worst.badge.text}
    </span>
  );
}
