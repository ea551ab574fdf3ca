import { useState } from 'react';
import type { CertificateId } from '../../../../shared/ipc/certificates';
import { showView, testBroker } from './actions';
import { CertificateFields } from './certificate-fields';
import { certificateSelectors } from './selectors';
import { useStore } from '../../store/root-store';

/** Connects to a TLS broker and says whether its certificate verifies, why not, and what would fix it. */
export function BrokerTestForm(): React.JSX.Element {
  const list = useStore(certificateSelectors.list);
  const result = useStore(certificateSelectors.lastTest);
  const error = useStore(certificateSelectors.errorOf('test'));
  const busy = useStore(certificateSelectors.busyOf('test'));
  const cas = certificateSelectors.ofKind(list, 'trusted-ca');
  const identities = certificateSelectors.ofKind(list, 'client-identity');
  const [host, setHost] = useState('localhost');
  const [port, setPort] = useState('8883');
  const [servername, setServername] = useState('');
  const [caIds, setCaIds] = useState<readonly CertificateId[]>([]);
  const [useSystemCAs, setUseSystemCAs] = useState(true);
  const [identityId, setIdentityId] = useState('');

  const toggleCa = (id: CertificateId, on: boolean): void => setCaIds(on ? [...caIds, id] : caIds.filter((c) => c !== id));

  return (
    <div className="cert-form" data-testid="cert-test-form">
      <h3>Test against a broker</h3>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void testBroker({
            host,
            port: Number(port),
            ...(servername.trim() !== '' ? { servername: servername.trim() } : {}),
            caIds: [...caIds],
            useSystemCAs,
            ...(identityId !== '' ? { clientIdentityId: identityId as CertificateId } : {}),
          });
        }}
      >
        <div className="row">
          <label>
            Host <input data-testid="cert-test-host" value={host} onChange={(e) => setHost(e.target.value)} />
          </label>
          <label>
            Port <input data-testid="cert-test-port" className="port" value={port} onChange={(e) => setPort(e.target.value)} />
          </label>
          <label>
            Server name (SNI) <input data-testid="cert-test-servername" placeholder="the host" value={servername} onChange={(e) => setServername(e.target.value)} />
          </label>
        </div>
        <fieldset>
          <legend>Trust</legend>
          <label>
            <input type="checkbox" data-testid="cert-test-system" checked={useSystemCAs} onChange={(e) => setUseSystemCAs(e.target.checked)} /> the OS trust store
          </label>
          {cas.map((ca) => (
            <label key={ca.id}>
              <input type="checkbox" data-testid="cert-test-ca" data-id={ca.id} checked={caIds.includes(ca.id)} onChange={(e) => toggleCa(ca.id, e.target.checked)} /> {ca.label}
            </label>
          ))}
        </fieldset>
        <label>
          Client certificate{' '}
          <select data-testid="cert-test-identity" value={identityId} onChange={(e) => setIdentityId(e.target.value)}>
            <option value="">none</option>
            {identities.map((i) => (
              <option key={i.id} value={i.id}>
                {i.label}
              </option>
            ))}
          </select>
        </label>
        <div className="row">
          <button type="submit" className="primary" data-testid="cert-test-run" disabled={busy}>
            {busy ? 'Testing…' : 'Test'}
          </button>
        </div>
      </form>
      {error ? <p className="error">{error.message}</p> : null}
      {result ? (
        <div className="cert-verdict" data-testid="cert-test-result" data-verdict={result.verdict} data-ok={String(result.ok)}>
          <p className={result.ok ? 'ok' : 'error'} data-testid="cert-test-message">
            {result.message}
          </p>
          {result.fix ? (
            <p data-testid="cert-test-fix">
              Fix: {result.fix.message}{' '}
              {result.fix.entryId ? (
                <button type="button" className="link" onClick={() => showView({ kind: 'details', id: result.fix!.entryId as CertificateId })}>
                  open &quot;{result.fix.entryLabel}&quot;
                </button>
              ) : null}
            </p>
          ) : null}
          {result.problems.length > 1 ? (
            <ul>
              {result.problems.slice(1).map((p) => (
                <li key={p.verdict}>{p.message}</li>
              ))}
            </ul>
          ) : null}
          {result.protocol ? (
            <p className="note">
              {result.protocol} · {result.cipher}
              {result.mqttConnackCode !== undefined ? ` · MQTT CONNACK ${result.mqttConnackCode}` : ''}
            </p>
          ) : null}
          {result.serverChain.length > 0 ? (
            <details>
              <summary>The server&apos;s certificate{result.serverChain.length > 1 ? 's' : ''}</summary>
              {result.serverChain.map((c, i) => (
                <CertificateFields key={c.fingerprints.sha256} details={c} prefix={`cert-test-server-${i}`} />
              ))}
            </details>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}
