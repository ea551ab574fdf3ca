import { useState } from 'react';
import { CertificateFields } from './certificate-fields';
import { certificateSelectors } from './selectors';
import { useStore } from '../../store/root-store';

/** The OS trust store, read-only: what Topiary trusts besides your own CAs when "system CAs" is on. */
export function SystemRootsList(): React.JSX.Element {
  const listing = useStore(certificateSelectors.systemRoots);
  const error = useStore(certificateSelectors.errorOf('roots'));
  const [filter, setFilter] = useState('');
  const [open, setOpen] = useState<string | null>(null);
  if (error) return <p className="error">{error.message}</p>;
  if (!listing) return <p className="note">Reading the OS trust store…</p>;
  const needle = filter.trim().toLowerCase();
  const name = (r: (typeof listing.roots)[number]): string => r.subject.commonName ?? r.subject.organization ?? r.subject.text;
  const roots = (needle === '' ? [...listing.roots] : listing.roots.filter((r) => r.subject.text.toLowerCase().includes(needle))).sort((a, b) =>
    name(a).localeCompare(name(b)),
  );
  return (
    <div className="cert-roots" data-testid="cert-system-roots" data-count={listing.roots.length}>
      <h3>OS trust store (read-only)</h3>
      <p className="note" data-testid="cert-system-source">
        {listing.label} · {listing.roots.length} roots
      </p>
      <input placeholder="filter by name" data-testid="cert-system-filter" value={filter} onChange={(e) => setFilter(e.target.value)} />
      <ul>
        {roots.map((r) => (
          <li key={r.fingerprints.sha256} data-testid="cert-system-root">
            <button type="button" className="link" onClick={() => setOpen(open === r.fingerprints.sha256 ? null : r.fingerprints.sha256)}>
              {name(r)}
            </button>{' '}
            <span className="note">until {r.notAfter.slice(0, 10)}</span>
            {r.daysRemaining < 0 ? <span className="cert-badge error"> expired</span> : null}
            {open === r.fingerprints.sha256 ? <CertificateFields details={r} prefix="cert-system" /> : null}
          </li>
        ))}
      </ul>
    </div>
  );
}
