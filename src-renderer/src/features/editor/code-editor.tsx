import Editor from '@monaco-editor/react';
import { useEffect, useRef } from 'react';
import { useTheme } from '../../ui/theme';
import { monaco } from './monaco-setup';
import { TAB_FOCUS_SHORTCUT, toggleTabFocusMode, useTabFocusMode } from './tab-focus';

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
  /** The editor's accessible name. */
  readonly ariaLabel?: string;
}

/** Monaco with the composer's key bindings. Loaded lazily: see lazy-code-editor. */
export default function CodeEditor(props: CodeEditorProps): React.JSX.Element {
  // Monaco's key binding is registered once; it must call the latest handlers.
  const latest = useRef(props);
  latest.current = props;
  const tabFocus = useTabFocusMode();
  const mounted = useRef<CodeEditorHandle | null>(null);
  useEffect(() => mounted.current?.updateOptions({ tabFocusMode: tabFocus }), [tabFocus]);
  // Monaco's theme is global to the page; @monaco-editor/react applies it when this prop changes.
  const { resolved } = useTheme();
  return (
    <Editor
      height="100%"
      language={props.language}
      defaultValue={props.defaultValue}
      theme={resolved === 'light' ? 'vs' : 'vs-dark'}
      options={{
        minimap: { enabled: false },
        fontSize: 13,
        scrollBeyondLastLine: false,
        automaticLayout: true,
        formatOnPaste: false,
        tabFocusMode: tabFocus,
        ariaLabel: `${props.ariaLabel ?? 'Editor'}. ${TAB_FOCUS_SHORTCUT} switches whether Tab moves focus or indents.`,
      }}
      onChange={(value) => latest.current.onChange(value ?? '')}
      onValidate={(found) => latest.current.onMarkers(found.filter((m) => m.severity >= monaco.MarkerSeverity.Warning).length)}
      onMount={(editor) => {
        mounted.current = editor;
        editor.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.Enter, () => latest.current.onSubmit());
        // VS Code's tab-focus toggle: Ctrl+M (Ctrl+Shift+M on macOS).
        editor.addCommand(TAB_FOCUS_SHORTCUT === 'Ctrl+M' ? monaco.KeyMod.CtrlCmd | monaco.KeyCode.KeyM : monaco.KeyMod.WinCtrl | monaco.KeyMod.Shift | monaco.KeyCode.KeyM, toggleTabFocusMode);
        latest.current.onReady(editor);
      }}
    />
  );
}
