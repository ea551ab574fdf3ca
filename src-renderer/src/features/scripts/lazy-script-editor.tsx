import { lazy } from 'react';
import { LoadBoundary } from '../../ui/load-boundary';
import type { ScriptEditorProps } from './script-editor';

// The script editor brings TypeScript's language service (its own large worker): load it only when a script is edited.
const ScriptEditor = lazy(() => import('./script-editor'));

/** The script editor, with a quiet placeholder while Monaco loads and a sentence if it cannot. */
export function LazyScriptEditor(props: ScriptEditorProps): React.JSX.Element {
  return (
    <LoadBoundary what="editor">
      <ScriptEditor {...props} />
    </LoadBoundary>
  );
}
