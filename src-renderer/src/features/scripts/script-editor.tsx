import Editor from '@monaco-editor/react';
import { useEffect, useRef } from 'react';
import { useTheme } from '../../ui/theme';
import { monaco, installScriptApi } from './script-monaco';

export interface ScriptProblem {
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

export interface ScriptEditorProps {
  /** Names the model, so each binding keeps its own text and undo history. */
  readonly path: string;
  readonly defaultValue: string;
  readonly api: { readonly fileName: string; readonly declarations: string } | null;
  readonly onChange: (text: string) => void;
  /** What the language service finds as you type (errors and warnings). */
  readonly onProblems: (problems: readonly ScriptProblem[]) => void;
  /** A problem the sandbox reported (syntax or run-time), marked in the text; null clears it. */
  readonly sandboxProblem: ScriptProblem | null;
}

const SANDBOX_OWNER = 'topiary-sandbox';

/** Monaco editing a script as JavaScript with the script API's types. Loaded lazily: see lazy-script-editor. */
export default function ScriptEditor(props: ScriptEditorProps): React.JSX.Element {
  const latest = useRef(props);
  latest.current = props;
  const editorRef = useRef<monaco.editor.IStandaloneCodeEditor | null>(null);
  const { resolved } = useTheme();
  if (props.api) installScriptApi(props.api.fileName, props.api.declarations);

  useEffect(() => {
    const model = editorRef.current?.getModel();
    if (!model) return;
    const p = props.sandboxProblem;
    monaco.editor.setModelMarkers(
      model,
      SANDBOX_OWNER,
      p ? [{ severity: monaco.MarkerSeverity.Error, message: p.message, startLineNumber: p.line, startColumn: p.column, endLineNumber: p.line, endColumn: p.column + 1 }] : [],
    );
  }, [props.sandboxProblem]);

  return (
    <Editor
      height="100%"
      language="javascript"
      path={props.path}
      defaultValue={props.defaultValue}
      theme={resolved === 'light' ? 'vs' : 'vs-dark'}
      options={{ minimap: { enabled: false }, fontSize: 13, scrollBeyondLastLine: false, automaticLayout: true, tabSize: 2 }}
      onChange={(value) => latest.current.onChange(value ?? '')}
      onValidate={(found) =>
        latest.current.onProblems(
          found
            .filter((m) => m.severity >= monaco.MarkerSeverity.Warning && m.owner !== SANDBOX_OWNER)
            .map((m) => ({ line: m.startLineNumber, column: m.startColumn, message: m.message })),
        )
      }
      onMount={(editor) => {
        editorRef.current = editor;
      }}
    />
  );
}
