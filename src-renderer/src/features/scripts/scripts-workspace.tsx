import { useEffect } from 'react';
import { useStore } from '../../store/root-store';
import { listenToScripts, showScriptsSection } from './actions';
import { BindingEditor } from './binding-editor';
import { BindingList } from './binding-list';
import { RespondersPanel } from './responders-panel';
import { scriptsSelectors } from './selectors';
import { SimulationsPanel } from './simulations-panel';
import type { ScriptsSection } from './state';
import './scripts.css';

const SECTIONS: readonly { readonly id: ScriptsSection; readonly label: string }[] = [
  { id: 'decoders', label: 'Decoders' },
  { id: 'responders', label: 'Auto-responders' },
  { id: 'simulations', label: 'Simulated devices' },
];

/** The Scripts workspace: decoder bindings and their editor, auto-responders, simulated devices. */
export function ScriptsWorkspace(): React.JSX.Element {
  useEffect(listenToScripts, []);
  const section = useStore(scriptsSelectors.section);
  const selection = useStore(scriptsSelectors.selection);
  const selected = useStore(scriptsSelectors.selectedBinding);
  const error = useStore(scriptsSelectors.error);
  const sectionError = useStore(scriptsSelectors.sectionError);
  return (
    <div className="scripts-workspace" data-testid="scripts-workspace">
      <nav className="scripts-sections" role="tablist" aria-label="Scripts">
        {SECTIONS.map((s) => (
          <button key={s.id} type="button" role="tab" aria-selected={section === s.id} className={section === s.id ? 'active' : ''} data-testid={`scripts-section-${s.id}`} onClick={() => showScriptsSection(s.id)}>
            {s.label}
          </button>
        ))}
      </nav>
      {sectionError && section !== 'decoders' ? (
        <p className="error scripts-error" data-testid="scripts-section-error" data-code={sectionError.code}>
          {sectionError.message}
        </p>
      ) : null}
      {section === 'decoders' ? (
        <div className="scripts-decoders">
          <aside className="left">
            <BindingList />
          </aside>
          <section className="scripts-main">
            {error ? (
              <p className="error" data-testid="scripts-error">
                {error.message}
              </p>
            ) : null}
            {selection.kind === 'none' ? <p className="note scripts-empty">Select a binding to edit it, or add one.</p> : null}
            {selection.kind === 'new' ? <BindingEditor key="new" binding={null} /> : null}
            {selection.kind === 'saved' && selected ? <BindingEditor key={selected.id} binding={selected} /> : null}
          </section>
        </div>
      ) : null}
      {section === 'responders' ? <RespondersPanel /> : null}
      {section === 'simulations' ? <SimulationsPanel /> : null}
    </div>
  );
}
