import { useState } from 'react';
import type { BindingDecoder, DecoderBindingInfo } from '../../../../shared/ipc/decoders';
import { checkTopicFilter } from '../../../../shared/mqtt/topic-rules';
import { useStore } from '../../store/root-store';
import { Button, Select, type SelectChoice } from '../../ui';
import { deleteBinding, saveBinding, selectBinding, testScript } from './actions';
import { LazyScriptEditor } from './lazy-script-editor';
import type { ScriptProblem } from './script-editor';
import { placedError, scriptsSelectors } from './selectors';

type Kind = BindingDecoder['kind'];

const KINDS: readonly SelectChoice<Kind>[] = [
  { value: 'script', label: 'Script' },
  { value: 'protobuf', label: 'Protobuf type from a .proto' },
  { value: 'sparkplug', label: 'Sparkplug B' },
  { value: 'cbor', label: 'CBOR' },
  { value: 'msgpack', label: 'MessagePack' },
  { value: 'json', label: 'JSON' },
  { value: 'text', label: 'Text' },
  { value: 'hex', label: 'Hex' },
  { value: 'base64', label: 'Base64' },
];

const NEW_SCRIPT = `// Called once per message, with \`msg\` in scope; what it returns is the decoded value.
const data = msg.json();
return data;
`;

/** A topic that matches the filter, for trying a script on a sample. */
function sampleTopic(filter: string): string {
  return filter.replace(/(^|\/)#$/, '$1sample').replace(/\+/g, 'sample') || 'sample';
}

function decoderOf(kind: Kind, source: string, proto: string, messageType: string): BindingDecoder {
  if (kind === 'script') return { kind, source };
  if (kind === 'protobuf') return { kind, proto, messageType: messageType.trim() };
  return { kind };
}

/** Edits one binding: its filter, its decoder (a script in Monaco, a Protobuf type, a built-in), and trying a script. */
export function BindingEditor({ binding }: { readonly binding: DecoderBindingInfo | null }): React.JSX.Element {
  const busy = useStore(scriptsSelectors.busy);
  const api = useStore(scriptsSelectors.scriptApi);
  const testResult = useStore(scriptsSelectors.testResult);
  const [filter, setFilter] = useState(binding?.filter ?? '');
  const [kind, setKind] = useState<Kind>(binding?.decoder.kind ?? 'script');
  const [source, setSource] = useState(binding?.decoder.kind === 'script' ? binding.decoder.source : NEW_SCRIPT);
  const [proto, setProto] = useState(binding?.decoder.kind === 'protobuf' ? binding.decoder.proto : '');
  const [messageType, setMessageType] = useState(binding?.decoder.kind === 'protobuf' ? binding.decoder.messageType : '');
  const [enabled, setEnabled] = useState(binding?.enabled ?? true);
  const [problems, setProblems] = useState<readonly ScriptProblem[]>([]);
  const [samplePayload, setSamplePayload] = useState('{"t": 21.5}');

  const filterCheck = filter === '' ? { ok: false, message: 'A topic filter is required, such as sensors/# or lab/+/temperature.' } : checkTopicFilter(filter);
  const protoMissing = kind === 'protobuf' && (proto.trim() === '' || messageType.trim() === '');
  const sandboxProblem: ScriptProblem | null =
    testResult && !testResult.ok && testResult.line !== undefined
      ? { line: testResult.line, column: testResult.column ?? 1, message: testResult.error }
      : binding?.problem?.line !== undefined && kind === 'script'
        ? { line: binding.problem.line, column: binding.problem.column ?? 1, message: binding.problem.message }
        : null;

  const save = (): void => {
    void saveBinding({ ...(binding ? { id: binding.id } : {}), filter, decoder: decoderOf(kind, source, proto, messageType), enabled });
  };

  return (
    <form
      className="binding-editor"
      data-testid="binding-editor"
      onSubmit={(e) => {
        e.preventDefault();
        save();
      }}
    >
      <div className="publish-row">
        <label>
          Topic filter{' '}
          <input className="topic" value={filter} onChange={(e) => setFilter(e.target.value)} placeholder="sensors/#" data-testid="binding-filter" aria-invalid={filter !== '' && !filterCheck.ok} />
        </label>
        <label>
          Decoder{' '}
          <Select value={kind} choices={KINDS} onChange={setKind} data-testid="binding-kind" />
        </label>
        <label>
          <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} data-testid="binding-enabled" /> Enabled
        </label>
      </div>
      {filter !== '' && !filterCheck.ok ? <p className="error">{filterCheck.message}</p> : null}

      {kind === 'script' ? (
        <>
          <div className="editor script-editor" data-testid="script-editor">
            <LazyScriptEditor path={`binding-${binding?.id ?? 'new'}.js`} defaultValue={source} api={api} onChange={setSource} onProblems={setProblems} sandboxProblem={sandboxProblem} />
          </div>
          <ul className="script-problems" data-testid="script-problems" aria-live="polite">
            {problems.map((p, i) => (
              <li key={i} className="error">
                line {p.line}, column {p.column}: {p.message}
              </li>
            ))}
          </ul>
          <div className="publish-row">
            <label>
              Sample payload <input value={samplePayload} onChange={(e) => setSamplePayload(e.target.value)} data-testid="script-sample" className="topic" />
            </label>
            <Button disabled={busy} onClick={() => void testScript(source, sampleTopic(filter), samplePayload)} data-testid="script-test">
              Try it
            </Button>
          </div>
          {testResult ? (
            <div data-testid="script-test-result">
              {testResult.ok ? (
                <pre className="payload">{testResult.text || '(no value)'}</pre>
              ) : (
                <p className="error" data-testid="script-test-error">
                  {placedError({ message: testResult.error, ...(testResult.line !== undefined ? { line: testResult.line } : {}), ...(testResult.column !== undefined ? { column: testResult.column } : {}) })}
                </p>
              )}
              {testResult.logs.map((l, i) => (
                <div key={i} className={l.level === 'log' ? 'note' : 'error'}>
                  {l.level}: {l.text}
                </div>
              ))}
            </div>
          ) : null}
        </>
      ) : null}

      {kind === 'protobuf' ? (
        <div className="protobuf-fields">
          <div className="publish-row">
            <label>
              .proto file{' '}
              <input
                type="file"
                accept=".proto,text/plain"
                data-testid="binding-proto-file"
                onChange={(e) => {
                  const file = e.target.files?.[0];
                  if (file) void file.text().then(setProto);
                }}
              />
            </label>
            <label>
              Message type <input value={messageType} onChange={(e) => setMessageType(e.target.value)} placeholder="package.Reading" data-testid="binding-message-type" />
            </label>
          </div>
          <textarea className="proto-text" value={proto} onChange={(e) => setProto(e.target.value)} rows={10} spellCheck={false} placeholder='syntax = "proto3"; …' data-testid="binding-proto" aria-label="The .proto text" />
        </div>
      ) : null}

      {binding?.problem ? (
        <p className="error" data-testid="binding-problem">
          Not in force: {placedError(binding.problem)}
        </p>
      ) : null}

      <div className="publish-row">
        <Button type="submit" variant="primary" disabled={busy || !filterCheck.ok || protoMissing} data-testid="binding-save">
          {binding ? 'Save' : 'Add binding'}
        </Button>
        {binding ? (
          <Button variant="danger" disabled={busy} onClick={() => void deleteBinding(binding.id)} data-testid="binding-delete">
            Delete
          </Button>
        ) : (
          <Button variant="quiet" onClick={() => selectBinding({ kind: 'none' })}>
            Cancel
          </Button>
        )}
      </div>
    </form>
  );
}
