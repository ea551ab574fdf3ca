import { useState } from 'react';
import type { CertificateKind } from '../../../../shared/ipc/certificates';
import { clearError, importCertificates } from './actions';
import { KIND_TITLES } from './certificate-format';
import { certificateSelectors } from './selectors';
import { useStore } from '../../store/root-store';

interface StagedFile {
  readonly name: string;
  readonly bytes: Uint8Array<ArrayBuffer>;
}

const PASSPHRASE_CODES = new Set(['PASSPHRASE_REQUIRED', 'WRONG_PASSPHRASE']);

async function readFiles(files: FileList | readonly File[]): Promise<StagedFile[]> {
  return Promise.all([...files].map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })));
}

/** Import by paste, file picker or drag and drop; asks for a passphrase when the material needs one. */
export function ImportForm(): React.JSX.Element {
  const [kind, setKind] = useState<CertificateKind>('trusted-ca');
  const [label, setLabel] = useState('');
  const [text, setText] = useState('');
  const [files, setFiles] = useState<readonly StagedFile[]>([]);
  const [passphrase, setPassphrase] = useState('');
  const [dragging, setDragging] = useState(false);
  const error = useStore(certificateSelectors.errorOf('import'));
  const busy = useStore(certificateSelectors.busyOf('import'));
  const asksPassphrase = error !== undefined && PASSPHRASE_CODES.has(error.code);
  const [passphraseShown, setPassphraseShown] = useState(false);
  const showPassphrase = passphraseShown || asksPassphrase;

  const stage = async (list: FileList | readonly File[]): Promise<void> => {
    const read = await readFiles(list);
    // A key or a PKCS#12 file is almost always an identity; spare the user a NOT_A_CA error.
    if (kind === 'trusted-ca' && read.some((f) => /\.(p12|pfx|key)$/i.test(f.name))) setKind('client-identity');
    setFiles((current) => [...current, ...read]);
    clearError('import');
  };

  const submit = async (): Promise<void> => {
    const inputs = [
      ...(text.trim() !== '' ? [{ data: text, name: 'the pasted text' }] : []),
      ...files.map((f) => ({ data: f.bytes, name: f.name })),
    ].map((input) => (passphrase !== '' ? { ...input, passphrase } : input));
    if (inputs.length === 0) return;
    if (asksPassphrase) setPassphraseShown(true);
    const ok = await importCertificates({ kind, inputs, ...(label.trim() !== '' ? { label: label.trim() } : {}) });
    if (ok) {
      setText('');
      setFiles([]);
      setPassphrase('');
    }
  };

  return (
    <form
      className="cert-form"
      data-testid="cert-import-form"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <h3>Import certificates</h3>
      <label>
        Import as{' '}
        <select data-testid="cert-import-kind" value={kind} onChange={(e) => setKind(e.target.value as CertificateKind)}>
          {(Object.keys(KIND_TITLES) as CertificateKind[]).map((k) => (
            <option key={k} value={k}>
              {k === 'trusted-ca' ? 'Trusted CA (certificate only)' : k === 'client-identity' ? 'Client identity (certificate + key)' : 'Server identity (certificate + key)'}
            </option>
          ))}
        </select>
      </label>
      <label>
        Name <input data-testid="cert-import-label" value={label} placeholder="from the certificate's CN" onChange={(e) => setLabel(e.target.value)} />
      </label>
      <div
        className={`cert-drop${dragging ? ' dragging' : ''}`}
        data-testid="cert-import-drop"
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={(e) => {
          e.preventDefault();
          setDragging(false);
          void stage(e.dataTransfer.files);
        }}
      >
        <p>Drop PEM, DER, key or PKCS#12 (.p12/.pfx) files here, or</p>
        <input
          type="file"
          multiple
          aria-label="Certificate or key files"
          data-testid="cert-import-file"
          accept=".pem,.crt,.cer,.der,.key,.p12,.pfx,.p7b"
          onChange={(e) => {
            if (e.target.files) void stage(e.target.files);
            e.target.value = '';
          }}
        />
        {files.length > 0 ? (
          <ul className="cert-staged" data-testid="cert-import-staged">
            {files.map((f, i) => (
              <li key={`${f.name}-${i}`}>
                {f.name} ({f.bytes.byteLength} bytes){' '}
                <button type="button" className="link" onClick={() => setFiles(files.filter((_, j) => j !== i))}>
                  remove
                </button>
              </li>
            ))}
          </ul>
        ) : null}
      </div>
      <label className="block">
        …or paste PEM text (certificates and keys, in any order)
        <textarea data-testid="cert-import-text" rows={8} spellCheck={false} value={text} onChange={(e) => setText(e.target.value)} />
      </label>
      {showPassphrase ? (
        <label data-testid="cert-import-passphrase-prompt">
          Passphrase{' '}
          <input type="password" data-testid="cert-import-passphrase" autoFocus value={passphrase} onChange={(e) => setPassphrase(e.target.value)} />
        </label>
      ) : (
        <button type="button" className="link" onClick={() => setPassphraseShown(true)}>
          The file or key has a passphrase
        </button>
      )}
      {error ? (
        <p className="error" data-testid="cert-import-error" data-code={error.code}>
          {error.message}
        </p>
      ) : null}
      <div className="row">
        <button type="submit" className="primary" data-testid="cert-import-submit" disabled={busy || (text.trim() === '' && files.length === 0)}>
          {busy ? 'Importing…' : 'Import'}
        </button>
      </div>
    </form>
  );
}
