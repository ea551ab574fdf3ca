import type { DecoderBindingInfo, ScriptApiInfo, ScriptTestResult } from '../../../../shared/ipc/decoders';
import type { ErrorData } from '../../../../shared/ipc/errors';
import type { ResponderInfo } from '../../../../shared/ipc/responders';
import type { SavedSimulation, ScenarioInfo, SimulationInfo } from '../../../../shared/ipc/simulations';

/** The workspace's sections. */
export type ScriptsSection = 'decoders' | 'responders' | 'simulations';

/** Which binding the editor shows: a saved one by id, a new one, or none. */
export type BindingSelection = { readonly kind: 'none' } | { readonly kind: 'new' } | { readonly kind: 'saved'; readonly id: string };

/** The Scripts workspace: decoder bindings (a short list), the selection, the last test run and errors. */
export interface ScriptsState {
  readonly loaded: boolean;
  readonly bindings: readonly DecoderBindingInfo[];
  readonly selection: BindingSelection;
  /** The script API's declarations for the editor, fetched once. */
  readonly scriptApi: ScriptApiInfo | null;
  readonly testResult: ScriptTestResult | null;
  readonly busy: boolean;
  readonly error: ErrorData | null;
  readonly section: ScriptsSection;
  readonly responders: readonly ResponderInfo[];
  readonly scenarios: readonly ScenarioInfo[];
  /** Running simulations and their rates, polled while the section is shown. */
  readonly simulations: readonly SimulationInfo[];
  /** Saved simulations (kept across restarts, carried by the profiles export), started only when the user asks. */
  readonly savedSimulations: readonly SavedSimulation[];
  /** A failure of a responder or simulation request, shown in its section. */
  readonly sectionError: ErrorData | null;
}

export const initialScriptsState: ScriptsState = {
  loaded: false,
  bindings: [],
  selection: { kind: 'none' },
  scriptApi: null,
  testResult: null,
  busy: false,
  error: null,
  section: 'decoders',
  responders: [],
  scenarios: [],
  simulations: [],
  savedSimulations: [],
  sectionError: null,
};
