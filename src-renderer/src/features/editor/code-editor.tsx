import Editor from '@monaco-editor/react';
import { useRef } from 'react';
import { useTheme } from '../../ui/theme';
import { monaco } from './monaco-setup';

/** The languages the composer's editor colours and checks. */
export type EditorLanguage = 'json' | 'plaintext' | 'xml' | 'yaml';

export type CodeEditorHandle = monaco.editor.IStandaloneCodeEditor;

export interface CodeEditorProps {
  readonly language: EditorLanguage;
  readonly defaultValue: string;
  readonly onChange: (text: string) => void;
  /** Problems Monaco found (JSON syntax errors as you type). */
  readonly onMarkers: (count: number) => void;
  /** Ctrl/Cmd+Enter. */
  readonly onSubmit: () => void;
  readonly onReady: (editor: CodeEditorHandle) => void;
}

/** Monaco with the composer's key bindings. Loaded lazily: see lazy-code-editor. */
export default function CodeEditor(props: CodeEditorProps): React.JSX.Element {
  // Monaco's key binding is registered once; it must call the latest handlers.
  const latest = useRef(props);
  latest.current = props;
  // Monaco's theme is global to the page; @monaco-editor/react applies it when this prop changes.
  const { resolved } = useTheme();
  return (
    <Editor
      height="100%"
      language={props.language}
      defaultValue={props.defaultValue}
      theme={resolved === 'light' ? 'vs' : 'vs-dark'}
      options={{ minimap: { enabled: false }, fontSize: 13, scrollBeyondLastLine: false, automaticLayout: true, formatOnPaste: false }}
      onChange={(value) => latest.current.onChange(value ?? '')}
      onValidate={(found) => latest.current.onMarkers(found.filter((m) => m.severity >= monaco.MarkerSeverity.Warning).length)}
      onMount={(editor) => {
        editor.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.Enter, () => latest.current.onSubmit());
        latest.current.onReady(editor);
      }}
    />
  );
}
