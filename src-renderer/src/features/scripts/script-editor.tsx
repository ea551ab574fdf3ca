import Editor from '@monaco-editor/react';
import { useEffect, useRef, useState } from 'react';
import { useTheme } from '../../ui/theme';
import { checkTypes, forgetTypes, monaco, installScriptApi } from './script-monaco';

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
const TYPES_OWNER = 'topiary-types';
/** Typing pauses this long before the script's types are checked again. */
const TYPE_CHECK_DELAY_MS = 250;

/** Monaco editing a script as JavaScript with the script API's types. Loaded lazily: see lazy-script-editor. */
export default function ScriptEditor(props: ScriptEditorProps): React.JSX.Element {
  const latest = useRef(props);
  latest.current = props;
  const editorRef = useRef<monaco.editor.IStandaloneCodeEditor | null>(null);
  const [mounted, setMounted] = useState(false);
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

  // Type errors, checked a moment after typing stops; an answer for text that has changed since is dropped.
  useEffect(() => {
    const editor = editorRef.current;
    const model = editor?.getModel();
    if (!editor || !model) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let asked = 0;
    const check = (retries = 3): void => {
      const version = ++asked;
      checkTypes(model).then(
        (markers) => {
          if (version === asked && !model.isDisposed()) monaco.editor.setModelMarkers(model, TYPES_OWNER, markers);
        },
        // Right after the editor mounts, the JavaScript language service may not be running yet: ask again shortly.
        () => {
          if (version === asked && retries > 0) timer = setTimeout(() => check(retries - 1), TYPE_CHECK_DELAY_MS * 2);
        },
      );
    };
    const changed = model.onDidChangeContent(() => {
      clearTimeout(timer);
      timer = setTimeout(() => check(), TYPE_CHECK_DELAY_MS);
    });
    check();
    return () => {
      clearTimeout(timer);
      changed.dispose();
      forgetTypes(model);
    };
  }, [mounted, props.path, props.api?.declarations]);

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
        setMounted(true);
      }}
    />
  );
}
