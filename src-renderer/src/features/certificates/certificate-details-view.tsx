import { useState } from 'react';
import type { CertificateId, CertificateKind, ChainOrigin } from '../../../../shared/ipc/certificates';
import { clearError, deleteCertificate, exportPem, exportPkcs12, loadChain, renameCertificate, trustAsCa } from './actions';
import { CertificateFields } from './certificate-fields';
import { certificateSelectors } from './selectors';
import { expiryBadge } from './certificate-format';
import { useStore } from '../../store/root-store';

const KIND_NAMES: Readonly<Record<CertificateKind, string>> = {
  'trusted-ca': 'Trusted CA',
  'client-identity': 'Client identity',
  'server-identity': 'Server identity',
};

const ORIGIN_TEXT: Readonly<Record<ChainOrigin, string>> = {
  entry: 'this entry',
  store: 'your store',
  system: 'OS trust store',
  server: 'sent by the server',
};

/** One entry: its fields, chain, PEM, export, rename and delete. */
export function CertificateDetailsView({ id }: { readonly id: CertificateId }): React.JSX.Element {
  const entry = useStore((s) => certificateSelectors.entry(s.certificates.list, id));
  const chain = useStore(certificateSelectors.chainOf(id));
  const errors = useStore(certificateSelectors.errors);
  const notice = useStore((s) => (s.certificates.notice?.id === id ? s.certificates.notice.text : null));
  const [renaming, setRenaming] = useState<string | null>(null);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [pkcs12Password, setPkcs12Password] = useState('');
  const [keyPassphrase, setKeyPassphrase] = useState('');
  const [copied, setCopied] = useState<string | null>(null);

  if (!entry) return <p className="note">This certificate is no longer in the store.</p>;
  const badge = expiryBadge(entry);
  const pem = [entry.certificate.pem, ...entry.chain.map((c) => c.pem)].join('');
  const deleteError = errors['delete'];
  // A complete chain nobody trusts yet: its root can be trusted in one click (the chain message says why it matters).
  const top = chain && chain.complete && !chain.trusted ? chain.links[chain.links.length - 1] : undefined;
  const untrustedTop = top && !top.trustAnchor ? top.certificate : undefined;

  const copy = (): void => {
    navigator.clipboard.writeText(pem).then(
      () => setCopied('Copied to the clipboard.'),
      () => {
        // The Electron shell denies permission requests, so the async clipboard may refuse; a selection copy still works.
        const area = document.querySelector<HTMLTextAreaElement>('[data-testid="cert-pem"]');
        area?.select();
        setCopied(area && document.execCommand('copy') ? 'Copied to the clipboard.' : 'The clipboard refused; the text is selected, press Ctrl+C.');
      },
    );
  };

  return (
    <div className="cert-details" data-testid="cert-details" data-id={entry.id}>
      {notice ? (
        <p className="note" role="status" data-testid="cert-notice">
          {notice}
        </p>
      ) : null}
      <div className="cert-title">
        {renaming === null ? (
          <>
            <h3 data-testid="cert-details-label">{entry.label}</h3>
            <button type="button" className="link" data-testid="cert-rename" onClick={() => setRenaming(entry.label)}>
              rename
            </button>
          </>
        ) : (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              void renameCertificate(entry.id, renaming).then((ok) => ok && setRenaming(null));
            }}
          >
            <input data-testid="cert-rename-input" value={renaming} autoFocus onChange={(e) => setRenaming(e.target.value)} />
            <button type="submit" className="primary">Save</button>
            <button type="button" onClick={() => setRenaming(null)}>
              Cancel
            </button>
          </form>
        )}
      </div>
      <p className="cert-meta">
        {KIND_NAMES[entry.kind]} · {entry.hasPrivateKey ? 'private key stored (sealed)' : 'no private key'}
        {entry.usedBy.length > 0 ? ` · used by ${entry.usedBy.join(', ')}` : ''}
      </p>
      <p className={badge ? `cert-expiry ${badge.tone}` : 'cert-expiry ok'} data-testid="cert-expiry" data-state={entry.expiry.state}>
        {entry.expiry.message}
      </p>
      {errors['details'] ? <p className="error">{errors['details'].message}</p> : null}

      <CertificateFields details={entry.certificate} />

      <h4>Chain</h4>
      {errors['chain'] ? <p className="error">{errors['chain'].message}</p> : null}
      {chain ? (
        <div data-testid="cert-chain" data-complete={String(chain.complete)} data-trusted={String(chain.trusted)}>
          <ol className="cert-chain">
            {chain.links.map((link, i) => (
              <li key={`${link.certificate.fingerprints.sha256}-${i}`} data-testid="cert-chain-link" data-origin={link.origin}>
                <span>{link.certificate.subject.commonName ?? link.certificate.subject.text}</span>{' '}
                <span className="note">
                  — {ORIGIN_TEXT[link.origin]}
                  {link.entryLabel && link.origin === 'store' ? ` ("${link.entryLabel}")` : ''}
                  {link.trustAnchor ? ', trusted' : ''}
                </span>
              </li>
            ))}
          </ol>
          <p className={chain.complete && chain.trusted ? 'ok' : 'warn'} data-testid="cert-chain-message">
            {chain.message}
          </p>
          {untrustedTop ? (
            <button
              type="button"
              data-testid="cert-trust-top"
              onClick={() => void trustAsCa(untrustedTop.pem, untrustedTop.subject.commonName ?? untrustedTop.subject.text, entry.id)}
            >
              Add &quot;{untrustedTop.subject.commonName ?? untrustedTop.subject.text}&quot; to your store as a trusted CA
            </button>
          ) : null}
        </div>
      ) : (
        <p className="note">Building the chain…</p>
      )}
      <button type="button" onClick={() => void loadChain(entry.id)}>
        Check again
      </button>

      <h4>PEM</h4>
      <textarea className="cert-pem" data-testid="cert-pem" readOnly rows={6} value={pem} />
      <div className="row">
        <button type="button" data-testid="cert-copy-pem" onClick={copy}>
          Copy
        </button>
        <button type="button" data-testid="cert-export-pem" onClick={() => void exportPem(entry.id, false)}>
          Export PEM
        </button>
        {copied ? <span className="note">{copied}</span> : null}
      </div>
      {entry.hasPrivateKey ? (
        <div className="row">
          <input type="password" placeholder="key passphrase (optional)" value={keyPassphrase} onChange={(e) => setKeyPassphrase(e.target.value)} />
          <button type="button" data-testid="cert-export-pem-key" onClick={() => void exportPem(entry.id, true, keyPassphrase)}>
            Export PEM with private key
          </button>
        </div>
      ) : null}
      <div className="row">
        <input
          type="password"
          data-testid="cert-pkcs12-password"
          placeholder="PKCS#12 password"
          value={pkcs12Password}
          onChange={(e) => setPkcs12Password(e.target.value)}
        />
        <button type="button" data-testid="cert-export-pkcs12" disabled={pkcs12Password === ''} onClick={() => void exportPkcs12(entry.id, pkcs12Password)}>
          Export PKCS#12
        </button>
      </div>
      {errors['export'] ? <p className="error">{errors['export'].message}</p> : null}

      <h4>Delete</h4>
      {!confirmDelete ? (
        <button
          type="button"
          className="danger"
          data-testid="cert-delete"
          onClick={() => {
            clearError('delete');
            setConfirmDelete(true);
          }}
        >
          Delete…
        </button>
      ) : (
        <div className="cert-confirm" data-testid="cert-delete-confirm">
          <p>
            {entry.usedBy.length > 0
              ? `"${entry.label}" is used by ${entry.usedBy.map((u) => `"${u}"`).join(', ')}. Deleting it will break ${entry.usedBy.length === 1 ? 'that profile' : 'those profiles'} until you pick another certificate.`
              : `Delete "${entry.label}" from the store? This cannot be undone.`}
          </p>
          <button type="button" className="danger" data-testid="cert-delete-confirm-button" onClick={() => void deleteCertificate(entry.id, entry.usedBy.length > 0)}>
            {entry.usedBy.length > 0 ? 'Delete anyway' : 'Delete'}
          </button>
          <button type="button" onClick={() => setConfirmDelete(false)}>
            Cancel
          </button>
        </div>
      )}
      {deleteError ? (
        <p className="error" data-testid="cert-delete-error" data-code={deleteError.code}>
          {deleteError.message}{' '}
          {deleteError.code === 'IN_USE' ? (
            <button type="button" className="danger" onClick={() => void deleteCertificate(entry.id, true)}>
              Delete anyway
            </button>
          ) : null}
        </p>
      ) : null}
    </div>
  );
}
