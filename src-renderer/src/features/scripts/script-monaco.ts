// The composer's Monaco set-up first (the editor API, its contributions, the worker factory), then what scripts add:
// JavaScript colouring and the TypeScript language service (completion, hovers, errors as you type) in its own worker.
import { monaco } from '../editor/monaco-setup';
import 'monaco-editor/languages/definitions/javascript/register';
import { getJavaScriptWorker, javascriptDefaults } from 'monaco-editor/languages/features/typescript/register';
import TsWorker from 'monaco-editor/language/typescript/ts.worker?worker';

const composerWorkers = self.MonacoEnvironment?.getWorker;
self.MonacoEnvironment = {
  getWorker(workerId: string, label: string): Worker | Promise<Worker> {
    if (label === 'typescript' || label === 'javascript') return new TsWorker();
    if (composerWorkers) return composerWorkers(workerId, label);
    throw new Error(`No Monaco worker for ${label}`);
  },
};

/** TypeScript's "A 'return' statement can only be used within a function body": a script is a function's body. */
const RETURN_OUTSIDE_FUNCTION = 1108;

javascriptDefaults.setCompilerOptions({
  allowJs: true,
  checkJs: true,
  allowNonTsExtensions: true,
  target: 99,
});
// Type errors come from checkTypes() below, on the script wrapped in a function: checked where it stands, a script's
// top-level `return` is an error after which TypeScript checks nothing of what it returns (`return msg.zzz;` passed).
javascriptDefaults.setDiagnosticsOptions({ noSemanticValidation: true, noSyntaxValidation: false, diagnosticCodesToIgnore: [RETURN_OUTSIDE_FUNCTION] });

let extraLib: { dispose(): void } | null = null;
let extraLibText = '';

/** Puts the script API's declarations in the language service (once; again only if they changed). */
export function installScriptApi(fileName: string, declarations: string): void {
  if (extraLibText === declarations) return;
  extraLib?.dispose();
  extraLib = javascriptDefaults.addExtraLib(declarations, `file:///${fileName}`);
  extraLibText = declarations;
}

/** The script as the type checker reads it: the body of a function, as the sandbox runs it. */
const WRAP_BEFORE = '(function () {\n';
const WRAP_AFTER = '\n})();\n';

type DiagnosticText = string | { readonly messageText: string; readonly next?: readonly DiagnosticText[] };

function flatten(text: DiagnosticText, indent = 0): string {
  if (typeof text === 'string') return text;
  const rest = (text.next ?? []).map((n) => flatten(n, indent + 1)).join('');
  return `${indent > 0 ? `\n${'  '.repeat(indent)}` : ''}${text.messageText}${rest}`;
}

/**
 * Type errors in a script, as markers for its model: the text is checked wrapped in a function (in a hidden model of
 * its own) against the script API's declarations, and the positions are mapped back.
 */
export async function checkTypes(model: monaco.editor.ITextModel): Promise<monaco.editor.IMarkerData[]> {
  const uri = checkedUri(model);
  const text = `${WRAP_BEFORE}${model.getValue()}${WRAP_AFTER}`;
  let wrapped = monaco.editor.getModel(uri);
  if (wrapped === null) wrapped = monaco.editor.createModel(text, 'javascript', uri);
  else if (wrapped.getValue() !== text) wrapped.setValue(text);
  const worker = await (await getJavaScriptWorker())(uri);
  const diagnostics = await worker.getSemanticDiagnostics(uri.toString());
  if (wrapped.isDisposed()) return [];
  const lines = model.getLineCount();
  return diagnostics.flatMap((d) => {
    if (d.start === undefined || d.code === RETURN_OUTSIDE_FUNCTION) return [];
    const start = wrapped.getPositionAt(d.start);
    const end = wrapped.getPositionAt(d.start + (d.length ?? 1));
    // Only what lies in the user's text (line 1 and the last lines are the wrapper's).
    if (start.lineNumber < 2 || start.lineNumber > lines + 1) return [];
    const endLine = Math.min(end.lineNumber, lines + 1);
    return [
      {
        severity: d.category === 1 ? monaco.MarkerSeverity.Error : d.category === 0 ? monaco.MarkerSeverity.Warning : monaco.MarkerSeverity.Info,
        message: flatten(d.messageText as DiagnosticText),
        code: String(d.code),
        startLineNumber: start.lineNumber - 1,
        startColumn: start.column,
        endLineNumber: endLine - 1,
        endColumn: endLine === end.lineNumber ? end.column : model.getLineMaxColumn(endLine - 1),
      },
    ];
  });
}

/** Forgets the hidden model checkTypes() made for a script's model. */
export function forgetTypes(model: monaco.editor.ITextModel): void {
  monaco.editor.getModel(checkedUri(model))?.dispose();
}

/** The hidden model's name: the script model's own id (unique while it lives), as a plain .js file. */
function checkedUri(model: monaco.editor.ITextModel): monaco.Uri {
  return monaco.Uri.parse(`file:///checked/${model.id.replace(/[^\w-]/g, '')}.js`);
}

export { monaco };
