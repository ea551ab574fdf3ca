import { lazy, memo } from 'react';
import { LoadBoundary } from '../../ui/load-boundary';
import type { CodeEditorProps } from './code-editor';

// Monaco is the app's largest chunk: load it after the first paint, not before.
const CodeEditor = lazy(() => import('./code-editor'));

/** The payload editor, with a quiet placeholder while Monaco loads and a sentence if it cannot. */
export const LazyCodeEditor = memo(function LazyCodeEditor(props: CodeEditorProps): React.JSX.Element {
  return (
    <LoadBoundary what="editor" testId="editor-loading">
      <CodeEditor {...props} />
    </LoadBoundary>
  );
});
