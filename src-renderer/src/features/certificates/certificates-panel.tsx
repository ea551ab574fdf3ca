import { KeyRound, Landmark, PlugZap, Upload } from 'lucide-react';
import { useEffect } from 'react';
import { BrokerTestForm } from './broker-test-form';
import { listenToCertificates, refreshCertificates, showView } from './actions';
import { CertificateDetailsView } from './certificate-details-view';
import { CertificateList } from './certificate-list';
import { certificateSelectors } from './selectors';
import { useStore } from '../../store/root-store';
import { IconButton } from '../../ui/icon-button';
import { GenerateForm } from './generate-form';
import { ImportForm } from './import-form';
import { SystemRootsList } from './system-roots-list';
import './certificates.css';

/** The certificates workspace: the store on the left; details, import, generate, broker test or OS roots on the right. */
export function CertificatesPanel(): React.JSX.Element {
  const view = useStore(certificateSelectors.view);
  useEffect(() => {
    listenToCertificates();
    // Users of an entry (the broker's listeners among them) may have changed while the panel was hidden.
    void refreshCertificates();
  }, []);
  return (
    <div className="certificates-panel" data-testid="certificates-panel">
      <aside className="cert-sidebar">
        <div className="cert-actions">
          <button type="button" data-testid="cert-open-import" onClick={() => showView({ kind: 'import' })}>
            <Upload aria-hidden="true" size={14} /> Import…
          </button>
          <button type="button" data-testid="cert-open-generate" onClick={() => showView({ kind: 'generate' })}>
            <KeyRound aria-hidden="true" size={14} /> Generate…
          </button>
          <span className="cert-actions-end">
            <IconButton icon={PlugZap} label="Test against broker…" data-testid="cert-open-test" onClick={() => showView({ kind: 'test-broker' })} />
            <IconButton icon={Landmark} label="OS trust store" data-testid="cert-open-roots" onClick={() => showView({ kind: 'system-roots' })} />
          </span>
        </div>
        <CertificateList />
      </aside>
      <section className="cert-main">
        {view.kind === 'details' ? <CertificateDetailsView key={view.id} id={view.id} /> : null}
        {view.kind === 'import' ? <ImportForm /> : null}
        {view.kind === 'generate' ? <GenerateForm /> : null}
        {view.kind === 'test-broker' ? <BrokerTestForm /> : null}
        {view.kind === 'system-roots' ? <SystemRootsList /> : null}
        {view.kind === 'empty' ? (
          <p className="note">Pick a certificate to see its details, or import, generate, or test a broker&apos;s TLS.</p>
        ) : null}
      </section>
    </div>
  );
}
