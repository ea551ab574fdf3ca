import { lazy, Suspense } from 'react';
import type { CodeEditorProps } from './code-editor';

// Monaco is the app's largest chunk: load it after the first paint, not before.
const CodeEditor = lazy(() => import('./code-editor'));

/** The payload editor, with a quiet placeholder while Monaco loads. */
export function LazyCodeEditor(props: CodeEditorProps): React.JSX.Element {
  return (
    <Suspense fallback={<div className="editor-loading" data-testid="editor-loading">Loading editor…</div>}>
      <CodeEditor {...props} />
    </Suspense>
  );
}
