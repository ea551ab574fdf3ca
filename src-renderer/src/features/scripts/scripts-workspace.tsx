import { useEffect } from 'react';
import { useStore } from '../../store/root-store';
import { listenToScripts } from './actions';
import { BindingEditor } from './binding-editor';
import { BindingList } from './binding-list';
import { scriptsSelectors } from './selectors';
import './scripts.css';

/** The Scripts workspace: decoder bindings and their editor. */
export function ScriptsWorkspace(): React.JSX.Element {
  useEffect(listenToScripts, []);
  const selection = useStore(scriptsSelectors.selection);
  const selected = useStore(scriptsSelectors.selectedBinding);
  const error = useStore(scriptsSelectors.error);
  return (
    <div className="scripts-workspace" data-testid="scripts-workspace">
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
  );
}
