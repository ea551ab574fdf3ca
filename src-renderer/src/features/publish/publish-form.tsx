import Editor from '@monaco-editor/react';
import { useRef, useState, type FormEvent } from 'react';
import { TopiaryError, type ErrorData } from '../../../../shared/ipc/errors';
import type { PublishResult } from '../../../../shared/ipc/publish';
import { checkTopicName } from '../../../../shared/mqtt/topic-rules';
import '../editor/monaco-setup';
import { core } from '../../ipc/core-client';
import { selectors, useAppStore } from '../../store/app-store';

type Language = 'json' | 'plaintext';

/** Topic, payload (Monaco), QoS and retain; the seed of the full composer. */
export function PublishForm(): React.JSX.Element {
  const active = useAppStore(selectors.active);
  const [topic, setTopic] = useState('topiary/test');
  const [qos, setQos] = useState<0 | 1 | 2>(0);
  const [retain, setRetain] = useState(false);
  const [language, setLanguage] = useState<Language>('json');
  const [result, setResult] = useState<PublishResult | null>(null);
  const [error, setError] = useState<ErrorData | null>(null);
  const [markers, setMarkers] = useState(0);
  const payload = useRef('{\n  "hello": "world"\n}');
  const topicCheck = checkTopicName(topic);

  const onSubmit = async (event?: FormEvent): Promise<void> => {
    event?.preventDefault();
    if (!active) return;
    setError(null);
    setResult(null);
    try {
      setResult(await core.invoke('publish.send', { connectionId: active.connectionId, topic, payload: payload.current, qos, retain }));
    } catch (e) {
      setError(e instanceof TopiaryError ? e.toData() : { code: 'INTERNAL_ERROR', message: String(e) });
    }
  };

  // Monaco's key binding is registered once; it must call the latest submit.
  const submitRef = useRef(onSubmit);
  submitRef.current = onSubmit;

  return (
    <form className="publish" data-testid="publish-form" onSubmit={(e) => void onSubmit(e)}>
      <div className="publish-row">
        <input className="topic" aria-label="Publish topic" data-testid="publish-topic" value={topic} spellCheck={false} onChange={(e) => setTopic(e.target.value)} />
        <select aria-label="QoS" data-testid="publish-qos" value={qos} onChange={(e) => setQos(Number(e.target.value) as 0 | 1 | 2)}>
          <option value={0}>QoS 0</option>
          <option value={1}>QoS 1</option>
          <option value={2}>QoS 2</option>
        </select>
        <label>
          <input type="checkbox" data-testid="publish-retain" checked={retain} onChange={(e) => setRetain(e.target.checked)} /> retain
        </label>
        <select aria-label="Payload language" data-testid="publish-language" value={language} onChange={(e) => setLanguage(e.target.value as Language)}>
          <option value="json">JSON</option>
          <option value="plaintext">Text</option>
        </select>
        <button type="submit" data-testid="publish-button" disabled={!active || active.state !== 'connected' || !topicCheck.ok}>
          Publish
        </button>
      </div>
      {!topicCheck.ok ? (
        <div className="error" role="alert" data-testid="publish-topic-error">
          {topicCheck.message}
        </div>
      ) : null}
      <div className="editor" data-testid="payload-editor" data-markers={markers}>
        <Editor
          height="100%"
          language={language}
          defaultValue={payload.current}
          theme="vs-dark"
          options={{ minimap: { enabled: false }, fontSize: 13, scrollBeyondLastLine: false, automaticLayout: true }}
          onChange={(value) => {
            payload.current = value ?? '';
          }}
          onValidate={(found) => setMarkers(found.length)}
          onMount={(editor, monaco) => {
            editor.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.Enter, () => void submitRef.current());
          }}
        />
      </div>
      {result ? (
        <div className="ok" data-testid="publish-result">
          Sent{result.packetId !== undefined ? ` (packet ${result.packetId}, ${result.roundTripMs.toFixed(1)} ms)` : ''}.
        </div>
      ) : null}
      {error ? (
        <div className="error" role="alert" data-testid="publish-error" data-code={error.code}>
          <strong>{error.code}</strong> {error.message}
        </div>
      ) : null}
    </form>
  );
}
