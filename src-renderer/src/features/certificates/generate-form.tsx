import { useState } from 'react';
import type { KeyAlgorithm } from '../../../../shared/ipc/certificates';
import { generateCa, issueCertificate } from './actions';
import { certificateSelectors } from './selectors';
import { splitNames } from './certificate-format';
import { useStore } from '../../store/root-store';

type What = 'ca' | 'server' | 'client';

const IPV4_OR_V6 = /^(\d{1,3}(\.\d{1,3}){3}|[0-9a-fA-F:]*:[0-9a-fA-F:.]*)$/;

/** Makes a local CA, or a server or client certificate signed by a store CA that has its key. */
export function GenerateForm(): React.JSX.Element {
  const list = useStore(certificateSelectors.list);
  const error = useStore(certificateSelectors.errorOf('generate'));
  const busy = useStore(certificateSelectors.busyOf('generate'));
  const signers = certificateSelectors.ofKind(list, 'trusted-ca').filter((e) => e.hasPrivateKey);
  const [what, setWhat] = useState<What>('ca');
  const [commonName, setCommonName] = useState('Topiary local CA');
  const [caId, setCaId] = useState('');
  const [sans, setSans] = useState('localhost, 127.0.0.1');
  const [keyAlgorithm, setKeyAlgorithm] = useState<KeyAlgorithm>('ec-p256');
  const [validityDays, setValidityDays] = useState('');
  const signer = caId !== '' ? caId : signers[0]?.id;

  const choose = (next: What): void => {
    setWhat(next);
    setCommonName(next === 'ca' ? 'Topiary local CA' : next === 'server' ? 'localhost' : 'topiary-client');
  };

  const submit = async (): Promise<void> => {
    const days = validityDays.trim() === '' ? {} : { validityDays: Number(validityDays) };
    if (what === 'ca') {
      await generateCa({ commonName, keyAlgorithm, ...days });
      return;
    }
    if (!signer) return;
    const names = splitNames(sans);
    await issueCertificate({
      caId: signer,
      kind: what === 'server' ? 'server-identity' : 'client-identity',
      commonName,
      keyAlgorithm,
      ...days,
      ...(what === 'server'
        ? { dnsNames: names.filter((n) => !IPV4_OR_V6.test(n)), ipAddresses: names.filter((n) => IPV4_OR_V6.test(n)) }
        : {}),
    });
  };

  return (
    <form
      className="cert-form"
      data-testid="cert-generate-form"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <h3>Generate</h3>
      <div className="row" role="radiogroup">
        {(['ca', 'server', 'client'] as const).map((w) => (
          <label key={w}>
            <input type="radio" name="what" data-testid={`cert-generate-${w}`} checked={what === w} onChange={() => choose(w)} />{' '}
            {w === 'ca' ? 'Local CA' : w === 'server' ? 'Server certificate' : 'Client certificate'}
          </label>
        ))}
      </div>
      {what !== 'ca' ? (
        signers.length === 0 ? (
          <p className="warn">No CA in the store can sign yet. Generate a local CA first (or import one with its key).</p>
        ) : (
          <label>
            Signed by{' '}
            <select data-testid="cert-generate-signer" value={signer} onChange={(e) => setCaId(e.target.value)}>
              {signers.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.label}
                </option>
              ))}
            </select>
          </label>
        )
      ) : null}
      <label>
        Common name <input data-testid="cert-generate-cn" value={commonName} onChange={(e) => setCommonName(e.target.value)} />
      </label>
      {what === 'server' ? (
        <label>
          Host names and addresses <input data-testid="cert-generate-sans" value={sans} onChange={(e) => setSans(e.target.value)} />
        </label>
      ) : null}
      <label>
        Key{' '}
        <select data-testid="cert-generate-key" value={keyAlgorithm} onChange={(e) => setKeyAlgorithm(e.target.value as KeyAlgorithm)}>
          <option value="ec-p256">EC P-256 (recommended)</option>
          <option value="rsa-2048">RSA 2048</option>
          <option value="rsa-4096">RSA 4096 (slow to make)</option>
        </select>
      </label>
      <label>
        Valid for <input type="number" min={1} placeholder="default" value={validityDays} onChange={(e) => setValidityDays(e.target.value)} /> days
      </label>
      {error ? (
        <p className="error" data-testid="cert-generate-error">
          {error.message}
        </p>
      ) : null}
      <div className="row">
        <button type="submit" className="primary" data-testid="cert-generate-submit" disabled={busy || (what !== 'ca' && !signer)}>
          {busy ? 'Generating…' : 'Generate'}
        </button>
      </div>
    </form>
  );
}
