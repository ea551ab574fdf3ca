import { lazy, Suspense } from 'react';
import type { ScriptEditorProps } from './script-editor';

// The script editor brings TypeScript's language service (its own large worker): load it only when a script is edited.
const ScriptEditor = lazy(() => import('./script-editor'));

/** The script editor, with a quiet placeholder while Monaco loads. */
export function LazyScriptEditor(props: ScriptEditorProps): React.JSX.Element {
  return (
    <Suspense fallback={<div className="editor-loading">Loading editor…</div>}>
      <ScriptEditor {...props} />
    </Suspense>
  );
}
