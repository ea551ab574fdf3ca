// The composer's Monaco set-up first (the editor API, its contributions, the worker factory), then what scripts add:
// JavaScript colouring and the TypeScript language service (completion, hovers, errors as you type) in its own worker.
import { monaco } from '../editor/monaco-setup';
import 'monaco-editor/languages/definitions/javascript/register';
import { javascriptDefaults } from 'monaco-editor/languages/features/typescript/register';
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
javascriptDefaults.setDiagnosticsOptions({ noSemanticValidation: false, noSyntaxValidation: false, diagnosticCodesToIgnore: [RETURN_OUTSIDE_FUNCTION] });

let extraLib: { dispose(): void } | null = null;
let extraLibText = '';

/** Puts the script API's declarations in the language service (once; again only if they changed). */
export function installScriptApi(fileName: string, declarations: string): void {
  if (extraLibText === declarations) return;
  extraLib?.dispose();
  extraLib = javascriptDefaults.addExtraLib(declarations, `file:///${fileName}`);
  extraLibText = declarations;
}

export { monaco };
