import type { DecoderBindingInfo } from '../../../../shared/ipc/decoders';
import type { AppState } from '../../store/root-store';

/** The decoder a binding names, in a few words for its row. */
export function decoderLabel(binding: Pick<DecoderBindingInfo, 'decoder'>): string {
  const d = binding.decoder;
  switch (d.kind) {
    case 'script':
      return 'Script';
    case 'protobuf':
      return `Protobuf ${d.messageType}`;
    case 'sparkplug':
      return 'Sparkplug B';
    case 'cbor':
      return 'CBOR';
    case 'msgpack':
      return 'MessagePack';
    case 'json':
      return 'JSON';
    case 'text':
      return 'Text';
    case 'hex':
      return 'Hex';
    case 'base64':
      return 'Base64';
  }
}

/** "line 2, column 11: message", or the message alone when the place is unknown. */
export function placedError(error: { readonly message: string; readonly line?: number; readonly column?: number }): string {
  return error.line !== undefined ? `line ${error.line}, column ${error.column ?? 1}: ${error.message}` : error.message;
}

export const scriptsSelectors = {
  loaded: (s: AppState) => s.scripts.loaded,
  bindings: (s: AppState) => s.scripts.bindings,
  selection: (s: AppState) => s.scripts.selection,
  /** The saved binding the editor shows, if one is selected and still exists. */
  selectedBinding: (s: AppState): DecoderBindingInfo | null => {
    const sel = s.scripts.selection;
    return sel.kind === 'saved' ? (s.scripts.bindings.find((b) => b.id === sel.id) ?? null) : null;
  },
  scriptApi: (s: AppState) => s.scripts.scriptApi,
  testResult: (s: AppState) => s.scripts.testResult,
  busy: (s: AppState) => s.scripts.busy,
  error: (s: AppState) => s.scripts.error,
  section: (s: AppState) => s.scripts.section,
  responders: (s: AppState) => s.scripts.responders,
  scenarios: (s: AppState) => s.scripts.scenarios,
  simulations: (s: AppState) => s.scripts.simulations,
  savedSimulations: (s: AppState) => s.scripts.savedSimulations,
  sectionError: (s: AppState) => s.scripts.sectionError,
};
