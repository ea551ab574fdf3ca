import { showView } from './actions';
import { certificateSelectors } from './selectors';
import { expiryBadge, KIND_TITLES } from './certificate-format';
import { useStore } from '../../store/root-store';

/** The store grouped by kind, with expiry warnings on the rows that need attention. */
export function CertificateList(): React.JSX.Element {
  const list = useStore(certificateSelectors.list);
  const view = useStore(certificateSelectors.view);
  const error = useStore(certificateSelectors.errorOf('list'));
  const { groups, corrupt } = certificateSelectors.groups(list);
  const selectedId = view.kind === 'details' ? view.id : null;
  return (
    <div className="cert-list" data-testid="cert-list" data-loaded={list ? 'true' : 'false'}>
      {error ? <p className="error">{error.message}</p> : null}
      {groups.map(([kind, entries]) => (
        <div key={kind} className="cert-group" data-testid={`cert-group-${kind}`}>
          <h4>{KIND_TITLES[kind]}</h4>
          {entries.length === 0 ? <p className="note">None yet.</p> : null}
          <ul>
            {entries.map((entry) => {
              const badge = expiryBadge(entry);
              return (
                <li
                  key={entry.id}
                  className={`cert-row${selectedId === entry.id ? ' selected' : ''}`}
                  data-testid="cert-row"
                  data-id={entry.id}
                  data-kind={entry.kind}
                  data-expiry={entry.expiry.state}
                  title={entry.expiry.message}
                  onClick={() => showView({ kind: 'details', id: entry.id })}
                >
                  <span className="cert-label">{entry.label}</span>
                  {badge ? (
                    <span className={`cert-badge ${badge.tone}`} data-testid="cert-expiry-badge">
                      {badge.text}
                    </span>
                  ) : null}
                  {entry.usedBy.length > 0 ? <span className="cert-used">used by {entry.usedBy.length}</span> : null}
                </li>
              );
            })}
          </ul>
        </div>
      ))}
      {corrupt.length > 0 ? (
        <div className="cert-group">
          <h4>Damaged entries</h4>
          <ul>
            {corrupt.map((row) => (
              <li key={row.id} className="cert-row error" title={row.error.message} data-testid="cert-row-corrupt">
                {row.file}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </div>
  );
}
