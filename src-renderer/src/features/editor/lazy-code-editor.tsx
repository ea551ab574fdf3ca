import { lazy, memo, useEffect, useRef, useState } from 'react';
import { LoadBoundary } from '../../ui/load-boundary';
import type { CodeEditorHandle, CodeEditorProps } from './code-editor';

// Monaco is the app's largest chunk: load it after the first paint, not before.
const CodeEditor = lazy(() => import('./code-editor'));

/**
 * How long after the window opens the composer's editor waits before it loads (unless the composer is used first),
 * and then how long it waits at most for the page to be idle. Monaco's start-up takes the page's main thread for
 * 0.3–0.4 s in three long tasks; a user who connects as soon as the window is up (a saved connection, one click)
 * had that start-up land in the middle of the broker's retained burst, and the tree filled 200–400 ms later
 * (the freshness bench's "10,000 retained topics" leg: 327–576 ms against 163 ms once the editor was in place).
 */
const EDITOR_GRACE_MS = 1000;
const EDITOR_IDLE_TIMEOUT_MS = 2000;

let allowed = false;
const waiting = new Set<() => void>();
let scheduled = false;

/** Lets the editor load now (the composer was touched or focused). */
export function loadEditorNow(): void {
  if (allowed) return;
  allowed = true;
  for (const wake of waiting) wake();
  waiting.clear();
}

/** Calls `wake` once the editor may load; the first call starts the grace period. Returns the cancel. */
function whenEditorMayLoad(wake: () => void): () => void {
  if (allowed) {
    wake();
    return () => undefined;
  }
  waiting.add(wake);
  if (!scheduled) {
    scheduled = true;
    setTimeout(() => requestIdleCallback(loadEditorNow, { timeout: EDITOR_IDLE_TIMEOUT_MS }), EDITOR_GRACE_MS);
  }
  return () => waiting.delete(wake);
}

/**
 * The payload editor, with a quiet placeholder while Monaco loads and a sentence if it cannot. It loads a moment
 * after the window opens, or at once when the placeholder is pointed at or focused.
 */
export const LazyCodeEditor = memo(function LazyCodeEditor(props: CodeEditorProps): React.JSX.Element {
  const [mayLoad, setMayLoad] = useState(allowed);
  useEffect(() => whenEditorMayLoad(() => setMayLoad(true)), []);
  // Focus that reached the placeholder moves into the editor once it is there.
  const focusWhenReady = useRef(false);
  const { onReady } = props;
  if (!mayLoad) {
    return (
      // Focusable so that a keyboard user reaching the composer starts the load too.
      <div
        className="editor-loading"
        data-testid="editor-loading"
        tabIndex={0}
        role="textbox"
        aria-readonly="true"
        aria-busy="true"
        aria-label={`${props.ariaLabel ?? 'Editor'} (loading)`}
        onPointerEnter={loadEditorNow}
        onFocus={() => {
          focusWhenReady.current = true;
          loadEditorNow();
        }}
      >
        Loading editor…
      </div>
    );
  }
  const ready = (editor: CodeEditorHandle): void => {
    if (focusWhenReady.current) editor.focus();
    onReady(editor);
  };
  return (
    <LoadBoundary what="editor" testId="editor-loading">
      <CodeEditor {...props} onReady={ready} />
    </LoadBoundary>
  );
});
