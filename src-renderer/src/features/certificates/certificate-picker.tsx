import { useEffect } from 'react';
import type { CertificateId, CertificateKind } from '../../../../shared/ipc/certificates';
import { listenToCertificates } from './actions';
import { certificateSelectors } from './selectors';
import { expiryBadge } from './certificate-format';
import { useStore } from '../../store/root-store';

export interface CertificatePickerProps {
  /** 'trusted-ca' for a profile's CAs (several), 'client-identity' for its client certificate (one). */
  readonly kind: CertificateKind;
  readonly value: readonly CertificateId[];
  readonly onChange: (ids: CertificateId[]) => void;
  readonly multiple?: boolean;
  readonly testId?: string;
}

/**
 * Picks store entries for a connection profile (`tls.caIds`, `tls.identityId`); the core turns them into PEM
 * when it connects. Entries that have gone from the store stay listed so the user sees what broke.
 */
export function CertificatePicker({ kind, value, onChange, multiple = false, testId = `certificate-picker-${kind}` }: CertificatePickerProps): React.JSX.Element {
  const list = useStore(certificateSelectors.list);
  useEffect(() => listenToCertificates(), []);
  const entries = certificateSelectors.ofKind(list, kind);
  const missing = list ? value.filter((id) => !entries.some((e) => e.id === id)) : [];
  if (!multiple) {
    return (
      <select data-testid={testId} value={value[0] ?? ''} onChange={(e) => onChange(e.target.value === '' ? [] : [e.target.value as CertificateId])}>
        <option value="">none</option>
        {entries.map((e) => {
          const badge = expiryBadge(e);
          return (
            <option key={e.id} value={e.id}>
              {e.label}
              {badge ? ` (${badge.text})` : ''}
            </option>
          );
        })}
        {missing.map((id) => (
          <option key={id} value={id}>
            missing from the store
          </option>
        ))}
      </select>
    );
  }
  return (
    <div className="cert-picker" data-testid={testId}>
      {entries.length === 0 ? <span className="note">None in the store yet (Certificates tab).</span> : null}
      {entries.map((e) => {
        const badge = expiryBadge(e);
        return (
          <label key={e.id}>
            <input
              type="checkbox"
              data-id={e.id}
              checked={value.includes(e.id)}
              onChange={(ev) => onChange(ev.target.checked ? [...value, e.id] : value.filter((v) => v !== e.id))}
            />{' '}
            {e.label}
            {badge ? <span className={`cert-badge ${badge.tone}`}> {badge.text}</span> : null}
          </label>
        );
      })}
      {missing.map((id) => (
        <label key={id} className="error">
          <input type="checkbox" checked onChange={() => onChange(value.filter((v) => v !== id))} /> a CA missing from the store
        </label>
      ))}
    </div>
  );
}
