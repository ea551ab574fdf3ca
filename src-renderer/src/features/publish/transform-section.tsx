import { memo, useEffect, useState } from 'react';
import type { ConnectionId } from '../../../../shared/ipc/common';
import type { ScriptApiInfo } from '../../../../shared/ipc/decoders';
import { TopiaryError, type ErrorData } from '../../../../shared/ipc/errors';
import type { ComposedMessage, TransformPreviewResult } from '../../../../shared/ipc/publish';
import { Button } from '../../ui';
import { useStore } from '../../store/root-store';
import { fetchScriptApi, previewTransform, setPayloadScript } from './actions';
import { publishSelectors } from './selectors';
import type { PayloadScriptSetting } from './state';
import { LazyScriptEditor } from '../scripts/lazy-script-editor';
import type { ScriptProblem } from '../scripts/script-editor';
import './transform-section.css';

let scriptApi: Promise<ScriptApiInfo | null> | null = null;

function toError(e: unknown): ErrorData {
  return e instanceof TopiaryError ? e.toData() : { code: 'INTERNAL_ERROR', message: String(e) };
}

/** Shows the payload as text when it is UTF-8, else as hex. */
function describePayload(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes).slice(0, 4_000);
  } catch {
    return Array.from(bytes.subarray(0, 1_000), (b) => b.toString(16).padStart(2, '0')).join(' ');
  }
}

export interface TransformSectionProps {
  readonly connectionId: ConnectionId | null;
  /** The message as the form holds it right now (with the transform, through payloadScript()). */
  readonly message: () => ComposedMessage | null;
}

/** "Compute the payload with a script": the script, once or for each message of a job, and a preview of its result. */
export const TransformSection = memo(function TransformSection({ connectionId, message }: TransformSectionProps): React.JSX.Element {
  const current = useStore(publishSelectors.payloadScript);
  const [api, setApi] = useState<ScriptApiInfo | null>(null);
  const [preview, setPreview] = useState<TransformPreviewResult | null>(null);
  const [error, setError] = useState<ErrorData | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!current.enabled) return;
    scriptApi ??= fetchScriptApi().catch(() => null);
    let live = true;
    void scriptApi.then((found) => live && setApi(found));
    return () => {
      live = false;
    };
  }, [current.enabled]);

  const run = async (): Promise<void> => {
    const m = message();
    if (!m) return;
    setBusy(true);
    setError(null);
    setPreview(null);
    try {
      setPreview(await previewTransform({ ...m, ...(connectionId ? { connectionId } : {}) }));
    } catch (e) {
      setError(toError(e));
    } finally {
      setBusy(false);
    }
  };

  const line = error?.details?.line;
  const column = error?.details?.column;
  const problem: ScriptProblem | null = typeof line === 'number' && typeof column === 'number' && error ? { line, column, message: error.message } : null;

  return (
    <div className="payload-script" data-testid="payload-script">
      <div className="publish-row">
        <label>
          <input type="checkbox" data-testid="payload-script-enabled" checked={current.enabled} onChange={(e) => setPayloadScript({ enabled: e.target.checked })} />
          Compute the payload with a script
        </label>
        {current.enabled ? (
          <>
            <select aria-label="When the script runs" data-testid="payload-script-per" value={current.per} onChange={(e) => setPayloadScript({ per: e.target.value as PayloadScriptSetting['per'] })}>
              <option value="message">For each message</option>
              <option value="once">Once per send or job</option>
            </select>
            <Button size="sm" data-testid="payload-script-preview" disabled={busy} onClick={() => void run()}>
              Preview
            </Button>
          </>
        ) : null}
      </div>
      {current.enabled ? (
        <>
          <div className="payload-script-editor">
            <LazyScriptEditor path={`composer-payload-script-${current.version}.js`} defaultValue={current.source} api={api} onChange={(source) => setPayloadScript({ source })} onProblems={() => undefined} sandboxProblem={problem} />
          </div>
          {preview ? (
            <div className="ok" data-testid="payload-script-result">
              {preview.payload.length} B to {preview.topic}: <code data-testid="payload-script-payload">{describePayload(preview.payload)}</code>
              {preview.logs.map((l, i) => (
                <div key={i} className={l.level === 'log' ? 'muted' : 'warning'}>
                  {l.level}: {l.text}
                </div>
              ))}
            </div>
          ) : null}
          {error ? (
            <div className="error" role="alert" data-testid="payload-script-error" data-code={error.code}>
              <strong>{error.code}</strong> {error.message}
            </div>
          ) : null}
        </>
      ) : null}
    </div>
  );
});
